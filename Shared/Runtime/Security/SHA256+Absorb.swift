import Crypto
import Foundation

extension SHA256 {
  /// Hashes `bytes` where they lie. swift-crypto's `update(data:)` and
  /// `hash(data:)` take any `DataProtocol` and run unspecialized, looking up
  /// type metadata on every call; this calls the concrete
  /// `update(bufferPointer:)`.
  public mutating func absorb(_ bytes: some ContiguousBytes) {
    bytes.withUnsafeBytes { update(bufferPointer: $0) }
  }

  /// Hashes `text`'s UTF-8 bytes where they lie.
  public mutating func absorb(_ text: String) {
    var text = text
    text.withUTF8 { update(bufferPointer: UnsafeRawBufferPointer($0)) }
  }

  /// Hashes a literal's UTF-8 bytes where they lie.
  public mutating func absorb(_ text: StaticString) {
    text.withUTF8Buffer { update(bufferPointer: UnsafeRawBufferPointer($0)) }
  }

  /// The digest of `self`, as `Data`.
  public func finalizedData() -> Data {
    finalize().withUnsafeBytes { Data($0) }
  }
}
