import Crypto
import Foundation
import GroundswellModel

/// The hash chain of a petition's signature ledger, as `LedgerEntry` in
/// `petition_service.proto` defines it: what petition-service appends and
/// `groundswell verify-ledger` recomputes. Changing anything here breaks
/// every stored chain.
public enum LedgerChain {
  /// The head of an empty chain.
  public static let emptyHead = Data(repeating: 0, count: 32)

  /// SHA-256 of the salt and the supporter: leads to no one once the salt
  /// is gone.
  public static func signerHash(salt: Data, supporter: String) -> Data {
    var hasher = SHA256()
    hasher.absorb(salt)
    hasher.absorb(supporter)
    return hasher.finalizedData()
  }

  /// The commitment of a counted signature.
  public static func signatureCommitment(signature: String, timeMillis: Int64, signerHash: Data) -> Data {
    var hasher = SHA256()
    hasher.absorb("groundswell-ledger-v1 signature\n\(signature)\n\(timeMillis)\n\(Hex.lowercase(signerHash))")
    return hasher.finalizedData()
  }

  /// The commitment of a withdrawal.
  public static func tombstoneCommitment(signature: String, timeMillis: Int64) -> Data {
    var hasher = SHA256()
    hasher.absorb("groundswell-ledger-v1 tombstone\n\(signature)\n\(timeMillis)")
    return hasher.finalizedData()
  }

  /// The head after appending `commitment` to a chain whose head is `head`.
  public static func next(head: Data, commitment: Data) -> Data {
    var hasher = SHA256()
    hasher.absorb(head)
    hasher.absorb(commitment)
    return hasher.finalizedData()
  }

  /// A random per-signature salt.
  public static func newSalt() -> Data {
    SymmetricKey(size: .bits128).withUnsafeBytes { Data($0) }
  }
}
