import Foundation
import GRPCCore
import GroundswellAPI
import GroundswellRuntime
import SwiftProtobuf

extension CampaignMembershipRecord: Coalescing {
  public var key: String { id }

  public mutating func absorb(_ newer: CampaignMembershipRecord) {
    if newer.version >= version { self = newer }
  }

  var proto: Groundswell_Campaign_V1_CampaignMembership {
    .with {
      $0.campaign = "campaigns/\(id)"
      $0.title = title
      $0.organization = organization
      $0.memberOrganizations = memberOrganizations
      $0.petitions = petitions
      $0.version = version
      $0.sequence = sequence
    }
  }
}

/// Where campaign-service publishes changed campaign memberships.
public typealias CampaignChanges = CoalescingBroadcaster<CampaignMembershipRecord>

/// A `CampaignRepository` that publishes every campaign it writes, after the
/// write commits, so the feed sees each change without the handlers having
/// to remember to.
public struct PublishingCampaignRepository: CampaignRepository {
  let base: any CampaignRepository
  let changes: CampaignChanges

  public init(_ base: any CampaignRepository, changes: CampaignChanges) {
    self.base = base
    self.changes = changes
  }

  private func published(_ campaign: CampaignRecord?) -> CampaignRecord? {
    if let campaign { changes.publish(CampaignMembershipRecord(campaign)) }
    return campaign
  }

  public func create(_ campaign: CampaignRecord) async throws -> CampaignRecord? {
    published(try await base.create(campaign))
  }

  public func campaign(id: String) async throws -> CampaignRecord? {
    try await base.campaign(id: id)
  }

  public func campaigns(organization: String?, after: Int64, limit: Int) async throws -> (campaigns: [CampaignRecord], hasMore: Bool) {
    try await base.campaigns(organization: organization, after: after, limit: limit)
  }

  public func modify(id: String, now: Date, _ change: @Sendable (inout CampaignRecord) throws -> Void) async throws -> CampaignRecord? {
    published(try await base.modify(id: id, now: now, change))
  }

  public func setPetition(
    _ petition: String, in campaignID: String, member: Bool, accepted: Bool, petitionOrganization: String?, now: Date
  ) async throws -> CampaignRecord? {
    published(
      try await base.setPetition(
        petition, in: campaignID, member: member, accepted: accepted, petitionOrganization: petitionOrganization, now: now))
  }

  public func endorse(
    _ endorsement: EndorsementRecord, endorserKey: String, legacyKey: String?
  ) async throws -> (endorsement: EndorsementRecord, alreadyEndorsed: Bool, count: Int64)? {
    try await base.endorse(endorsement, endorserKey: endorserKey, legacyKey: legacyKey)
  }

  public func endorsements(campaignID: String, after: Int64, limit: Int) async throws -> (endorsements: [EndorsementRecord], hasMore: Bool) {
    try await base.endorsements(campaignID: campaignID, after: after, limit: limit)
  }

  public func memberships(after: Int64, limit: Int) async throws -> [CampaignMembershipRecord] {
    try await base.memberships(after: after, limit: limit)
  }
}

/// The handlers of the internal `CampaignFeedService`, which the gateway
/// follows to know which petitions and organizations belong to a campaign.
public struct CampaignFeedHandlers: Sendable {
  let repository: any CampaignRepository
  let changes: CampaignChanges

  static let window = Duration.milliseconds(100)
  static let heartbeat = Duration.seconds(1)
  static let campaignsPerMessage = 1_000

  public init(repository: any CampaignRepository, changes: CampaignChanges) {
    self.repository = repository
    self.changes = changes
  }
}

extension CampaignFeedHandlers: Groundswell_Campaign_V1_CampaignFeedService.SimpleServiceProtocol {
  public func watchCampaignFeed(
    request: Groundswell_Campaign_V1_WatchCampaignFeedRequest,
    response: RPCWriter<Groundswell_Campaign_V1_WatchCampaignFeedResponse>,
    context: ServerContext
  ) async throws {
    // Subscribe first: a change racing the snapshot arrives after it and
    // carries a version, so the receiver keeps whichever is newer.
    let subscription = changes.subscribe()
    defer { subscription.cancel() }
    try await withRPCCancellationHandler {
      let asOf = Google_Protobuf_Timestamp(clamping: Date())
      var after: Int64 = 0
      while true {
        let page = try await repository.memberships(after: after, limit: Self.campaignsPerMessage)
        let complete = page.count < Self.campaignsPerMessage
        try await response.write(.with {
          $0.campaigns = page.map(\.proto)
          $0.snapshotComplete = complete
          $0.asOfTime = asOf
        })
        if complete { break }
        after = page.last!.sequence
      }
      try await subscription.deliver(every: Self.window, heartbeat: Self.heartbeat) { pending, asOf in
        try await response.write(.with {
          $0.campaigns = pending.map(\.proto)
          $0.asOfTime = Google_Protobuf_Timestamp(clamping: asOf)
        })
      }
    } onCancelRPC: {
      subscription.cancel()
    }
  }
}
