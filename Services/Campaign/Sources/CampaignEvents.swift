import Foundation
import GRDB
import GRPCCore
import GRPCNIOTransportHTTP2
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime
import Logging
import ServiceLifecycle
import SwiftProtobuf

/// Partner events of campaign membership: written to this service's outbox
/// in the transaction of the change (so a committed change always has its
/// events), then relayed to petition-service, which numbers them into each
/// organization's one event stream (`EventService/SubscribeEvents`).
enum CampaignEvents {
  typealias Event = Groundswell_Petition_V1_Event

  /// One event for one organization.
  struct Addressed: Equatable {
    var organization: String
    var event: Event
  }

  /// The events for the campaign's organization and, when another, the one
  /// concerned.
  static func addressed(_ campaign: CampaignRecord, concerned: String?, _ fill: (inout Event) -> Void) -> [Addressed] {
    var event = Event.with {
      $0.type = .campaignMembershipChanged
      $0.campaign = "campaigns/\(campaign.id)"
    }
    fill(&event)
    let organizations = [campaign.organization] + [concerned].compactMap { $0 }.filter { $0 != campaign.organization }
    return organizations.map { Addressed(organization: $0, event: event) }
  }

  /// What changed among a campaign's petitions and proposals.
  static func petitionChanges(before: CampaignRecord, after: CampaignRecord, petitionOrganization: String?) -> [Addressed] {
    var events: [Addressed] = []
    func change(_ petition: String, _ kind: Event.MembershipChange) {
      events += addressed(after, concerned: petitionOrganization) {
        $0.petition = petition
        $0.membershipChange = kind
      }
    }
    for petition in after.petitions where !before.petitions.contains(petition) { change(petition, .petitionAdded) }
    for petition in after.proposedPetitions where !before.proposedPetitions.contains(petition) && !before.petitions.contains(petition) {
      change(petition, .petitionProposed)
    }
    for petition in before.petitions + before.proposedPetitions
    where !after.petitions.contains(petition) && !after.proposedPetitions.contains(petition) {
      change(petition, .petitionRemoved)
    }
    return events
  }

  /// What changed in a campaign's coalition.
  static func memberChanges(before: CampaignRecord, after: CampaignRecord) -> [Addressed] {
    var events: [Addressed] = []
    func change(_ member: String, _ kind: Event.MembershipChange) {
      events += addressed(after, concerned: member) {
        $0.member = member
        $0.membershipChange = kind
      }
    }
    let previous = Dictionary(before.members.map { ($0.organization, $0) }, uniquingKeysWith: { first, _ in first })
    for member in after.members {
      switch (previous[member.organization]?.joined, member.joined) {
      case (nil, false): change(member.organization, .memberInvited)
      case (nil, true), (false?, true): change(member.organization, .memberJoined)
      default: break
      }
    }
    let current = Set(after.members.map(\.organization))
    for member in before.members where !current.contains(member.organization) { change(member.organization, .memberRemoved) }
    return events
  }

  /// Writes `events` to the outbox, in the caller's transaction.
  static func record(_ db: Database, _ events: [Addressed], time: Date) throws {
    for item in events {
      var event = item.event
      event.time = Google_Protobuf_Timestamp(date: time)
      try db.cachedStatement(sql: "INSERT INTO event_outbox (organization, body, create_time) VALUES (?, ?, ?)")
        .execute(arguments: [item.organization, try event.serializedBytes() as Data, time.millisecondsSince1970])
    }
  }
}

/// The outbox as the relay reads it.
public protocol CampaignEventOutbox: Sendable {
  /// The oldest `limit` events not yet relayed.
  func pendingEvents(limit: Int) async throws -> [Groundswell_Petition_V1_OutboxEvent]
  /// Forgets the events up to `id`: petition-service has them.
  func forgetEvents(through id: Int64) async throws
}

extension SQLiteCampaignStore: CampaignEventOutbox {
  public func pendingEvents(limit: Int) async throws -> [Groundswell_Petition_V1_OutboxEvent] {
    try await pool.read { db in
      try Row.fetchAll(
        db.cachedStatement(sql: "SELECT id, organization, body FROM event_outbox ORDER BY id LIMIT ?"), arguments: [limit]
      ).map { row in
        Groundswell_Petition_V1_OutboxEvent.with {
          $0.id = row["id"]
          $0.organization = row["organization"]
          $0.event = (try? Groundswell_Petition_V1_Event(serializedBytes: row["body"] as Data)) ?? .init()
        }
      }
    }
  }

  public func forgetEvents(through id: Int64) async throws {
    try await pool.tracedWrite { db in
      try db.execute(sql: "DELETE FROM event_outbox WHERE id <= ?", arguments: [id])
    }
  }
}

/// Hands the outbox's events to petition-service in order, at least once
/// (petition-service skips what it already has), then forgets them. While
/// petition-service does not answer, the events wait in the outbox.
public struct CampaignEventRelay: Service {
  let outbox: any CampaignEventOutbox
  let feed: Groundswell_Petition_V1_EventFeedService.Client<HTTP2ClientTransport.Posix>
  let logger: Logger
  /// How often an empty outbox is looked at again.
  var poll = Duration.milliseconds(200)
  static let batch = 500

  public init(outbox: any CampaignEventOutbox, client: GRPCClient<HTTP2ClientTransport.Posix>, logger: Logger) {
    self.outbox = outbox
    feed = .init(wrapping: client)
    self.logger = logger
  }

  public func run() async throws {
    await cancelWhenGracefulShutdown {
      var failures = 0
      while !Task.isCancelled {
        do {
          let events = try await outbox.pendingEvents(limit: Self.batch)
          if !events.isEmpty {
            var options = CallOptions.defaults
            options.timeout = .seconds(10)
            let last = try await feed.appendEvents(.with { $0.events = events }, options: options).lastID
            try await outbox.forgetEvents(through: last)
            if failures > 0 { logger.info("campaign events relayed again", metadata: ["after_failures": "\(failures)"]) }
            failures = 0
            if events.count == Self.batch { continue }
          }
        } catch {
          failures += 1
          // Logged once in a while, not on every retry.
          if failures == 1 || failures % 50 == 0 {
            logger.warning(
              "campaign events wait: petition-service did not take them", metadata: ["error": "\(rootCause(of: error))", "failures": "\(failures)"])
          }
        }
        try? await Task.sleep(for: failures == 0 ? poll : .seconds(min(5, failures)))
      }
    }
  }
}
