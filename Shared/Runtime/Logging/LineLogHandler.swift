import Foundation
import Logging

/// One log event per line on stderr, logfmt style:
/// `time=… level=info service=petition-service msg="listening" address=…`.
/// Each line is one unbuffered write, so lines from concurrent tasks never
/// interleave and appear at once even when stderr is a pipe.
public struct LineLogHandler: LogHandler {
  public var logLevel: Logger.Level
  public var metadata: Logger.Metadata = [:]
  private let label: String

  public init(label: String, level: Logger.Level) {
    self.label = label
    self.logLevel = level
  }

  public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }

  public func log(event: LogEvent) {
    var line = "time=\(Date().formatted(.iso8601)) level=\(event.level) service=\(label) msg=\(Self.quote(event.message.description))"
    let merged = metadata.merging(event.metadata ?? [:]) { $1 }
    for key in merged.keys.sorted() {
      line += " \(key)=\(Self.quote(merged[key]!.description))"
    }
    FileHandle.standardError.write(Data((line + "\n").utf8))
  }

  static func quote(_ value: String) -> String {
    value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" })
      ? "\"" + value.replacingOccurrences(of: "\"", with: "\\\"") + "\"" : value
  }
}
