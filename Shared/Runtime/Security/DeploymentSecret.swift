import Crypto
import Foundation
import GroundswellModel

/// A random key that one deployment's service keeps in its data directory
/// and never shares: it keys the hashes that must not be reversible by
/// guessing (an endorser's email, a retried request's fingerprint). Made on
/// first start; back it up with the database it belongs to — without it,
/// stored hashes can no longer be matched.
public struct DeploymentSecret: Sendable {
  /// An HMAC already keyed: each tag copies it (the key's pads are hashed
  /// once, not for every signature).
  private let keyed: HMAC<SHA256>

  /// The file name in the data directory.
  public static let fileName = "deployment.secret"

  public init(key: SymmetricKey) {
    keyed = HMAC<SHA256>(key: key)
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
  public func tag(_ data: some DataProtocol) -> Data {
    var hmac = keyed
    hmac.update(data: data)
    return Data(hmac.finalize())
  }

  /// HMAC-SHA256 of `text`'s UTF-8 bytes, hashed where they lie (no copy
  /// into a `Data` first: fraud marks make two for every signature).
  public func tag(text: String) -> Data {
    var text = text
    return text.withUTF8 { tag(UnsafeRawBufferPointer($0)) }
  }

  /// HMAC-SHA256 of `text`, in lower-case hex.
  public func hexTag(_ text: String) -> String {
    Hex.lowercase(tag(text: text))
  }
}
