/// Collects every bad field of a request so that one answer names them all.
public struct Validator: Sendable {
  public private(set) var violations: [FieldViolation] = []

  public init() {}

  public mutating func add(_ field: String, _ description: String) {
    violations.append(FieldViolation(field: field, description: description))
  }

  /// Checks a text field's length in characters; `minimum` 1 makes it required.
  public mutating func text(_ field: String, _ value: String, minimum: Int = 0, maximum: Int) {
    let count = value.count
    if minimum > 0 && value.allSatisfy(\.isWhitespace) {
      add(field, "\(field) is required.")
    } else if count < minimum {
      add(field, "\(field) must be at least \(minimum) characters.")
    } else if count > maximum {
      add(field, "\(field) must be at most \(maximum) characters; it has \(count).")
    }
  }

  /// Checks a resource name such as `petitions/abc`; returns its id when valid.
  @discardableResult
  public mutating func name(_ field: String, _ value: String, collection: String) -> String? {
    if value.isEmpty {
      add(field, "\(field) is required, as `\(collection)/{id}`.")
      return nil
    }
    guard let id = ResourceName.id(of: value, in: collection) else {
      add(field, "\(field) must look like `\(collection)/{id}`; got `\(value.prefix(80))`.")
      return nil
    }
    return id
  }

  /// Throws `DomainError.invalidArgument` when any field was bad.
  public func check() throws(DomainError) {
    if !violations.isEmpty { throw .invalidArgument(violations) }
  }
}
