/// Email addresses as Groundswell identifies people by them.
public enum Email {
  /// The canonical form of an address: surrounding white space removed and
  /// lower-cased, so that `" Ana@Example.ORG "` and `ana@example.org` are one
  /// person. Returns nil when the text is not a plausible address.
  public static func canonical(_ raw: String) -> String? {
    let trimmed = raw.trimmingWhitespace().lowercased()
    guard !trimmed.isEmpty, trimmed.utf8.count <= Limits.email else { return nil }
    let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
    guard parts.count == 2, let local = parts.first, let domain = parts.last,
      !local.isEmpty, local.utf8.count <= 64,
      domain.contains("."), !domain.hasPrefix("."), !domain.hasSuffix("."), !domain.contains(".."),
      !trimmed.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" || $0 == "," })
    else { return nil }
    return trimmed
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
