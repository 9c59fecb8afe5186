import Crypto

/// A supporter's name packed into 16 bytes for the live view's sets. Names
/// Groundswell makes (`supporters/` and up to 24 characters of lower-case
/// base32) map one-to-one, so unique-supporter counts are exact; any other
/// form is hashed to 120 bits (a collision is astronomically unlikely).
enum SupporterKey {
  private static let prefix = "supporters/".utf8

  static func of(_ name: String) -> UInt128 {
    var utf8 = name.utf8[...]
    if utf8.starts(with: prefix) { utf8 = utf8.dropFirst(prefix.count) }
    if utf8.count <= 24 {
      var value: UInt128 = 0
      var exact = true
      for byte in utf8 {
        let digit: UInt8
        switch byte {
        case 97...122: digit = byte - 97
        case 50...55: digit = byte - 50 + 26
        default: digit = 255
        }
        guard digit != 255 else {
          exact = false
          break
        }
        value = value << 5 | UInt128(digit)
      }
      if exact { return UInt128(utf8.count) << 120 | value }
    }
    let digest = Array(SHA256.hash(data: Array(name.utf8)))
    var value: UInt128 = 0xFF
    for byte in digest.prefix(15) { value = value << 8 | UInt128(byte) }
    return value
  }
}
