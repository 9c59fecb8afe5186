/// Checks for the kinds of field that recur across the API.
extension Validator {
  /// An empty value or an absolute http(s) URL of bounded length.
  public mutating func uri(_ field: String, _ value: String) {
    guard !value.isEmpty else { return }
    if value.utf8.count > Limits.uri {
      add(field, "\(field) must be at most \(Limits.uri) bytes.")
      return
    }
    let lower = value.lowercased()
    let rest = lower.hasPrefix("https://") ? lower.dropFirst(8) : lower.hasPrefix("http://") ? lower.dropFirst(7) : nil
    guard let rest, let host = rest.split(separator: "/", maxSplits: 1).first, !host.isEmpty,
      !value.contains(where: { $0.isWhitespace })
    else {
      add(field, "\(field) must be an absolute https:// or http:// URL.")
      return
    }
  }

  /// Tags: at most `Limits.tags`, each 1 to `Limits.tag` lower-case letters,
  /// digits and hyphens, no repeats. Returns them as given.
  public mutating func tags(_ field: String, _ values: [String]) {
    if values.count > Limits.tags {
      add(field, "\(field) may hold at most \(Limits.tags) tags; it holds \(values.count).")
      return
    }
    for (index, tag) in values.enumerated() where !Self.isTag(tag) {
      add("\(field)[\(index)]", "\(field)[\(index)] must be 1 to \(Limits.tag) lower-case letters, digits and hyphens; got `\(Echo.prefix(tag))`.")
    }
    if Set(values).count != values.count { add(field, "\(field) must not repeat a tag.") }
  }

  /// A jurisdiction: an ISO 3166-2 code such as `US-CT`, or a country.
  public mutating func jurisdiction(_ field: String, _ value: String, required: Bool = true) {
    if value.isEmpty {
      if required { add(field, "\(field) is required, as an ISO 3166-2 code such as `US-CT` (or a country such as `US`).") }
    } else if !Region.isJurisdictionCode(value) {
      add(field, "\(field) must be an ISO 3166-2 code such as `US-CT` (or a country such as `US`); got `\(Echo.prefix(value))`.")
    }
  }

  /// A caller's retry key: empty, or 1 to `Limits.requestID` letters, digits,
  /// hyphens and underscores (a UUID fits).
  public mutating func requestID(_ field: String, _ value: String) {
    guard !value.isEmpty else { return }
    let allowed = value.utf8.allSatisfy { byte in
      (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || byte == 45 || byte == 95
    }
    if value.utf8.count > Limits.requestID || !allowed {
      add(field, "\(field) must be at most \(Limits.requestID) letters, digits, `-` and `_` (a UUID fits).")
    }
  }

  /// A list length. Returns false when the list is too long, so that the
  /// caller skips checking its elements one by one.
  @discardableResult
  public mutating func count<T>(_ field: String, _ values: [T], maximum: Int) -> Bool {
    guard values.count > maximum else { return true }
    add(field, "\(field) may hold at most \(maximum) entries; it holds \(values.count).")
    return false
  }

  static func isTag(_ tag: String) -> Bool {
    (1...Limits.tag).contains(tag.utf8.count)
      && tag.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }
  }
}

extension Validator {
  /// A batch of resource names in one collection: at most `Limits.batchSize`,
  /// each well formed. Returns the ids of the valid ones.
  @discardableResult
  public mutating func names(_ field: String, _ values: [String], collection: String) -> [String] {
    if values.count > Limits.batchSize {
      add(field, "\(field) may name at most \(Limits.batchSize) \(collection); it names \(values.count).")
      return []
    }
    return values.enumerated().compactMap { index, value in name("\(field)[\(index)]", value, collection: collection) }
  }
}
