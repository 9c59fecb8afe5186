import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GatewayService
import GroundswellAPI
import GRDB
import GroundswellRuntime
import Logging
@testable import PetitionService
import Synchronization
import Testing

/// `EventService/SubscribeEvents` through the gateway over TLS: the outbox
/// written with each change, the backlog and live events in order with no
/// gaps and none twice, resuming from a cursor (also across a restart of
/// every service), what each organization sees, and the cursor's errors.
@Suite struct EventTests {
  typealias Event = Groundswell_Petition_V1_Event

  /// Reads the stream until `count` events arrived or `within` passed;
  /// returns the events and the last cursor seen.
  static func collect(
    _ api: GatewayAPI, key: String, cursor: String = "", startNow: Bool = false, types: [Event.TypeEnum] = [],
    count: Int, within: Duration = .seconds(10)
  ) async throws -> (events: [Event], cursor: String) {
    var options = CallOptions.defaults
    options.timeout = within
    let request = Groundswell_Petition_V1_SubscribeEventsRequest.with {
      $0.cursor = cursor
      $0.startNow = startNow
      $0.types = types
    }
    let got = Mutex<(events: [Event], cursor: String)>(([], cursor))
    do {
      try await Groundswell_Petition_V1_EventService.Client(wrapping: api.client).subscribeEvents(
        request, metadata: bearer(key), options: options
      ) { response in
        for try await message in response.messages {
          let total = got.withLock { got in
            got.events += message.events
            got.cursor = message.cursor
            return got.events.count
          }
          if total >= count { break }
        }
      }
    } catch let error as RPCError where error.code == .deadlineExceeded {
      // Fewer than `count` arrived in time: the caller checks what did.
    }
    return got.withLock { $0 }
  }

  /// Reads until `count` events arrived, starting the stream and then
  /// running `during` while it is open.
  static func collectWhile(
    _ api: GatewayAPI, key: String, cursor: String = "", startNow: Bool = false, count: Int,
    during: @escaping @Sendable () async throws -> Void
  ) async throws -> [Event] {
    try await Groundswell_Petition_V1_EventService.Client(wrapping: api.client).subscribeEvents(
      .with {
        $0.cursor = cursor
        $0.startNow = startNow
      }, metadata: bearer(key), options: { var o = CallOptions.defaults; o.timeout = .seconds(15); return o }()
    ) { response in
      let action = Task { try await during() }
      defer { action.cancel() }
      var events: [Event] = []
      for try await message in response.messages {
        events += message.events
        if events.count >= count { break }
      }
      try await action.value
      return events
    }
  }

