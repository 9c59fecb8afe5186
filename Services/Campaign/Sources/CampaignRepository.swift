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

/// The roles of coalition members, as stored (the proto enum's numbers).
public enum CoalitionRole: Int, Sendable, CaseIterable {
  case creator = 1
  case organizer = 2
  case partner = 3
  case endorser = 4
}

/// An organization's place in a campaign's coalition.
public struct MemberRecord: Sendable, Equatable {
  public var organization: String
  public var role: CoalitionRole
  public var jurisdiction: String
  public var joinTime: Date
  /// False while the organization is only invited: it takes part once it
  /// accepts.
  public var joined: Bool = true
}

/// Something supporters can do for a campaign, stored as JSON.
public struct ActionRecord: Sendable, Equatable, Codable {
  public var kind: Int
  public var title: String
  public var uri: String
  public var petition: String
  public var callTarget: String
  public var phoneNumber: String
  public var script: String
  public var eventTime: Date?
}

/// A campaign as stored, with its coalition and its petitions in the order
/// they were added.
public struct CampaignRecord: Sendable, Equatable {
  public var id: String
  public var organization: String
  public var title: String
  public var description: String
  public var hashtag: String = ""
  /// 1 active, 2 concluded (the proto enum's numbers).
  public var state: Int = 1
  public var startTime: Date?
  public var endTime: Date?
  public var members: [MemberRecord] = []
  public var demands: [String] = []
  public var actions: [ActionRecord] = []
  public var endorsementCount: Int64 = 0
  /// The petitions that take part, in the order they joined.
  public var petitions: [String]
  /// Other organizations' petitions offered to the campaign, waiting for
  /// their organization's acceptance.
  public var proposedPetitions: [String] = []
  public var createTime: Date
  public var updateTime: Date
  public var sequence: Int64
  /// Grows with every write to the campaign.
  public var version: Int64 = 1
}

/// One endorsement of a campaign.
public struct EndorsementRecord: Sendable, Equatable {
  public var id: String
  public var campaignID: String
  /// The endorsing organization; empty for a person.
  public var organization: String
  /// The endorsing person's shown name; empty for an organization.
  public var displayName: String
  public var createTime: Date
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

/// The store of campaigns, their coalitions, endorsements and petitions.
public protocol CampaignRepository: Sendable {
  /// Inserts with the creating organization as CREATOR; nil when the id is
  /// taken.
  func create(_ campaign: CampaignRecord) async throws -> CampaignRecord?
  func campaign(id: String) async throws -> CampaignRecord?
  /// A page in creation order after `after`, optionally of one organization.
  func campaigns(organization: String?, after: Int64, limit: Int) async throws -> (campaigns: [CampaignRecord], hasMore: Bool)
  /// Reads, changes and writes back a campaign (its fields and coalition) in
  /// one transaction; `change` may throw to refuse. Nil when it is gone.
  func modify(id: String, now: Date, _ change: @Sendable (inout CampaignRecord) throws -> Void) async throws -> CampaignRecord?
  /// Adds (idempotently) or removes a petition, or a proposal of one when
  /// not `accepted` (adding an accepted one accepts a proposal); nil when
  /// the campaign is gone.
  /// `petitionOrganization` (when known) is told of the change in its events.
  func setPetition(
    _ petition: String, in campaignID: String, member: Bool, accepted: Bool, petitionOrganization: String?, now: Date
  ) async throws -> CampaignRecord?
  /// Records an endorsement unless `endorserKey` endorsed already; returns
  /// the endorsement (new or first), whether it existed, and the count. Nil
  /// when the campaign is gone. An endorsement stored under `legacyKey` (the
  /// same endorser, hashed the old way) is moved to `endorserKey` first.
  func endorse(
    _ endorsement: EndorsementRecord, endorserKey: String, legacyKey: String?
  ) async throws -> (endorsement: EndorsementRecord, alreadyEndorsed: Bool, count: Int64)?
  /// A page of a campaign's endorsements, oldest first.
  func endorsements(campaignID: String, after: Int64, limit: Int) async throws -> (endorsements: [EndorsementRecord], hasMore: Bool)
  /// Who and what belongs to up to `limit` campaigns after `after`, in
  /// creation order, read in bulk.
  func memberships(after: Int64, limit: Int) async throws -> [CampaignMembershipRecord]
}

/// Who and what belongs to a campaign, as the gateway's feed carries it.
public struct CampaignMembershipRecord: Sendable, Equatable {
  public var id: String
  public var title: String
  public var organization: String
  public var memberOrganizations: [String]
  public var petitions: [String]
  public var version: Int64
  public var sequence: Int64

  public init(_ campaign: CampaignRecord) {
    id = campaign.id
    title = campaign.title
    organization = campaign.organization
    memberOrganizations = campaign.members.filter(\.joined).map(\.organization)
    petitions = campaign.petitions
    version = campaign.version
    sequence = campaign.sequence
  }

  public init(
    id: String, title: String, organization: String, memberOrganizations: [String], petitions: [String], version: Int64,
    sequence: Int64
  ) {
    self.id = id
    self.title = title
    self.organization = organization
    self.memberOrganizations = memberOrganizations
    self.petitions = petitions
    self.version = version
    self.sequence = sequence
  }
}
