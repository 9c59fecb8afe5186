/// An organization's own identifier for a person, `system:id` (OSDI's
/// `identifiers`, such as `acme_crm:12345`): `system` is 1 to 32 lower-case
/// letters, digits, `_`, `-` or `.` starting with a letter; `id` is 1 to 128
/// printable ASCII characters without spaces. Compared exactly.
public enum PartnerIdentifier {
  public static let maximumSystem = 32
  public static let maximumID = 128
  /// The longest identifier, in bytes (all ASCII).
  public static let maximumBytes = maximumSystem + 1 + maximumID
  /// Identifiers one signer may carry.
  public static let perSigner = 5
  /// Identifiers one call may attach or detach, and one supporter may hold
  /// in one organization.
  public static let perSupporter = 20

  /// What is wrong with `value`, in a sentence; nil when it is an identifier.
  public static func problem(_ value: String) -> String? {
    let bytes = Array(value.utf8)
    guard bytes.count <= maximumBytes else {
      return "must be at most \(maximumBytes) bytes; it has \(bytes.count)."
    }
    guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else {
      return "must be `system:id`, such as `acme_crm:12345`; got `\(Echo.prefix(value))`."
    }
    let system = bytes[..<colon]
    let id = bytes[(colon + 1)...]
    guard (1...maximumSystem).contains(system.count), let first = system.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first),
      system.allSatisfy(isSystemByte)
    else {
      return "must start with a system name of 1 to \(maximumSystem) lower-case letters, digits, `_`, `-` or `.`, beginning with a letter; got `\(Echo.prefix(value))`."
    }
    guard (1...maximumID).contains(id.count), id.allSatisfy({ (0x21...0x7E).contains($0) }) else {
      return "must have an id of 1 to \(maximumID) printable ASCII characters without spaces after the `:`; got `\(Echo.prefix(value))`."
    }
    return nil
  }

  static func isSystemByte(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"),
      UInt8(ascii: "."):
      true
    default: false
    }
  }
}

extension Validator {
  /// Checks a list of identifiers (counted before each is read); `required`
  /// asks for at least one. Returns them without repeats, in order.
  @discardableResult
  public mutating func identifiers(_ field: String, _ values: [String], maximum: Int, required: Bool = false) -> [String] {
    if values.count > maximum {
      add(field, "\(field) holds \(values.count) identifiers; at most \(maximum).")
      return []
    }
    if required && values.isEmpty {
      add(field, "\(field) needs at least one identifier, as `system:id`.")
    }
    var seen = Set<String>()
    var kept: [String] = []
    for (index, value) in values.enumerated() {
      if let problem = PartnerIdentifier.problem(value) {
        add("\(field)[\(index)]", "\(field)[\(index)] \(problem)")
      } else if seen.insert(value).inserted {
        kept.append(value)
      }
    }
    return kept
  }
}