  @Test func theBacklogThenLiveEventsInOrderAndResumingFromACursor() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: organization, key: key)
    try await stack.withGateway { api in
      var signed: [Groundswell_Petition_V1_SignPetitionResponse] = []
      for index in 0..<3 { signed.append(try await sign(api, petition, email: "event\(index)@example.org", key: key)) }
      _ = try await api.petitions.createPetitionUpdate(
        .with {
          $0.parent = petition
          $0.update = .with {
            $0.title = "Hearing set"
            $0.body = "The committee meets on Monday."
          }
        }, metadata: bearer(key))
      _ = try await api.petitions.withdrawSignature(
        .with {
          $0.petition = petition
          $0.supporter = signed[1].signature.supporter
        }, metadata: bearer(key))

      // Published, three signatures, an update, a withdrawal.
      let (all, _) = try await Self.collect(api, key: key, count: 6)
      try #require(all.count == 6, "got \(all.map(\.type))")
      #expect(all.map(\.sequence) == Array(1...6))
      #expect(all.map(\.type) == [
        .petitionStateChanged, .signatureCreated, .signatureCreated, .signatureCreated, .petitionUpdatePosted,
        .signatureWithdrawn,
      ])
      #expect(all[0].previousState == .draft && all[0].state == .open)
      #expect(all.allSatisfy { $0.petition == petition })
      #expect(all[1].counted && all[1].collectedBy == organization && !all[1].supporter.isEmpty)
      #expect(all[5].signature == all[2].signature && !all[5].counted)
      #expect(all[2].signature == signed[1].signature.name)
      #expect(all[4].update.hasPrefix(petition + "/updates/"))
      #expect(Set(all.map(\.id)).count == 6)
      #expect(all.allSatisfy { $0.time.seconds > 0 })

      // From the cursor of the third: the fourth on, nothing again.
      let (rest, _) = try await Self.collect(api, key: key, cursor: all[2].cursor, count: 3)
      #expect(rest.map(\.sequence) == [4, 5, 6])
      #expect(rest.map(\.id) == Array(all[3...].map(\.id)))
      // From the last cursor nothing comes until something happens.
      let (none, _) = try await Self.collect(api, key: key, cursor: all[5].cursor, count: 1, within: .seconds(1.5))
      #expect(none.isEmpty)

      // Live: a signature made while subscribed "from now" arrives alone.
      let live = try await Self.collectWhile(api, key: key, startNow: true, count: 1) {
        try await Task.sleep(for: .milliseconds(300))
        _ = try await sign(api, petition, email: "live@example.org", key: key)
      }
      #expect(live.map(\.sequence) == [7])
      #expect(live.first?.type == .signatureCreated)

      // Only the types asked for; the cursor still moves past the others.
      let (signatures, _) = try await Self.collect(api, key: key, types: [.signatureWithdrawn], count: 1)
      #expect(signatures.map(\.sequence) == [6])
    }
  }

  @Test func eachOrganizationSeesItsOwnAndTheSignaturesItCollected() async throws {
    let stack = try await sharedStack.value
    let (owner, ownerKey) = try await stack.makeOrganization()
    let (partner, partnerKey) = try await stack.makeOrganization()
    let (_, strangerKey) = try await stack.makeOrganization()
    let countsOnlyKey = try await stack.makeKey(organization: owner, scopes: [.petitionsRead])
    let petition = try await stack.makeOpenPetition(organization: owner, key: ownerKey)
    try await stack.withGateway { api in
      _ = try await sign(api, petition, email: "collected@example.org", key: partnerKey)

      let (partnerEvents, _) = try await Self.collect(api, key: partnerKey, count: 1)
      try #require(partnerEvents.count == 1)
      #expect(partnerEvents[0].type == .signatureCreated && partnerEvents[0].collectedBy == partner)
      #expect(partnerEvents[0].sequence == 1)
      // The signer goes only to the petition's organization.
      #expect(partnerEvents[0].supporter.isEmpty)
      let (ownerEvents, _) = try await Self.collect(api, key: ownerKey, count: 2)
      #expect(ownerEvents.map(\.type) == [.petitionStateChanged, .signatureCreated])
      #expect(ownerEvents.last?.signature == partnerEvents[0].signature)
      #expect(ownerEvents.last?.supporter.hasPrefix("supporters/") == true)
      // ... and only to its keys with supporters.read.
      let (narrow, _) = try await Self.collect(api, key: countsOnlyKey, count: 2)
      #expect(narrow.count == 2 && narrow.allSatisfy { $0.supporter.isEmpty })
      // Another organization sees none of it.
      let (stranger, _) = try await Self.collect(api, key: strangerKey, count: 1, within: .seconds(1.5))
      #expect(stranger.isEmpty)

      // An operator key has no organization's events.
      let error = await #expect(throws: RPCError.self) {
        _ = try await Self.collect(api, key: stack.operatorKey, count: 1)
      }
      #expect(error?.code == .permissionDenied)
    }
  }

  @Test func milestonesAndErasureAreEventsAndErasureForgetsTheSigner() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    try await stack.withGateway { api in
      let petition = try await Self.openPetition(api, organization: organization, key: key, milestoneAt: 2)
      let first = try await sign(api, petition, email: "first@example.org", key: key)
      _ = try await sign(api, petition, email: "second@example.org", key: key)
      _ = try await api.petitions.withdrawSignature(
        .with {
          $0.petition = petition
          $0.supporter = first.signature.supporter
        }, metadata: bearer(key))
      let (events, _) = try await Self.collect(api, key: key, count: 6)
      #expect(events.map(\.type) == [
        .petitionStateChanged, .signatureCreated, .signatureCreated, .milestoneReached, .signatureWithdrawn, .milestoneCleared,
      ])
      #expect(events[3].milestoneThreshold == 2 && events[5].milestoneThreshold == 2)

      // The second signer is erased: an event says so, and no event names
      // them any more.
      let second = try #require(events[2].supporter.isEmpty ? nil : events[2].supporter)
      let erasure = try await erase(api, second, in: organization, key: key)
      #expect(erasure.state == .complete)
      let (after, _) = try await Self.collect(api, key: key, count: 7)
      try #require(after.count == 7)
      #expect(after[6].type == .signatureErased && after[6].signature == events[2].signature)
      #expect(after[6].supporter.isEmpty && after[6].counted)
      #expect(after[2].supporter.isEmpty, "the stored event forgot the signer")
      #expect(after[1].supporter == events[1].supporter)
    }
  }

  /// An open petition with one milestone.
  static func openPetition(_ api: GatewayAPI, organization: String, key: String, milestoneAt threshold: Int64) async throws -> String {
    let petition = try await api.petitions.createPetition(
      .with {
        $0.parent = organization
        $0.petition = .with {
          $0.title = "Two is a crowd"
          $0.targets = [.with {
            $0.displayName = "Pat Example"
            $0.office = "Governor"
            $0.jurisdiction = "US-CT"
          }]
          $0.milestones = [.with {
            $0.threshold = threshold
            $0.label = "Milestone"
          }]
        }
      }, metadata: bearer(key)
    ).petition.name
    _ = try await api.petitions.publishPetition(.with { $0.name = petition }, metadata: bearer(key))
    return petition
  }

  @Test func anImportsEventsAndTheMilestoneItReachesAreNumberedWithoutGaps() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    try await stack.withGateway { api in
      let petition = try await Self.openPetition(api, organization: organization, key: key, milestoneAt: 2)
      let imported = try await api.petitions.importSignatures(
        .with {
          $0.petition = petition
          $0.signatures = (0..<3).map { ImportTests.item("paper\($0)@example.org", at: Date().addingTimeInterval(-60)) }
        }, metadata: bearer(key))
      #expect(imported.signedCount == 3)
      _ = try await sign(api, petition, email: "online@example.org", key: key)
      let (events, _) = try await Self.collect(api, key: key, count: 6)
      #expect(events.map(\.type) == [
        .petitionStateChanged, .signatureCreated, .signatureCreated, .signatureCreated, .milestoneReached, .signatureCreated,
      ])
      #expect(events.map(\.sequence) == Array(1...6))
      #expect(events[1...3].allSatisfy(\.offline) && !events[5].offline)
    }
  }

  @Test func badAndOutOfRangeCursorsAreRefused() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    _ = try await stack.makeOpenPetition(organization: organization, key: key)
    try await stack.withGateway { api in
      for (cursor, code) in [("garbage", RPCError.Code.invalidArgument), ("1.-4", .invalidArgument),
        (String(repeating: "9", count: 200), .invalidArgument), ("1.99", .outOfRange)] {
        let error = await #expect(throws: RPCError.self, "cursor \(cursor.prefix(10))") {
          _ = try await Self.collect(api, key: key, cursor: cursor, count: 1)
        }
        #expect(error?.code == code)
        #expect((error?.message.utf8.count ?? 0) < 300)
      }
      let tooMany = await #expect(throws: RPCError.self) {
        _ = try await Self.collect(api, key: key, types: Array(repeating: .signatureCreated, count: 17), count: 1)
      }
      #expect(tooMany?.code == .invalidArgument)
    }
  }

  @Test func aCursorOlderThanTheEventsKeptIsOutOfRange() async throws {
    let stack = try await Stack.start()
    let (organization, key) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: organization, key: key)
    try await stack.withGateway { api in
      _ = try await sign(api, petition, email: "old@example.org", key: key)
      let (before, _) = try await Self.collect(api, key: key, count: 2)
      try #require(before.count == 2)
      // The retention pass, as if the events were past the period.
      let repository = try SQLitePetitionRepository(directory: "\(stack.dataRoot)/petition")
      #expect(try await repository.pruneEvents(before: Date().addingTimeInterval(60), limit: 10_000) >= 2)
      let error = await #expect(throws: RPCError.self) {
        _ = try await Self.collect(api, key: key, cursor: before[0].cursor, count: 1)
      }
      #expect(error?.code == .outOfRange)
      #expect(error?.message.contains("older than the events kept") == true)
      // From the oldest kept (an empty cursor) the stream goes on, numbered on.
      _ = try await sign(api, petition, email: "new@example.org", key: key)
      let (after, _) = try await Self.collect(api, key: key, count: 1)
      #expect(after.map(\.sequence) == [3])
    }
    try await stack.stop()
  }

  @Test func nothingIsLostOrRepeatedAcrossARestartOfEveryService() async throws {
    let stack = try await Stack.start()
    let (organization, key) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: organization, key: key)
    var seen: [Event] = []
    try await stack.withGateway { api in
      for index in 0..<5 { _ = try await sign(api, petition, email: "before\(index)@example.org", key: key) }
      // A partner that processed three events (a page may bring more).
      let (first, _) = try await Self.collect(api, key: key, count: 3)
      seen = Array(first.prefix(3))
    }
    try #require(seen.count == 3)
    // Every service stops and starts again on its data.
    for service in [stack.gateway, stack.campaign, stack.petition, stack.supporter] { try await service.stop() }
    let supporter = try await stack.restartSupporterService()
    let petitionService = try await stack.restartPetitionService()
    let campaign = try await stack.restartCampaignService()
    let gateway = try await stack.restartGateway()
    for service in [supporter, petitionService, campaign, gateway] { try await service.waitUntilServing() }
    try await stack.withGateway { api in
      _ = try await eventually({ try? await sign(api, petition, email: "after@example.org", key: key) }, until: { $0 != nil })
      let (rest, _) = try await Self.collect(api, key: key, cursor: seen.last!.cursor, count: 4)
      seen += rest
    }
    // Published, five before, one after: 1…7, each once.
    #expect(seen.map(\.sequence) == Array(1...7))
    #expect(seen.filter { $0.type == .signatureCreated }.count == 6)
    for service in [gateway, campaign, petitionService, supporter] { try await service.stop() }
  }
}

