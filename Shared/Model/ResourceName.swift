/// Resource names (AIP-122) and the ids inside them.
public enum ResourceName {
  /// The id of `collection/{id}`, or nil when `name` is not in that shape.
  public static func id(of name: String, in collection: String) -> String? {
    let prefix = collection + "/"
    guard name.hasPrefix(prefix) else { return nil }
    let id = String(name.dropFirst(prefix.count))
    return isValidID(id) ? id : nil
  }

  /// Whether `id` is 3 to 63 lower-case letters, digits and hyphens starting
  /// with a letter (AIP-122), the rule for ids a caller chooses.
  public static func isValidID(_ id: String) -> Bool {
    guard (3...63).contains(id.utf8.count), let first = id.utf8.first, isLetter(first) else { return false }
    return id.utf8.allSatisfy { isLetter($0) || ($0 >= 48 && $0 <= 57) || $0 == 45 }
  }

  /// The characters of ids Groundswell makes (lower-case base32), made once.
  public static let idAlphabet = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)

  /// A new random id: a letter and 15 characters of lower-case base32, about
  /// 80 bits of randomness, so ids cannot be guessed or enumerated.
  public static func newID() -> String {
    let alphabet = idAlphabet
    // One getrandom call for all 128 bits, not one per character: ids are
    // made on every signature.
    var bits = (UInt64(0), UInt64(0))
    withUnsafeMutableBytes(of: &bits) { Randomness.fill($0) }
    // The letter from 49 bits (a bias below 2^-44), then 15 × 5 bits.
    var bytes: [UInt8] = [alphabet[Int((bits.1 >> 15) % 26)]]
    bytes.reserveCapacity(16)
    for index in 0..<15 {
      let value = index < 12 ? bits.0 & 31 : bits.1 & 31
      if index < 12 { bits.0 >>= 5 } else { bits.1 >>= 5 }
      bytes.append(alphabet[Int(value)])
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  private static func isLetter(_ byte: UInt8) -> Bool { byte >= 97 && byte <= 122 }
}
