import Foundation
import GroundswellModel

/// A supporter's consent to hear from one organization.
public struct ConsentRecord: Sendable, Equatable {
  public var organization: String
  public var optedIn: Bool
  public var optInTime: Date?
  public var optInSource: String = ""
  public var optOutTime: Date?
  public var optOutSource: String = ""
}

/// A supporter as one organization knows them: the identity (id, canonical
/// email) is shared, the details are that organization's own, with the
/// consents the reader may see.
public struct SupporterRecord: Sendable, Equatable {
  public var id: String
  public var email: String
  public var givenName: String
  public var familyName: String
  public var createTime: Date
  public var postalCode: String = ""
  public var country: String = ""
  public var region: String = ""
  public var consents: [ConsentRecord] = []
  /// The identifiers of the organization whose record this is, sorted.
  public var identifiers: [String] = []
  /// The position in the listing it was read from (0 outside listings).
  public var sequence: Int64 = 0
}

/// A signer as petition-service hands them over.
public struct SignerInput: Sendable, Equatable {
  public var canonicalEmail: String
  public var givenName: String
  public var familyName: String
  public var postalCode: String
  public var country: String
  public var region: String
  /// The organization the details were given to: its record of them is
  /// created or updated.
  public var organization: String
  /// The organization whose petition is signed, when another collected the
  /// signature: it comes to know them, with these details only if it has no
  /// record of its own.
  public var petitionOrganization: String? = nil
  /// The organization they opted in to, if any: it comes to know them too.
  public var optInOrganization: String?
  public var optInSource: String
  /// `organization`'s own identifiers for the person, checked, to attach.
  public var identifiers: [String] = []
}

/// A signer resolved to a supporter.
public struct ResolvedSigner: Sendable, Equatable {
  public var id: String
  /// Whether the person was new to Groundswell.
  public var created: Bool

  public init(id: String, created: Bool) {
    self.id = id
    self.created = created
  }
}

/// Why identifiers cannot be attached: nothing was.
public enum IdentifierRefusal: Error, Equatable, Sendable {
  /// The identifier is attached to another supporter of the organization.
  case taken(String)
  /// The supporter would hold more than `PartnerIdentifier.perSupporter`.
  case tooMany(holding: Int)

  public var message: String {
    switch self {
    case .taken(let identifier):
      "The identifier `\(Echo.prefix(identifier))` is attached to another of the organization's supporters; detach it from them first (DetachIdentifiers) or send it without it."
    case .tooMany(let holding):
      "The supporter would hold \(holding) of the organization's identifiers; at most \(PartnerIdentifier.perSupporter). Detach some first."
    }
  }
}

/// The supporters' store. Handlers talk to this protocol, never to SQL.
public protocol SupporterRepository: Sendable {
  /// Finds the supporter with this canonical email or creates one, writes
  /// the details into `signer.organization`'s own record of them, records
  /// that the other organizations know them and the opt-in; in one
  /// transaction. Returns the supporter as `signer.organization` knows them;
  /// `created` tells whether the person was new to Groundswell.
  func resolve(_ signer: SignerInput, now: Date) async throws -> (supporter: SupporterRecord, created: Bool)

  /// Resolves every signer as `resolve` does, in one transaction, in order;
  /// returns the supporter ids, or for a signer whose identifiers cannot be
  /// attached why (nothing of that signer is written).
  func resolveMany(_ signers: [SignerInput], now: Date) async throws -> [Result<ResolvedSigner, IdentifierRefusal>]

  /// The supporter as `organization` knows them (with its consent alone),
  /// nil when that organization does not; with no organization (an
  /// operator), with the most recently given details and every consent.
  func supporter(id: String, knownTo organization: String?) async throws -> SupporterRecord?

  /// A page of the supporters an organization knows, in the order it came to
  /// know them, each with that organization's consent.
  func supporters(of organization: String, optedInOnly: Bool, after: Int64, limit: Int) async throws -> (supporters: [SupporterRecord], hasMore: Bool)

  /// Records an opt-in or opt-out; nil when the organization does not know
  /// the supporter.
  func recordConsent(supporterID: String, organization: String, optedIn: Bool, source: String, now: Date) async throws -> ConsentRecord?

  /// How many supporters currently opt in to each organization.
  func optedInCounts(organizations: [String]) async throws -> [String: Int64]

  // MARK: a person's rights

  /// The supporter with this canonical email as `organization` knows them;
  /// nil when it does not.
  func supporter(email: String, knownTo organization: String) async throws -> SupporterRecord?

  /// Every record organizations hold of the supporter (one organization's,
  /// or all with nil), with first-seen and update times; empty when none.
  func records(of id: String, organization: String?) async throws -> [OrganizationRecord]

  /// Records that an erasure is asked for and returns it, pending — unless
  /// nothing is left to erase, when it returns the erasure already done.
  /// Nil when the scope knows no such supporter and never erased them.
  func beginErasure(of id: String, organization: String?, now: Date) async throws -> ErasureRecord?

  /// In one transaction: deletes the scope's records and consents of the
  /// supporter (the identity too when no organization knows them any more)
  /// and marks the erasure complete.
  func completeErasure(of id: String, organization: String?, signaturesAnonymized: Int64, now: Date) async throws -> ErasureRecord

  /// The erasures not yet complete, oldest first.
  func pendingErasures() async throws -> [ErasureRecord]

  // MARK: the organization's own identifiers

  /// Attaches identifiers to `organization`'s record of the supporter; nil
  /// when it has none. Throws `IdentifierRefusal` and attaches nothing when
  /// one is another supporter's or the supporter would hold too many.
  func attachIdentifiers(_ identifiers: [String], supporterID: String, organization: String, now: Date) async throws -> SupporterRecord?

  /// Detaches identifiers from `organization`'s record of the supporter
  /// (those not attached are ignored); nil when it has no record.
  func detachIdentifiers(_ identifiers: [String], supporterID: String, organization: String) async throws -> SupporterRecord?

  /// The supporter holding this identifier of `organization`, as it knows them.
  func supporter(identifier: String, knownTo organization: String) async throws -> SupporterRecord?

  /// `organization`'s identifiers of each of these supporters (ids) that has any.
  func identifiers(of supporterIDs: [String], organization: String) async throws -> [String: [String]]

  /// Moves everything in the WAL into the database file and empties the WAL.
  func checkpoint() async throws
}

/// One organization's record of a supporter, as an export shows it.
public struct OrganizationRecord: Sendable, Equatable {
  public var organization: String
  public var supporter: SupporterRecord
  public var firstSeenTime: Date
  public var updateTime: Date
}

/// An erasure of one supporter's data, in one organization or everywhere.
/// It holds no personal data: the supporter's id leads nowhere once done.
public struct ErasureRecord: Sendable, Equatable {
  public var supporterID: String
  /// Nil for every organization.
  public var organization: String?
  public var complete: Bool
  public var signaturesAnonymized: Int64
  public var createTime: Date
  public var completeTime: Date?
}
