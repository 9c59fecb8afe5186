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

/// A supporter as stored, with the consents the reader may see.
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
  /// The organization whose petition is signed: it comes to know them.
  public var organization: String
  /// The organization they opted in to, if any: it comes to know them too.
  public var optInOrganization: String?
  public var optInSource: String
}

/// The supporters' store. Handlers talk to this protocol, never to SQL.
public protocol SupporterRepository: Sendable {
  /// Finds the supporter with this canonical email or creates one, updates
  /// their name and place, records that the organizations know them and the
  /// opt-in; in one transaction. `created` tells whether they were new.
  func resolve(_ signer: SignerInput, now: Date) async throws -> (supporter: SupporterRecord, created: Bool)

  /// The supporter, if it exists and — when `organization` is given — is
  /// known to that organization (whose consent alone is then included).
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
