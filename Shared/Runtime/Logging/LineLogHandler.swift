import Foundation
import Logging

/// The shape of a log line.
public enum LogFormat: String, Sendable, CaseIterable {
  /// `time=… level=info service=petition-service msg="listening" address=…`
  case logfmt
  /// `{"time":"…","level":"info","service":"petition-service","msg":"listening","address":"…"}`
  case json
}

/// One log event per line on stderr, logfmt or JSON. Each line is one
/// unbuffered write, so lines from concurrent tasks never interleave and
/// appear at once even when stderr is a pipe.
public struct LineLogHandler: LogHandler {
  public var logLevel: Logger.Level
  public var metadata: Logger.Metadata = [:]
  private let label: String
  private let format: LogFormat

  public init(label: String, level: Logger.Level, format: LogFormat = .logfmt) {
    self.label = label
    self.logLevel = level
    self.format = format
  }

  public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }

  public func log(event: LogEvent) {
    let merged = metadata.merging(event.metadata ?? [:]) { $1 }
    let fields = [
      ("time", Date().formatted(.iso8601)), ("level", "\(event.level)"), ("service", label),
      ("msg", event.message.description),
    ] + merged.keys.sorted().map { ($0, merged[$0]!.description) }
    let line: String
    switch format {
    case .logfmt:
      line = fields.map { "\($0.0)=\(Self.quote($0.1))" }.joined(separator: " ")
    case .json:
      line = "{" + fields.map { "\(Self.jsonString($0.0)):\(Self.jsonString($0.1))" }.joined(separator: ",") + "}"
    }
    FileHandle.standardError.write(Data((line + "\n").utf8))
  }

  static func quote(_ value: String) -> String {
    value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" })
      ? "\"" + value.replacingOccurrences(of: "\"", with: "\\\"") + "\"" : value
  }

  static func jsonString(_ value: String) -> String {
    var out = "\""
    for scalar in value.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }
}
