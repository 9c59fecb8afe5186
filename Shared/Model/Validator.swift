/// Collects the bad fields of a request so that one answer names them. An
/// answer lists at most `maximumListed` of them and counts the rest, so that
/// a request with thousands of bad elements gets a small error (its trailers
/// must fit every HTTP/2 peer's header limit).
public struct Validator: Sendable {
  /// The most violations one error lists.
  public static let maximumListed = 20

  public private(set) var violations: [FieldViolation] = []
  /// Violations found beyond `maximumListed`, counted but not listed.
  public private(set) var unlisted = 0

  public init() {}

  public mutating func add(_ field: String, _ description: String) {
    guard violations.count < Self.maximumListed else {
      unlisted += 1
      return
    }
    violations.append(FieldViolation(field: field, description: description))
  }

  /// Checks a text field: its length in characters and in UTF-8 bytes (at
  /// most `Limits.bytesPerCharacter` per character allowed, so combining
  /// marks cannot make a short text huge), and that it holds no control
  /// characters but newline, carriage return and tab. `minimum` 1 makes it
  /// required.
  public mutating func text(_ field: String, _ value: String, minimum: Int = 0, maximum: Int) {
    let bytes = value.utf8.count
    let maximumBytes = maximum * Limits.bytesPerCharacter
    // Bytes first: counting the characters of a huge string costs time.
    if bytes > maximumBytes {
      add(field, "\(field) must be at most \(maximum) characters and \(maximumBytes) bytes of UTF-8; it has \(bytes) bytes.")
      return
    }
    if let scalar = value.unicodeScalars.first(where: Self.isRefusedControl) {
      add(
        field,
        "\(field) must not hold control characters (only newline, carriage return and tab are allowed); it holds U+\(String(scalar.value, radix: 16, uppercase: true)).")
      return
    }
    let count = value.count
    if minimum > 0 && value.allSatisfy(\.isWhitespace) {
      add(field, "\(field) is required.")
    } else if count < minimum {
      add(field, "\(field) must be at least \(minimum) characters.")
    } else if count > maximum {
      add(field, "\(field) must be at most \(maximum) characters; it has \(count).")
    }
  }

  /// Control characters but tab, newline and carriage return.
  static func isRefusedControl(_ scalar: Unicode.Scalar) -> Bool {
    scalar.isControlCharacter && !["\t", "\n", "\r"].contains(scalar)
  }

  /// Checks a resource name such as `petitions/abc`; returns its id when valid.
  @discardableResult
  public mutating func name(_ field: String, _ value: String, collection: String) -> String? {
    if value.isEmpty {
      add(field, "\(field) is required, as `\(collection)/{id}`.")
      return nil
    }
    guard let id = ResourceName.id(of: value, in: collection) else {
      add(field, "\(field) must look like `\(collection)/{id}`; got `\(Echo.prefix(value))`.")
      return nil
    }
    return id
  }

  /// Throws `DomainError.invalidArgument` when any field was bad; past
  /// `maximumListed`, one last entry says how many more there are.
  public func check() throws(DomainError) {
    guard !violations.isEmpty else { return }
    var listed = violations
    if unlisted > 0 {
      listed.append(FieldViolation(field: "request", description: "\(unlisted) more invalid fields are not listed; fix these and send again."))
    }
    throw .invalidArgument(listed)
  }

  /// Whether no violation has been found so far.
  public var isValid: Bool { violations.isEmpty }
}
