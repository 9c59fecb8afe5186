import Foundation

/// An organization as stored.
public struct OrganizationRecord: Sendable, Equatable {
  public var id: String
  public var displayName: String
  public var description: String
  public var websiteURI: String
  public var createTime: Date
  public var sequence: Int64
}

/// A campaign as stored, with its petitions in the order they were added.
public struct CampaignRecord: Sendable, Equatable {
  public var id: String
  public var organization: String
  public var title: String
  public var description: String
  public var petitions: [String]
  public var createTime: Date
  public var updateTime: Date
  public var sequence: Int64
}

/// The store of organizations. Handlers talk to this protocol, never to SQL.
public protocol OrganizationRepository: Sendable {
  /// Inserts; returns nil when the id is taken.
  func create(_ organization: OrganizationRecord) async throws -> OrganizationRecord?
  func organization(id: String) async throws -> OrganizationRecord?
  /// A page in creation order after `after`, and whether more follow.
  func organizations(after: Int64, limit: Int) async throws -> (organizations: [OrganizationRecord], hasMore: Bool)
}

/// The store of campaigns and their petitions.
public protocol CampaignRepository: Sendable {
  /// Inserts; returns nil when the id is taken.
  func create(_ campaign: CampaignRecord) async throws -> CampaignRecord?
  func campaign(id: String) async throws -> CampaignRecord?
  /// A page in creation order after `after`, optionally of one organization.
  func campaigns(organization: String?, after: Int64, limit: Int) async throws -> (campaigns: [CampaignRecord], hasMore: Bool)
  /// Adds (idempotently) or removes a petition; nil when the campaign is gone.
  func setPetition(_ petition: String, in campaignID: String, member: Bool, now: Date) async throws -> CampaignRecord?
}
