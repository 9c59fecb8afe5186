/// Email addresses as Groundswell identifies people by them.
public enum Email {
  /// The canonical form of an address: surrounding white space removed and
  /// lower-cased, so that `" Ana@Example.ORG "` and `ana@example.org` are one
  /// person; for mail providers that deliver `first.last+news@` to
  /// `firstlast@`, the parts they ignore are dropped too. Returns nil when the
  /// text is not a plausible address.
  public static func canonical(_ raw: String) -> String? {
    // Nearly every address is ASCII: checked byte by byte, with the same
    // answers as the general path (a test compares the two).
    if raw.utf8.allSatisfy({ $0 < 0x80 }) { return canonicalASCII(raw) }
    return canonicalUnicode(raw)
  }

  /// The general path, for any text.
  static func canonicalUnicode(_ raw: String) -> String? {
    let trimmed = raw.trimmingWhitespace().lowercased()
    guard !trimmed.isEmpty, trimmed.utf8.count <= Limits.email else { return nil }
    let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
    guard parts.count == 2, let local = parts.first, let domain = parts.last,
      !local.isEmpty, local.utf8.count <= 64,
      domain.contains("."), !domain.hasPrefix("."), !domain.hasSuffix("."), !domain.contains(".."),
      !trimmed.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" || $0 == "," })
    else { return nil }
    return normalized(local: String(local), domain: String(domain))
  }

  /// `canonical` for ASCII text, on its bytes. In ASCII every character is
  /// one byte, except CR LF, which is white space either way.
  static func canonicalASCII(_ raw: String) -> String? {
    var bytes = Array(raw.utf8)
    let isSpace = { (byte: UInt8) in byte == 0x20 || (0x09...0x0D).contains(byte) }
    guard let first = bytes.firstIndex(where: { !isSpace($0) }), let last = bytes.lastIndex(where: { !isSpace($0) }) else {
      return nil
    }
    bytes = Array(bytes[first...last])
    guard bytes.count <= Limits.email else { return nil }
    var at: Int?
    for (index, byte) in bytes.enumerated() {
      switch byte {
      case UInt8(ascii: "A")...UInt8(ascii: "Z"): bytes[index] = byte + 0x20
      case UInt8(ascii: "@"):
        guard at == nil else { return nil }
        at = index
      case UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: ","): return nil
      case _ where isSpace(byte): return nil
      default: break
      }
    }
    guard let at, at > 0, at <= 64 else { return nil }
    let domain = bytes[(at + 1)...]
    let dot = UInt8(ascii: ".")
    guard domain.contains(dot), domain.first != dot, domain.last != dot,
      !zip(domain, domain.dropFirst()).contains(where: { $0 == dot && $1 == dot })
    else { return nil }
    return normalized(local: String(decoding: bytes[..<at], as: UTF8.self), domain: String(decoding: domain, as: UTF8.self))
  }

  /// Providers that ignore dots in the local part and everything after `+`
  /// (Gmail, whose `googlemail.com` is the same mailbox).
  static let dotAndTagBlindDomains: [String: String] = ["gmail.com": "gmail.com", "googlemail.com": "gmail.com"]
  /// Providers that deliver `name+tag@` to `name@` but keep dots.
  static let tagBlindDomains: Set<String> = [
    "outlook.com", "hotmail.com", "live.com", "icloud.com", "me.com", "fastmail.com", "proton.me", "protonmail.com",
  ]

  private static func normalized(local: String, domain: String) -> String? {
    if let mailbox = dotAndTagBlindDomains[domain] {
      let base = local.split(separator: "+", maxSplits: 1, omittingEmptySubsequences: false)[0].replacingOccurrences(of: ".", with: "")
      return base.isEmpty ? nil : "\(base)@\(mailbox)"
    }
    if tagBlindDomains.contains(domain) {
      let base = local.split(separator: "+", maxSplits: 1, omittingEmptySubsequences: false)[0]
      return base.isEmpty ? nil : "\(base)@\(domain)"
    }
    return "\(local)@\(domain)"
  }
}

extension String {
  /// The string without leading and trailing white space and newlines.
  public func trimmingWhitespace() -> String {
    // Text that starts and ends with a visible ASCII character has nothing to
    // trim (no white space joins the character cluster of such a byte).
    let isVisibleASCII = { (byte: UInt8) in byte > 0x20 && byte < 0x7F }
    if let first = utf8.first, let last = utf8.last, isVisibleASCII(first), isVisibleASCII(last) { return self }
    var view = Substring(self)
    while let first = view.first, first.isWhitespace { view.removeFirst() }
    while let last = view.last, last.isWhitespace { view.removeLast() }
    return String(view)
  }
}
