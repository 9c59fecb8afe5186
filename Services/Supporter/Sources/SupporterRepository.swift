import Foundation

/// A supporter as stored.
public struct SupporterRecord: Sendable, Equatable {
  public var id: String
  public var email: String
  public var givenName: String
  public var familyName: String
  public var createTime: Date
}

/// The supporters' store. Handlers talk to this protocol, never to SQL.
public protocol SupporterRepository: Sendable {
  /// Finds the supporter with this canonical email or creates one, and records
  /// that `organization` knows them. `created` tells which happened.
  func resolve(
    canonicalEmail: String, givenName: String, familyName: String, organization: String, now: Date
  ) async throws -> (supporter: SupporterRecord, created: Bool)

  /// The supporter, if it exists and — when `organization` is given — is
  /// known to that organization.
  func supporter(id: String, knownTo organization: String?) async throws -> SupporterRecord?
}
