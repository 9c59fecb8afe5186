/// How an error message quotes what a client sent: a short prefix, cut by
/// UTF-8 bytes (a single character can be megabytes of combining marks), with
/// control characters shown as `?`, and `…` when something was left off.
public enum Echo {
  /// The most bytes of client input one quote holds.
  public static let maximumBytes = 40

  public static func prefix(_ value: String, maximumBytes: Int = maximumBytes) -> String {
    var result = ""
    var bytes = 0
    for scalar in value.unicodeScalars {
      let size = UTF8.width(scalar)
      guard bytes + size <= maximumBytes else { return result + "…" }
      bytes += size
      result.unicodeScalars.append(scalar.isControlCharacter ? "?" : scalar)
    }
    return result
  }
}

extension Unicode.Scalar {
  /// C0 and C1 control characters and DEL.
  var isControlCharacter: Bool {
    switch value {
    case 0x00...0x1F, 0x7F...0x9F: true
    default: false
    }
  }
}