extension EventTests {
  /// Membership changes of a campaign, as the campaign's organization and
  /// the organization concerned see them.
  @Test func campaignMembershipChangesReachTheCampaignAndTheOrganizationConcerned() async throws {
    let stack = try await sharedStack.value
    let (owner, ownerKey) = try await stack.makeOrganization()
    let (partner, partnerKey) = try await stack.makeOrganization()
    let (bystander, bystanderKey) = try await stack.makeOrganization()
    let own = try await stack.makeOpenPetition(organization: owner, key: ownerKey)
    let lent = try await stack.makeOpenPetition(organization: partner, key: partnerKey)
    _ = bystander
    let campaign = try await stack.makeCampaign(organization: owner, key: ownerKey, petitions: [own])
    try await stack.withGateway { api in
      _ = try await api.campaigns.addCampaignPetition(
        .with {
          $0.campaign = campaign
          $0.petition = lent
        }, metadata: bearer(ownerKey))
      _ = try await api.campaigns.acceptCampaignPetition(
        .with {
          $0.campaign = campaign
          $0.petition = lent
        }, metadata: bearer(partnerKey))
      _ = try await api.campaigns.addCoalitionMember(
        .with {
          $0.campaign = campaign
          $0.member = .with {
            $0.organization = partner
            $0.role = .partner
          }
        }, metadata: bearer(ownerKey))
      _ = try await api.campaigns.acceptCoalitionInvitation(.with { $0.campaign = campaign }, metadata: bearer(partnerKey))
      _ = try await api.campaigns.removeCampaignPetition(
        .with {
          $0.campaign = campaign
          $0.petition = lent
        }, metadata: bearer(partnerKey))
      _ = try await api.campaigns.removeCoalitionMember(
        .with {
          $0.campaign = campaign
          $0.organization = partner
        }, metadata: bearer(partnerKey))

      typealias Change = Event.MembershipChange
      let expectedOwner: [(Change, String)] = [
        (.petitionAdded, own), (.petitionProposed, lent), (.petitionAdded, lent), (.memberInvited, partner),
        (.memberJoined, partner), (.petitionRemoved, lent), (.memberRemoved, partner),
      ]
      let (ownerEvents, _) = try await Self.collect(
        api, key: ownerKey, types: [.campaignMembershipChanged], count: expectedOwner.count)
      #expect(ownerEvents.map(\.membershipChange) == expectedOwner.map(\.0))
      #expect(ownerEvents.map { $0.petition.isEmpty ? $0.member : $0.petition } == expectedOwner.map(\.1))
      #expect(ownerEvents.allSatisfy { $0.campaign == campaign && $0.time.seconds > 0 })
      // In order and numbered with the owner's other events, without gaps.
      let (all, _) = try await Self.collect(api, key: ownerKey, count: 100, within: .seconds(2))
      #expect(all.map(\.sequence) == Array(1...Int64(all.count)))

      let (partnerEvents, _) = try await Self.collect(
        api, key: partnerKey, types: [.campaignMembershipChanged], count: expectedOwner.count - 1)
      #expect(partnerEvents.map(\.membershipChange) == Array(expectedOwner.dropFirst().map(\.0)), "not the owner's own petition")
      let (seenByBystander, _) = try await Self.collect(api, key: bystanderKey, count: 1, within: .seconds(1.5))
      #expect(seenByBystander.isEmpty)
    }
  }

