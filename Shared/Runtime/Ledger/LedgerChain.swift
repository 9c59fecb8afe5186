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
    Data(SHA256.hash(data: salt + Data(supporter.utf8)))
  }

  /// The commitment of a counted signature.
  public static func signatureCommitment(signature: String, timeMillis: Int64, signerHash: Data) -> Data {
    let hex = Hex.lowercase(signerHash)
    return Data(SHA256.hash(data: Data("groundswell-ledger-v1 signature\n\(signature)\n\(timeMillis)\n\(hex)".utf8)))
  }

  /// The commitment of a withdrawal.
  public static func tombstoneCommitment(signature: String, timeMillis: Int64) -> Data {
    Data(SHA256.hash(data: Data("groundswell-ledger-v1 tombstone\n\(signature)\n\(timeMillis)".utf8)))
  }

  /// The head after appending `commitment` to a chain whose head is `head`.
  public static func next(head: Data, commitment: Data) -> Data {
    Data(SHA256.hash(data: head + commitment))
  }

  /// A random per-signature salt.
  public static func newSalt() -> Data {
    SymmetricKey(size: .bits128).withUnsafeBytes { Data($0) }
  }
}
