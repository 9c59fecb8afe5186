/// Email addresses as Groundswell identifies people by them.
public enum Email {
  /// The canonical form of an address: surrounding white space removed and
  /// lower-cased, so that `" Ana@Example.ORG "` and `ana@example.org` are one
  /// person; for mail providers that deliver `first.last+news@` to
  /// `firstlast@`, the parts they ignore are dropped too. Returns nil when the
  /// text is not a plausible address.
  public static func canonical(_ raw: String) -> String? {
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
    var view = Substring(self)
    while let first = view.first, first.isWhitespace { view.removeFirst() }
    while let last = view.last, last.isWhitespace { view.removeLast() }
    return String(view)
  }
}
