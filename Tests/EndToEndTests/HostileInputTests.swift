import Foundation
import GRDB
import GRPCCore
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime
import SwiftProtobuf
import Testing

/// Requests with extreme numbers and strings, over the real transport: each
/// is refused with INVALID_ARGUMENT naming its field, and every service
/// keeps answering (before the fixes each of these crashed one).
@Suite struct HostileInputTests {
  static let extremes: [Google_Protobuf_Timestamp] = [
    .init(seconds: .min, nanos: 0), .init(seconds: .max, nanos: 0), .init(seconds: .min + 1, nanos: 0),
    .init(seconds: 10_000_000_000_000_000, nanos: 0), .init(seconds: -10_000_000_000_000_000, nanos: 0),
    .init(seconds: 1_800_000_000, nanos: -1), .init(seconds: 1_800_000_000, nanos: .max),
    .init(seconds: TimeRange.maximumSeconds + 1, nanos: 0), .init(seconds: -1, nanos: 0),
  ]

  @Test func extremeTimestampsAreRefusedByField() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: organization, key: key)
    try await stack.withGateway { api in
      for time in Self.extremes {
        let history = await rpcError {
          _ = try await api.totals.getSignatureHistory(
            .with {
              $0.name = petition
              $0.granularity = .day
              $0.startTime = time
            }, metadata: bearer(key))
        }
        #expect(badFields(history) == ["start_time"], "start \(time)")
        let historyEnd = await rpcError {
          _ = try await api.totals.getSignatureHistory(
            .with {
              $0.name = petition
              $0.granularity = .minute
              $0.endTime = time
            }, metadata: bearer(key))
        }
        #expect(badFields(historyEnd) == ["end_time"], "end \(time)")
        let deadline = await rpcError {
          _ = try await api.petitions.createPetition(
            .with {
              $0.parent = organization
              $0.petition = .with {
                $0.title = "Extreme deadline"
                $0.deadlineTime = time
              }
            }, metadata: bearer(key))
        }
        #expect(badFields(deadline) == ["petition.deadline_time"], "deadline \(time)")
        let campaign = await rpcError {
          _ = try await api.campaigns.createCampaign(
            .with {
              $0.parent = organization
              $0.campaign = .with {
                $0.title = "Extreme times"
                $0.startTime = time
                $0.endTime = time
                $0.actions = [.with {
                  $0.kind = .attendEvent
                  $0.title = "Rally"
                  $0.eventTime = time
                }]
              }
            }, metadata: bearer(key))
        }
        #expect(
          badFields(campaign) == ["campaign.start_time", "campaign.end_time", "campaign.actions[0].event_time"], "campaign \(time)")
      }
    }
    // Every service is still there.
    try await HostileClientTests.signsPromptly(stack, petition: petition, key: key)
    _ = try await stack.makeCampaign(organization: organization, key: key, petitions: [petition])
  }

  /// A campaign stored before times were checked, with an action at
  /// 2^63 − 1 seconds: readers get it with the time clamped, and the
  /// migration repairs the stored row.
  @Test func aStoredPoisonRecordIsReadAndRepaired() async throws {
    let stack = try await Stack.start()
    defer { Task { try? await stack.stop() } }
    let (organization, key) = try await stack.makeOrganization()
    let campaign = try await stack.withGateway { api in
      try await api.campaigns.createCampaign(
        .with {
          $0.parent = organization
          $0.campaign = .with {
            $0.title = "Rally season"
            $0.actions = [.with {
              $0.kind = .attendEvent
              $0.title = "Rally"
              $0.eventTime = .init(seconds: 1_900_000_000, nanos: 0)
            }]
          }
        }, metadata: bearer(key)
      ).campaign.name
    }
    let file = "\(stack.dataRoot)/campaign/campaign.sqlite"
    let poison = """
      UPDATE campaigns SET actions = json_set(actions, '$[0].eventTime', 9.223372036854776e18) WHERE id = ?
      """
    let id = String(campaign.dropFirst("campaigns/".count))
    try await DatabaseQueue(path: file).write { try $0.execute(sql: poison, arguments: [id]) }
    let read = try await stack.withGateway { api in
      try await api.campaigns.getCampaign(.with { $0.name = campaign }, metadata: bearer(key)).campaign
    }
    #expect(read.actions[0].eventTime.seconds == TimeRange.maximumSeconds)
    let listed = try await stack.withGateway { api in
      try await api.campaigns.listCampaigns(.init(), metadata: bearer(key)).campaigns
    }
    #expect(listed.contains { $0.name == campaign })

    // Stored like this before migration 4 ran: restarting runs it again.
    try await stack.campaign.stop()
    try await DatabaseQueue(path: file).write { db in
      try db.execute(sql: poison, arguments: [id])
      try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier LIKE '4 %'")
    }
    let restarted = try await stack.restartCampaignService()
    defer { Task { try? await restarted.stop() } }
    let stored = try await DatabaseQueue(path: file).read { db in
      try Double.fetchOne(db, sql: "SELECT json_extract(actions, '$[0].eventTime') FROM campaigns WHERE id = ?", arguments: [id])
    }
    // Seconds since 2001-01-01, as Foundation encodes a Date in JSON.
    #expect(stored == Double(TimeRange.maximumSeconds) - 978_307_200)
  }

  @Test func textIsLimitedInBytesAndControlCharacters() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: organization, key: key)
    let heavy = String(repeating: "a" + String(repeating: "\u{0301}", count: 10_000), count: 100)
    try await stack.withGateway { api in
      let sign = { (givenName: String, comment: String) in
        await rpcError {
          _ = try await api.petitions.signPetition(
            .with {
              $0.petition = petition
              $0.signer = .with {
                $0.email = "bytes-\(UUID().uuidString.prefix(6))@example.org"
                $0.givenName = givenName
              }
              $0.comment = comment
            }, metadata: bearer(key))
        }
      }
      let huge = await sign(heavy, "")
      #expect(badFields(huge) == ["signer.given_name"])
      #expect((huge?.message.utf8.count ?? .max) < 2_048)
      let nul = await sign("Nul", "a\u{0}b")
      #expect(badFields(nul) == ["comment"])
      #expect(nul?.message.contains("U+0") == true)
      // Newlines, tabs and carriage returns are text.
      #expect(await sign("Lines", "first line\r\nsecond\tline") == nil)
    }
  }
}
