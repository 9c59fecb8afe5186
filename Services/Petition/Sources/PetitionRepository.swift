import Foundation

/// The lifecycle states of a petition, as stored (the proto enum's numbers).
public enum PetitionState: Int, Sendable {
  case draft = 1
  case open = 2
  case closed = 3

  var label: String {
    switch self {
    case .draft: "DRAFT"
    case .open: "OPEN"
    case .closed: "CLOSED"
    }
  }
}

/// A petition as stored, with its counter.
public struct PetitionRecord: Sendable, Equatable {
  public var id: String
  public var organization: String
  public var title: String
  public var summary: String
  public var body: String
  public var state: PetitionState
  public var signatureCount: Int64
  public var createTime: Date
  public var updateTime: Date
  /// The insertion order, used for keyset pagination.
  public var sequence: Int64
}

/// A signature as stored.
public struct SignatureRecord: Sendable, Equatable {
  public var id: String
  public var petitionID: String
  public var supporter: String
  public var createTime: Date
}

/// What signing did.
public struct SignOutcome: Sendable, Equatable {
  public var signature: SignatureRecord
  public var alreadySigned: Bool
  public var signatureCount: Int64
  public var updateTime: Date
}

/// Why a state change or a signature was refused.
public enum PetitionStoreError: Error, Equatable {
  case notFound
  case wrongState(current: PetitionState)
}

/// The store of petitions, their signatures and counters. Handlers talk to
/// this protocol, never to SQL.
public protocol PetitionRepository: Sendable {
  func create(_ petition: PetitionRecord) async throws -> PetitionRecord
  func petition(id: String) async throws -> PetitionRecord?
  /// A page of petitions newest first: `limit` rows with a sequence below
  /// `before` (0 = from the newest), optionally of one organization, plus
  /// whether more follow.
  func petitions(organization: String?, includeDraftsOf viewer: String?, before: Int64, limit: Int) async throws -> (petitions: [PetitionRecord], hasMore: Bool)
  /// Moves a petition from `from` to `to`; throws `wrongState` otherwise.
  func transition(id: String, from: PetitionState, to: PetitionState, now: Date) async throws -> PetitionRecord
  /// In one transaction: checks the petition is OPEN, inserts the signature
  /// unless this supporter signed already, and bumps the counter once.
  func sign(petitionID: String, supporter: String, now: Date) async throws -> SignOutcome
  /// The counters of these petitions, keyed by id; unknown ids are absent.
  func counts(ids: [String]) async throws -> [String: (count: Int64, updateTime: Date)]
}
