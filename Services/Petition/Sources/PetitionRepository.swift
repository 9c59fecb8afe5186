import Foundation
import GroundswellModel

/// The lifecycle states of a petition, as stored (the proto enum's numbers).
public enum PetitionState: Int, Sendable, CaseIterable {
  case draft = 1
  case open = 2
  case closed = 3
  case victory = 4
  case withdrawn = 5
  case removed = 6

  var label: String {
    switch self {
    case .draft: "DRAFT"
    case .open: "OPEN"
    case .closed: "CLOSED"
    case .victory: "VICTORY"
    case .withdrawn: "WITHDRAWN"
    case .removed: "REMOVED"
    }
  }
}

/// A petition's counter, with what decides who may read it.
public struct PetitionCount: Sendable, Equatable {
  public var count: Int64
  public var updateTime: Date
  public var organization: String
  public var state: PetitionState
}

/// A decision maker a petition addresses.
public struct TargetRecord: Sendable, Equatable, Codable {
  public var displayName: String
  public var office: String
  public var jurisdiction: String
  public var contact: String
}

/// A signature threshold of a petition and when it was reached.
public struct MilestoneRecord: Sendable, Equatable {
  public var threshold: Int64
  public var label: String
  public var reachTime: Date?
}

/// A petition as stored, with its counter and milestones.
public struct PetitionRecord: Sendable, Equatable {
  public var id: String
  public var organization: String
  public var title: String
  public var summary: String
  public var body: String
  public var letter: String = ""
  public var tags: [String] = []
  public var imageURI: String = ""
  public var deadline: Date?
  public var targets: [TargetRecord] = []
  public var milestones: [MilestoneRecord] = []
  public var state: PetitionState
  public var signatureCount: Int64
  public var createTime: Date
  public var updateTime: Date
  public var publishTime: Date?
  public var victoryNote: String = ""
  public var victoryTime: Date?
  public var removalReason: String = ""
  public var removeTime: Date?
  /// The insertion order, used for keyset pagination.
  public var sequence: Int64
  /// Signatures count only once verified (double opt-in).
  public var requireVerification = false
  /// Signatures waiting for verification.
  public var pendingCount: Int64 = 0
  /// Signatures marked suspect, not counted.
  public var suspectCount: Int64 = 0
  /// Counted signatures that were collected offline and imported.
  public var offlineCount: Int64 = 0

  /// The state as callers see it: an OPEN petition past its deadline is
  /// CLOSED.
  public func state(at now: Date) -> PetitionState {
    state.seen(deadline: deadline, at: now)
  }
}

extension PetitionState {
  /// The state as callers see it at `now`: an OPEN petition past its
  /// deadline is CLOSED.
  public func seen(deadline: Date?, at now: Date) -> PetitionState {
    if self == .open, let deadline, deadline <= now { return .closed }
    return self
  }
}

/// The little of a petition the sign path needs: who owns it, whether it
/// can be signed, whether signatures wait for verification.
public struct SignablePetition: Sendable, Equatable {
  public var id: String
  public var organization: String
  public var state: PetitionState
  public var deadline: Date?
  public var requireVerification: Bool

  /// As `PetitionRecord.state(at:)`.
  public func state(at now: Date) -> PetitionState {
    state.seen(deadline: deadline, at: now)
  }
}

/// A dated update posted on a petition.
public struct PetitionUpdateRecord: Sendable, Equatable {
  public var id: String
  public var petitionID: String
  public var title: String
  public var body: String
  public var createTime: Date
  public var sequence: Int64
}

/// A signature as stored.
public struct SignatureRecord: Sendable, Equatable {
  public var id: String
  public var petitionID: String
  public var supporter: String
  public var createTime: Date
  public var comment: String = ""
  public var showName: Bool = false
  public var source: String = ""
  public var country: String = ""
  public var subdivision: String = ""
  /// Given name and family initial; empty unless the signer allowed it.
  public var publicName: String = ""
  public var collectedBy: String = ""
  public var sequence: Int64 = 0
  /// Waiting for its signer's verification: counts nowhere yet.
  public var pending = false
  /// Marked suspect: counts nowhere unless an operator releases it.
  public var suspect = false
  /// Collected offline and imported; `createTime` is when the person signed.
  public var offline = false
}

