#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif
import Logging
import Synchronization

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
///
/// Every call writes a line (the request line), so a line is built in one
/// string, without a date formatter or intermediate arrays.
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
    var line = Self.line(
      time: LogTime.now(), level: event.level, service: label,
      message: event.message.description, metadata: merged(event.metadata), format: format)
    line.append("\n")
    line.withUTF8 { Self.writeAll($0, to: STDERR_FILENO) }
  }

  private func merged(_ extra: Logger.Metadata?) -> Logger.Metadata {
    guard let extra, !extra.isEmpty else { return metadata }
    if metadata.isEmpty { return extra }
    return metadata.merging(extra) { $1 }
  }

  /// The line (without its newline): the four fixed fields, then the
  /// metadata by key.
  public static func line(
    time: String, level: Logger.Level, service: String, message: String, metadata: Logger.Metadata, format: LogFormat
  ) -> String {
    var line = ""
    line.reserveCapacity(128 + message.utf8.count)
    var first = true
    func field(_ key: String, _ value: String) {
      switch format {
      case .logfmt:
        if !first { line.append(" ") }
        line.append(key)
        line.append("=")
        appendQuoted(value, to: &line)
      case .json:
        line.append(first ? "{" : ",")
        appendJSONString(key, to: &line)
        line.append(":")
        appendJSONString(value, to: &line)
      }
      first = false
    }
    field("time", time)
    field("level", level.rawValue)
    field("service", service)
    field("msg", message)
    for key in metadata.keys.sorted() { field(key, metadata[key]!.description) }
    if format == .json { line.append("}") }
    return line
  }

  /// A logfmt value: quoted, with its quotes escaped, when it holds a
  /// space, a quote or an equals sign.
  static func appendQuoted(_ value: String, to out: inout String) {
    guard value.utf8.contains(where: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "=") }) else {
      out.append(value)
      return
    }
    out.append("\"")
    if value.utf8.contains(UInt8(ascii: "\"")) {
      for scalar in value.unicodeScalars {
        if scalar == "\"" { out.append("\\") }
        out.unicodeScalars.append(scalar)
      }
    } else {
      out.append(value)
    }
    out.append("\"")
  }

  static func appendJSONString(_ value: String, to out: inout String) {
    out.append("\"")
    defer { out.append("\"") }
    guard value.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
      out.append(value)
      return
    }
    for scalar in value.unicodeScalars {
      switch scalar {
      case "\"": out.append("\\\"")
      case "\\": out.append("\\\\")
      case "\n": out.append("\\n")
      case "\r": out.append("\\r")
      case "\t": out.append("\\t")
      case _ where scalar.value < 0x20:
        out.append("\\u00")
        out.append(LogTime.hexDigit(scalar.value >> 4))
        out.append(LogTime.hexDigit(scalar.value & 0xF))
      default: out.unicodeScalars.append(scalar)
      }
    }
  }

  /// Writes all of `bytes` to `fd`, in as few writes as the kernel allows.
  static func writeAll(_ bytes: UnsafeBufferPointer<UInt8>, to fd: Int32) {
    guard var next = bytes.baseAddress else { return }
    var left = bytes.count
    while left > 0 {
      let written = write(fd, next, left)
      if written < 0 {
        if errno == EINTR { continue }
        return
      }
      next += written
      left -= written
    }
  }
}

/// Log timestamps: UTC to the second, as ISO 8601 (`2026-12-05T20:25:11Z`).
public enum LogTime {
  /// The last second formatted: lines of the same second share its text.
  private static let last = Mutex<(seconds: Int, text: String)>((Int.min, ""))

  /// The current second, as `iso8601(seconds:)` formats it.
  public static func now() -> String {
    let seconds = Int(time(nil))
    return last.withLock { last in
      if last.seconds != seconds { last = (seconds, iso8601(seconds: seconds)) }
      return last.text
    }
  }

  public static func iso8601(seconds: Int) -> String {
    var clock = time_t(seconds)
    var parts = tm()
    guard gmtime_r(&clock, &parts) != nil else { return "\(seconds)" }
    var text = ""
    text.reserveCapacity(20)
    // The last `count` decimal digits of `value` (a year outside 0...9999
    // cannot come from the clock; it must still not trap).
    func digits(_ value: Int32, _ count: Int) {
      var divisor: Int32 = 1
      for _ in 1..<count { divisor *= 10 }
      let magnitude = value.magnitude
      while divisor > 0 {
        text.unicodeScalars.append(Unicode.Scalar(UInt8(48 + magnitude / UInt32(divisor) % 10)))
        divisor /= 10
      }
    }
    digits(parts.tm_year + 1900, 4)
    text.append("-")
    digits(parts.tm_mon + 1, 2)
    text.append("-")
    digits(parts.tm_mday, 2)
    text.append("T")
    digits(parts.tm_hour, 2)
    text.append(":")
    digits(parts.tm_min, 2)
    text.append(":")
    digits(parts.tm_sec, 2)
    text.append("Z")
    return text
  }

  static func hexDigit(_ value: UInt32) -> String {
    String(UnicodeScalar(UInt8(value < 10 ? 48 + value : 87 + value)))
  }
}
