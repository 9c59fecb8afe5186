import Foundation

/// A petition whose signatures were made anonymous: the change for the
/// feeds (each counted signer leaves, their token joins; the count stays)
/// and how many were made anonymous, counted or not.
public struct AnonymizedPetition: Sendable, Equatable {
  public var change: PetitionChange
  public var anonymizedCount: Int
}

/// A supporter's signature with what an export shows of its petition.
public struct SignatureOfSupporterRecord: Sendable, Equatable {
  public var signature: SignatureRecord
  public var petitionTitle: String
  public var petitionOrganization: String
}

extension SignatureRecord {
  /// What an anonymous signature holds where the supporter was: the prefix
  /// and a random id that leads nowhere.
  public static let anonymousPrefix = "anonymous/"

  /// The signature no longer says who signed it.
  public var isAnonymous: Bool { supporter.hasPrefix(Self.anonymousPrefix) }
}

/// How long signatures and retry answers are kept.
public struct RetentionPolicy: Sendable, Equatable {
  /// Signatures on a petition closed longer than this become anonymous.
  public var signatures: Duration
  /// A stored retry answer is forgotten after this; a retry after it signs
  /// again (and finds the signature already there).
  public var retryAnswers: Duration

  public init(signatures: Duration = .seconds(180 * 86_400), retryAnswers: Duration = .seconds(86_400)) {
    self.signatures = signatures
    self.retryAnswers = retryAnswers
  }

  public static let standard = RetentionPolicy()
}

/// A signature's wait for verification: the token's hash and its expiry.
public struct PendingVerification: Sendable, Equatable {
  public var tokenHash: Data
  public var expireTime: Date

  public init(tokenHash: Data, expireTime: Date) {
    self.tokenHash = tokenHash
    self.expireTime = expireTime
  }
}

/// What verifying a token did.
public enum VerifyResult: Sendable, Equatable {
  /// No signature of this petition waits for this token.
  case notFound
  /// The token expired; the signer signs again for a new one.
  case expired
  /// Counted now, or (`already`) before.
  case verified(SignOutcome, already: Bool)
}

/// What the fraud marks know of a signer: keyed hashes only.
public struct SignerMarks: Sendable, Equatable {
  public var ipHash: Data?
  public var domainHash: Data
  public var addressHash: Data
  public var rules: FraudRules
}

/// The deployment's limits, per petition within an hour, past which a
/// signature is accepted but marked suspect.
public struct FraudRules: Sendable, Equatable {
  public var perIPPerHour: Int
  public var perDomainPerHour: Int

  public init(perIPPerHour: Int = 20, perDomainPerHour: Int = 1_000) {
    self.perIPPerHour = perIPPerHour
    self.perDomainPerHour = perDomainPerHour
  }
}

/// One entry of the block list (the proto has no enum for it: it is only
/// ever stored).
public struct BlockedSigner: Sendable, Equatable {
  public enum Kind: Int, Sendable { case domain = 1, address = 2 }
  public var kind: Kind
  public var valueHash: Data
}

/// Which signatures an invalidation removes; nil parts match everything.
public struct InvalidationConditionRecord: Sendable, Equatable {
  public var petitionID: String?
  public var domainHash: Data?
  public var ipHash: Data?
  public var start: Date?
  public var end: Date?

  public init(petitionID: String? = nil, domainHash: Data? = nil, ipHash: Data? = nil, start: Date? = nil, end: Date? = nil) {
    self.petitionID = petitionID
    self.domainHash = domainHash
    self.ipHash = ipHash
    self.start = start
    self.end = end
  }

  public var isEmpty: Bool { petitionID == nil && domainHash == nil && ipHash == nil && start == nil && end == nil }
}

/// An invalidation job.
public struct InvalidationRecord: Sendable, Equatable {
  public enum State: Int, Sendable { case running = 1, done = 2, cancelled = 3 }
  public var id: String
  public var state: State
  public var invalidated: Int64
  public var createTime: Date
  public var updateTime: Date
}

/// What a ledger entry records (the proto enum's numbers).
public enum LedgerEntryKind: Int, Sendable {
  case signature = 1
  case tombstone = 2
}

/// One entry of a petition's signature ledger.
public struct LedgerEntryRecord: Sendable, Equatable {
  public var position: Int64
  public var kind: LedgerEntryKind
  public var signatureID: String
  public var timeMillis: Int64
  /// Empty for a tombstone.
  public var signerHash: Data
  public var commitment: Data
  public var head: Data
}

/// The head of a petition's ledger.
public struct LedgerHead: Sendable, Equatable {
  public var head: Data
  public var entryCount: Int64
  /// Signature entries less tombstones.
  public var counted: Int64
}