extension SignatureRecord {
  /// A signature with no details (the memberwise initializer stays internal).
  public init(id: String, petitionID: String, supporter: String, createTime: Date) {
    self.init(id: id, petitionID: petitionID, supporter: supporter, createTime: createTime, comment: "")
  }
}

/// What signing did.
public struct SignOutcome: Sendable, Equatable {
  public var signature: SignatureRecord
  public var alreadySigned: Bool
  public var signatureCount: Int64
  public var updateTime: Date
  /// The petition's counter version after this change.
  public var version: Int64 = 0
  /// When the petition's newest signature was made.
  public var lastSignatureTime: Date?
  /// The minute the signature was made in (seconds since the epoch) and
  /// that minute's count after this change.
  public var minuteStart: Int64 = 0
  public var minuteCount: Int64 = 0
}

/// A petition's figures as the gateway's feed carries them in a snapshot.
public struct PetitionFiguresRecord: Sendable, Equatable {
  public var petitionID: String
  public var organization: String
  public var count: Int64
  public var version: Int64
  public var lastSignatureTime: Date?
  /// Every supporter who signed.
  public var supporters: [String]
  /// Minute start (seconds since the epoch) → signatures, for recent minutes.
  public var minutes: [Int64: Int64]
}


/// A caller's retry key for a sign request and the request it stands for.
public struct SignRequestKey: Sendable, Equatable {
  /// Who made the call: the organization, or `operator`.
  public var caller: String
  public var requestID: String
  /// A keyed hash of the request as serialized, to tell a retry from a
  /// different request without keeping the request.
  public var fingerprint: Data
}

/// The result of a sign call with a retry key.
public enum SignResult: Sendable {
  /// The signature was recorded now (or found, if the person had signed).
  case signed(SignOutcome)
  /// The same request was answered before; this is that answer.
  case replayed(Data)
}

/// What became of one imported signature.
public enum ImportedOutcome: Sendable, Equatable {
  /// Stored and counted.
  case signed(SignatureRecord)
  /// The person had signed before (or earlier in the same import): the
  /// first signature.
  case alreadySigned(SignatureRecord)
  /// Stored, marked suspect, counted nowhere.
  case held(SignatureRecord)
}

/// What an import did to a petition.
public struct ImportOutcome: Sendable {
  /// One per signature given, in order.
  public var items: [ImportedOutcome]
  public var signatureCount: Int64
  public var offlineCount: Int64
  /// For the feeds, when anything was counted.
  public var change: PetitionChange?
}

/// The filters and order of a petition listing.
public struct PetitionQuery: Sendable {
  public enum Order: Sendable { case newest, mostSignatures }
  public var organization: String?
  /// Drafts of this organization are listed too.
  public var viewer: String?
  public var state: PetitionState?
  public var tag: String?
  public var jurisdiction: String?
  public var titleContains: String?
  public var order: Order = .newest
  /// The position after which the page starts (a sequence for `newest`, an
  /// offset for `mostSignatures`); 0 for the first page.
  public var after: Int64 = 0
  public var limit: Int = 25
  public var now = Date()
}

/// Why a state change or a signature was refused.
public enum PetitionStoreError: Error, Equatable {
  case notFound
  case wrongState(current: PetitionState)
  case requestMismatch
}

