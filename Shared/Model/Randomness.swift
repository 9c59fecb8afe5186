#if canImport(Glibc)
import Glibc
#endif

/// Bytes from the system's cryptographic generator.
enum Randomness {
  /// Fills `buffer`: one call into the C library on Linux (glibc's
  /// arc4random_buf, getrandom underneath), the standard generator a word
  /// at a time elsewhere.
  static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
    guard let base = buffer.baseAddress else { return }
    #if canImport(Glibc)
    arc4random_buf(base, buffer.count)
    #else
    var generator = SystemRandomNumberGenerator()
    for index in buffer.indices { buffer[index] = UInt8(truncatingIfNeeded: generator.next() as UInt64) }
    #endif
  }
}
