/// Lower-case hexadecimal text, two digits per byte — what `%02x` per byte
/// gives, without formatting each byte through Foundation (this runs on
/// every call: API key hashes, ledger commitments).
public enum Hex {
  public static func lowercase(_ bytes: some Sequence<UInt8>) -> String {
    // `Data` and arrays lend their storage: no iterator per byte, and the
    // text is written in place.
    bytes.withContiguousStorageIfAvailable(encode) ?? Array(bytes).withUnsafeBufferPointer(encode)
  }

  private static func encode(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
    let digits: StaticString = "0123456789abcdef"
    return digits.withUTF8Buffer { digits in
      String(unsafeUninitializedCapacity: bytes.count * 2) { text in
        for (index, byte) in bytes.enumerated() {
          text[2 * index] = digits[Int(byte >> 4)]
          text[2 * index + 1] = digits[Int(byte & 0x0f)]
        }
        return bytes.count * 2
      }
    }
  }
}
