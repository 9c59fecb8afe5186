import Crypto
import Foundation
import GroundswellModel

/// A random key that one deployment's service keeps in its data directory
/// and never shares: it keys the hashes that must not be reversible by
/// guessing (an endorser's email, a retried request's fingerprint). Made on
/// first start; back it up with the database it belongs to — without it,
/// stored hashes can no longer be matched.
public struct DeploymentSecret: Sendable {
  /// HMAC-SHA256 (RFC 2104) with the key's pads already hashed: each tag
  /// copies the two SHA-256 states instead of hashing the pads again. Built
  /// on `SHA256` itself because swift-crypto's generic `HMAC` runs
  /// unspecialized, with type metadata looked up, for every tag — two to
  /// four for every signature (docs/performance.md).
  private let inner: SHA256
  private let outer: SHA256

  /// The file name in the data directory.
  public static let fileName = "deployment.secret"

  public init(key: SymmetricKey) {
    // A key longer than SHA-256's 64-byte block is hashed first; a shorter
    // one is padded with zeros to the block.
    var block = key.withUnsafeBytes { $0.count > 64 ? Array(SHA256.hash(data: $0)) : Array($0) }
    block += repeatElement(0, count: 64 - block.count)
    var inner = SHA256()
    inner.absorb(block.map { $0 ^ 0x36 })
    var outer = SHA256()
    outer.absorb(block.map { $0 ^ 0x5c })
    self.inner = inner
    self.outer = outer
  }

  /// Reads the secret from `directory`, making it (32 random bytes, owner
  /// read/write only) when there is none.
  public static func load(directory: String) throws -> DeploymentSecret {
    let path = (directory as NSString).appendingPathComponent(fileName)
    let manager = FileManager.default
    if manager.fileExists(atPath: path) {
      // Never replaced: a secret that cannot be read stops the service.
      guard let data = manager.contents(atPath: path) else {
        throw StartupError("\(path) exists but cannot be read by this user: fix its owner or mode (it should be 0600)")
      }
      guard data.count == 32 else {
        throw StartupError("\(path) must hold 32 bytes, it holds \(data.count): restore it from the backup of this data directory")
      }
      return DeploymentSecret(key: SymmetricKey(data: data))
    }
    try? manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let key = SymmetricKey(size: .bits256)
    let data = key.withUnsafeBytes { Data($0) }
    guard manager.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600]) else {
      throw StartupError("cannot write \(path): check that this user may write the data directory")
    }
    return DeploymentSecret(key: key)
  }

  /// HMAC-SHA256 of `data`.
  public func tag(_ data: some ContiguousBytes) -> Data {
    var hasher = inner
    hasher.absorb(data)
    return finish(hasher)
  }

  /// HMAC-SHA256 of `prefix` and `text`, one after the other, as UTF-8:
  /// the tag of their concatenation, without making it.
  public func tag(text: String, after prefix: StaticString = "") -> Data {
    var hasher = inner
    hasher.absorb(prefix)
    hasher.absorb(text)
    return finish(hasher)
  }

  private func finish(_ innerHasher: SHA256) -> Data {
    var hasher = outer
    hasher.absorb(innerHasher.finalize())
    return hasher.finalizedData()
  }

  /// HMAC-SHA256 of `text`, in lower-case hex.
  public func hexTag(_ text: String) -> String {
    Hex.lowercase(tag(text: text))
  }
}