/// The store of petitions, their updates, signatures and counters. Handlers
/// talk to this protocol, never to SQL.
public protocol PetitionRepository: Sendable {
  func create(_ petition: PetitionRecord) async throws -> PetitionRecord
  func petition(id: String) async throws -> PetitionRecord?
  /// What signing needs of a petition, in one small read.
  func signablePetition(id: String) async throws -> SignablePetition?
  /// A page of petitions and whether more follow.
  func petitions(_ query: PetitionQuery) async throws -> (petitions: [PetitionRecord], hasMore: Bool)
  /// Reads, changes and writes back one petition in one transaction; `change`
  /// may throw to refuse. Milestones keep their reach times; new ones at or
  /// below the count are reached now.
  func modify(id: String, now: Date, _ change: @Sendable (inout PetitionRecord) throws -> Void) async throws -> PetitionRecord
  func addUpdate(_ update: PetitionUpdateRecord) async throws -> PetitionUpdateRecord
  /// A page of a petition's updates, newest first.
  func updates(petitionID: String, before: Int64, limit: Int) async throws -> (updates: [PetitionUpdateRecord], hasMore: Bool)
  /// The first answer to a retried request, if there was one.
  func replay(caller: String, requestID: String) async throws -> (fingerprint: Data, answer: Data)?
  /// In one transaction: checks the petition is OPEN and before its
  /// deadline, inserts the signature unless this supporter signed already,
  /// bumps the counters once, marks milestones reached, and — with a key —
  /// stores `answer(outcome)` as the first answer (or returns the stored
  /// one, or throws `requestMismatch`).
  /// With `verification` (the petition requires it) a new signature waits,
  /// uncounted, for `verify`; a waiting one past its expiry is replaced.
  /// With `marks`, a new signature over the fraud limits or from a blocked
  /// signer is stored suspect, uncounted.
  func sign(
    _ signature: SignatureRecord, key: SignRequestKey?, verification: PendingVerification?, marks: SignerMarks?, now: Date,
    answer: @escaping @Sendable (SignOutcome) throws -> Data
  ) async throws -> SignResult
  /// Releases (counts) or confirms (deletes) every suspect signature of the
  /// petition; returns how many and the change to publish.
  func reviewSuspects(petitionID: String, release: Bool, now: Date) async throws -> (reviewed: Int, change: PetitionChange?)
  /// Adds and removes keyed hashes of blocked domains and addresses;
  /// returns how many are blocked.
  func updateBlockList(block: [BlockedSigner], unblock: [BlockedSigner]) async throws -> Int

  // MARK: invalidation jobs

  /// How many signatures match `condition` now.
  func matchingSignatures(_ condition: InvalidationConditionRecord) async throws -> Int
  /// Records a running job.
  func startInvalidation(_ condition: InvalidationConditionRecord, now: Date) async throws -> InvalidationRecord
  func invalidation(id: String) async throws -> InvalidationRecord?
  /// Cancels a running job; returns it as it then stands (nil when unknown).
  func cancelInvalidation(id: String, now: Date) async throws -> InvalidationRecord?
  /// The ids of the running jobs, oldest first.
  func runningInvalidations() async throws -> [String]
  /// In one transaction: removes up to `limit` matching signatures of a
  /// running job (each lowering the counts once), adds them to the job, and
  /// marks it done when none are left. Returns the changes to publish.
  func runInvalidationBatch(id: String, limit: Int, now: Date) async throws -> (job: InvalidationRecord?, changes: [PetitionChange])
  /// Counts the waiting signature whose token hashes to `tokenHash`, once.
  func verify(petitionID: String, tokenHash: Data, now: Date) async throws -> VerifyResult
  /// Gives a waiting signature a new token (the old one stops working);
  /// false when it no longer waits.
  func renewVerification(signatureID: String, _ verification: PendingVerification) async throws -> Bool
  /// Deletes waiting signatures that expired before `before`; returns how many.
  func purgeUnverified(expiredBefore before: Date) async throws -> Int
  /// Deletes the supporter's signature and lowers the counters once; clears
  /// milestones above the new count. Nil when there was no signature.
  func withdraw(petitionID: String, supporter: String, now: Date) async throws -> SignOutcome?

