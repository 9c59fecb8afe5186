import Foundation

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
}

/// The supporters' store. Handlers talk to this protocol, never to SQL.
public protocol SupporterRepository: Sendable {
  /// Finds the supporter with this canonical email or creates one, writes
  /// the details into `signer.organization`'s own record of them, records
  /// that the other organizations know them and the opt-in; in one
  /// transaction. Returns the supporter as `signer.organization` knows them;
  /// `created` tells whether the person was new to Groundswell.
  func resolve(_ signer: SignerInput, now: Date) async throws -> (supporter: SupporterRecord, created: Bool)

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
}