  /// Campaign changes made while petition-service is down wait in
  /// campaign-service's outbox and arrive, once each, when it is back.
  @Test func campaignEventsWaitOutAPetitionServiceOutage() async throws {
    let stack = try await Stack.start()
    let (owner, ownerKey) = try await stack.makeOrganization()
    let (partner, _) = try await stack.makeOrganization()
    let campaign = try await stack.makeCampaign(organization: owner, key: ownerKey, petitions: [])
    try await stack.petition.stop()
    try await stack.withGateway { api in
      _ = try await api.campaigns.addCoalitionMember(
        .with {
          $0.campaign = campaign
          $0.member = .with {
            $0.organization = partner
            $0.role = .endorser
          }
        }, metadata: bearer(ownerKey))
    }
    // Long enough for the relay to fail and wait.
    try await Task.sleep(for: .seconds(1))
    let petitionService = try await stack.restartPetitionService()
    try await petitionService.waitUntilServing()
    try await stack.withGateway { api in
      // The gateway's connection to petition-service comes back first.
      _ = try await eventually({ try? await Self.collect(api, key: ownerKey, count: 1, within: .seconds(2)) }, until: { $0 != nil })
      let (events, _) = try await Self.collect(api, key: ownerKey, count: 2, within: .seconds(3))
      #expect(events.map(\.membershipChange) == [.memberInvited])
      #expect(events.map(\.sequence) == [1])
    }
    for service in [stack.gateway, stack.campaign, petitionService, stack.supporter] { try await service.stop() }
  }
}

extension EventTests {
  /// The heads watchers poll every 100 ms read only the events after their
  /// position, by id, not the whole outbox: the cost stays flat however many
  /// events are kept.
  @Test func eventHeadsReadOnlyTheNewEvents() async throws {
    let directory = NSTemporaryDirectory() + "groundswell-heads-" + UUID().uuidString
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let repository = try SQLitePetitionRepository(directory: directory)
    let plan = try await repository.pool.read { db in
      try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + SQLitePetitionRepository.eventHeadsSQL, arguments: [0])
        .map { $0["detail"] as String }
    }
    #expect(plan.contains { $0.contains("USING INTEGER PRIMARY KEY (rowid>?)") }, "\(plan)")
    #expect(!plan.contains { $0.contains("SCAN") }, "\(plan)")
  }
}