  /// Stores signatures collected offline on an OPEN petition in one durable
  /// transaction, each at most once per supporter (a repeat, also within
  /// `signatures`, is `alreadySigned`), counting each new one as signed and
  /// as offline; a blocked address or domain (`marks`, one per signature)
  /// holds it as suspect. Throws `wrongState` when the petition is not open.
  func importSignatures(_ signatures: [SignatureRecord], marks: [SignerMarks], now: Date) async throws -> ImportOutcome
  /// A page of a petition's signatures, newest first.
  func signatures(petitionID: String, before: Int64, limit: Int) async throws -> (signatures: [SignatureRecord], hasMore: Bool)
  /// A page of a supporter's signatures, newest first, optionally only on
  /// petitions of one organization.
  func signatures(supporter: String, organization: String?, before: Int64, limit: Int) async throws -> (signatures: [SignatureRecord], hasMore: Bool)
  /// Signature counts by (country, subdivision), most first.
  func regionCounts(petitionID: String) async throws -> [(region: Region, count: Int64)]
  /// The counters of these petitions, keyed by id; unknown ids are absent.
  func counts(ids: [String]) async throws -> [String: PetitionCount]
  /// How many petitions each organization published (not removed).
  func petitionsStarted(organizations: [String]) async throws -> [String: Int64]

  // MARK: feed and history

  /// The figures of up to `limit` petitions (removed ones left out) with
  /// ids after `after`, in id order, with their per-minute counts since
  /// `minutesSince` when given.
  func figures(after: String, limit: Int, minutesSince: Date?) async throws -> [PetitionFiguresRecord]
  /// Signatures per bucket (start in seconds since the epoch → count) over
  /// `petitionIDs`, for buckets starting in `start..<end`; empty buckets are
  /// left out.
  func history(petitionIDs: [String], size: HistoryBucketSize, start: Int64, end: Int64) async throws -> [Int64: Int64]
  /// Deletes buckets older than their retention; returns how many.
  func pruneHistory(now: Date) async throws -> Int

  // MARK: privacy

  /// Makes the supporter's signatures (on one organization's petitions, or
  /// all) anonymous in one transaction; the counts stay. Returns the
  /// petitions changed.
  func anonymize(supporter: String, organization: String?, now: Date) async throws -> [AnonymizedPetition]
  /// Makes up to `limit` signatures anonymous on petitions closed before
  /// `closedBefore` (or past a deadline before it).
  func anonymizeClosed(closedBefore: Date, limit: Int, now: Date) async throws -> [AnonymizedPetition]
  /// Deletes the retry answers stored before `before`; returns how many.
  func expireRetryAnswers(before: Date) async throws -> Int
  /// A page of the supporter's signatures with their petitions' titles,
  /// newest first.
  func signaturesOfSupporter(
    _ supporter: String, organization: String?, before: Int64, limit: Int
  ) async throws -> (signatures: [SignatureOfSupporterRecord], hasMore: Bool)
  /// Moves everything in the WAL into the database file and empties the WAL.
  func checkpoint() async throws

  // MARK: the signature ledger

  /// The head of the petition's ledger.
  func ledgerHead(petitionID: String) async throws -> LedgerHead
  /// A page of the petition's ledger entries after position `after`, oldest
  /// first.
  func ledgerEntries(petitionID: String, after: Int64, limit: Int) async throws -> (entries: [LedgerEntryRecord], hasMore: Bool)

  // MARK: delivery exports

  /// A petition's jurisdictions, count, ledger head and newest signature.
  func deliverySnapshot(petitionID: String) async throws -> DeliverySnapshot
  /// A page of one jurisdiction's counted signatures, in signing order.
  func deliveryRows(petitionID: String, group: DeliveryGroup, after: Int64, through: Int64, limit: Int) async throws -> [DeliveryRow]

  // MARK: partner events (the outbox; see `EventOutbox`)

  /// Up to `limit` of an organization's events after sequence `after` (nil:
  /// from the oldest kept); throws `EventReadError` for a position not kept
  /// or not reached.
  func events(organization: String, after: Int64?, limit: Int, withSupporters: Bool) async throws -> EventPage
  /// The organizations whose events moved past the global position `after`.
  func eventHeads(after: Int64) async throws -> (heads: [String: Int64], position: Int64)
  /// The newest global event position.
  func eventPosition() async throws -> Int64
  /// Deletes events committed before `cutoff` (a batch); returns how many.
  func pruneEvents(before cutoff: Date, limit: Int) async throws -> Int
  /// Appends another service's outbox events (increasing ids) in one
  /// transaction, skipping those at or below what `source` appended
  /// before; returns the highest id appended so far.
  func appendEvents(source: String, _ events: [OutboxItem]) async throws -> Int64
}
