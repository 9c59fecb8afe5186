/// Lower-case hexadecimal text, two digits per byte — what `%02x` per byte
/// gives, without formatting each byte through Foundation (this runs on
/// every call: API key hashes, ledger commitments).
public enum Hex {
  public static func lowercase<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
    let digits: StaticString = "0123456789abcdef"
    var text: [UInt8] = []
    text.reserveCapacity(bytes.underestimatedCount * 2)
    digits.withUTF8Buffer { digits in
      for byte in bytes {
        text.append(digits[Int(byte >> 4)])
        text.append(digits[Int(byte & 0x0f)])
      }
    }
    return String(decoding: text, as: UTF8.self)
  }
}
