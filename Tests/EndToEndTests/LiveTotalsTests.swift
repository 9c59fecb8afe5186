import Foundation
import GRPCCore
import GRPCProtobuf
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime
import PetitionService
import SwiftProtobuf
import Testing

/// The gateway's live view: totals, unique supporters, trending, the watch
/// stream, freshness when a backend goes away, and repair of lost updates.
@Suite struct LiveTotalsTests {
  @Test func campaignTotalsCountEachSupporterOnceAndNameTheCoalition() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    let (partner, partnerKey) = try await stack.makeOrganization()
    let first = try await stack.makeOpenPetition(organization: organization, key: key)
    let second = try await stack.makeOpenPetition(organization: organization, key: key, title: "Second")
    let third = try await stack.makeOpenPetition(organization: organization, key: key, title: "Third")
    let campaign = try await stack.makeCampaign(organization: organization, key: key, petitions: [first, second, third])
    try await stack.withGateway { api in
      _ = try await api.campaigns.addCoalitionMember(
        .with {
          $0.campaign = campaign
          $0.member = .with {
            $0.organization = partner
            $0.role = .partner
          }
        }, metadata: bearer(key))
      _ = try await api.campaigns.acceptCoalitionInvitation(.with { $0.campaign = campaign }, metadata: bearer(partnerKey))
      // One person signs all three petitions, another signs one.
      for petition in [first, second, third] { _ = try await sign(api, petition, email: "ana@example.org", key: key) }
      _ = try await sign(api, second, email: "ben@example.org", key: key)

      let totals = try await liveTotals(api, campaign, key: key, recentMinutes: true) {
        $0.signatureCount == 4 && $0.organizationCount == 2
      }
      #expect(totals.signatureCount == 4)
      #expect(totals.uniqueSupporterCount == 2)
      #expect(totals.petitionCount == 3)
      #expect(totals.organizationCount == 2)
      #expect(totals.organization == organization)
      #expect(totals.hasLastSignatureTime && abs(totals.lastSignatureTime.date.timeIntervalSinceNow) < 60)
      #expect(!totals.signaturesFreshness.stale && !totals.membershipFreshness.stale)
      #expect(abs(totals.signaturesFreshness.asOfTime.date.timeIntervalSinceNow) < 5)
      #expect(totals.recentMinutes.count == 60)
      #expect(totals.recentMinutes.reduce(0, +) == 4)

      // Withdrawing the only signature of a person who signed once lowers both.
      let supporters = try await api.petitions.listSignatures(.with { $0.parent = second }, metadata: bearer(key)).signatures.map(\.supporter)
      #expect(supporters.count == 2)
      let anaSupporter = try await sign(api, first, email: "ana@example.org", key: key).signature.supporter
      let benSupporter = supporters.first { $0 != anaSupporter }!
      _ = try await api.petitions.withdrawSignature(
        .with {
          $0.petition = second
          $0.supporter = benSupporter
        }, metadata: bearer(key))
      let afterWithdrawal = try await liveTotals(api, campaign, key: key) { $0.signatureCount == 3 }
      #expect(afterWithdrawal.signatureCount == 3)
      #expect(afterWithdrawal.uniqueSupporterCount == 1)

      let byOrganization = try await api.totals.getOrganizationTotals(.with { $0.organization = partner }, metadata: bearer(key)).totals
      #expect(byOrganization.campaignCount == 1)
      #expect(byOrganization.petitionCount == 3)
      #expect(byOrganization.signatureCount == 3)
      #expect(byOrganization.uniqueSupporterCount == 1)

      let trending = try await api.totals.listTrending(.with { $0.window = .lastHour; $0.limit = 100 }, metadata: bearer(key))
      #expect(trending.petitions.first { $0.name == first }?.signatureCount == 1)
      #expect(trending.campaigns.first { $0.name == campaign }?.signatureCount == 3)
      let badWindow = await rpcError { _ = try await api.totals.listTrending(.init(), metadata: bearer(key)) }
      #expect(badWindow?.code == .invalidArgument && badFields(badWindow) == ["window"])
    }
  }

  @Test func watchSendsCurrentTotalsThenEachChange() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: organization, key: key)
    let campaign = try await stack.makeCampaign(organization: organization, key: key, petitions: [petition])
    try await stack.withGateway { api in
      _ = try await liveTotals(api, campaign, key: key)
      let seen = try await api.totals.watchCampaignTotals(
        .with { $0.campaigns = [campaign] }, metadata: bearer(key)
      ) { response in
        var counts: [Int64] = []
        for try await message in response.messages {
          counts += message.totals.map(\.signatureCount)
          if message.initialComplete {
            for email in ["a@example.org", "b@example.org", "c@example.org"] {
              _ = try await sign(api, petition, email: email, key: key)
            }
          }
          if counts.last == 3 { break }
        }
        return counts
      }
      #expect(seen.first == 0)
      #expect(seen.last == 3)
      #expect(seen == seen.sorted())

      let unknown = await rpcError {
        try await api.totals.watchCampaignTotals(.with { $0.campaigns = ["campaigns/nope"] }, metadata: bearer(key)) { response in
          for try await _ in response.messages {}
        }
      }
      #expect(unknown?.code == .notFound)
      let malformed = await rpcError {
        try await api.totals.watchCampaignTotals(.with { $0.campaigns = ["nope"] }, metadata: bearer(key)) { response in
          for try await _ in response.messages {}
        }
      }
      #expect(malformed?.code == .invalidArgument && badFields(malformed) == ["campaigns[0]"])
    }
  }

  @Test func historyCountsPerMinuteHourAndDay() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    let first = try await stack.makeOpenPetition(organization: organization, key: key)
    let second = try await stack.makeOpenPetition(organization: organization, key: key)
    let campaign = try await stack.makeCampaign(organization: organization, key: key, petitions: [first, second])
    try await stack.withGateway { api in
      _ = try await sign(api, first, email: "h1@example.org", key: key)
      _ = try await sign(api, second, email: "h2@example.org", key: key)
      _ = try await sign(api, second, email: "h3@example.org", key: key)
      _ = try await liveTotals(api, campaign, key: key) { $0.signatureCount == 3 }
      for (granularity, buckets) in [(Groundswell_Gateway_V1_HistoryGranularity.minute, 1_440), (.hour, 168), (.day, 90)] {
        let campaignHistory = try await api.totals.getSignatureHistory(
          .with {
            $0.name = campaign
            $0.granularity = granularity
          }, metadata: bearer(key))
        #expect(campaignHistory.buckets.count == buckets)
        #expect(campaignHistory.buckets.map(\.signatureCount).reduce(0, +) == 3)
        // Signed seconds ago: in the newest bucket, or the one before when a
        // bucket boundary passed between the signatures and this read.
        #expect(campaignHistory.buckets.suffix(2).map(\.signatureCount).reduce(0, +) == 3)
        let starts = campaignHistory.buckets.map(\.startTime.seconds)
        #expect(starts == starts.sorted() && Set(starts).count == starts.count)
      }
      let petitionHistory = try await api.totals.getSignatureHistory(
        .with {
          $0.name = second
          $0.granularity = .minute
          $0.startTime = Google_Protobuf_Timestamp(date: Date().addingTimeInterval(-600))
        }, metadata: bearer(key))
      #expect(petitionHistory.buckets.count == 10)
      #expect(petitionHistory.buckets.map(\.signatureCount).reduce(0, +) == 2)

      let noGranularity = await rpcError { _ = try await api.totals.getSignatureHistory(.with { $0.name = campaign }, metadata: bearer(key)) }
      #expect(noGranularity?.code == .invalidArgument && badFields(noGranularity) == ["granularity"])
      let tooLong = await rpcError {
        _ = try await api.totals.getSignatureHistory(
          .with {
            $0.name = campaign
            $0.granularity = .minute
            $0.startTime = Google_Protobuf_Timestamp(date: Date().addingTimeInterval(-30 * 86_400))
          }, metadata: bearer(key))
      }
      #expect(tooLong?.code == .invalidArgument && badFields(tooLong) == ["start_time"])
      let unknown = await rpcError {
        _ = try await api.totals.getSignatureHistory(.with { $0.name = "campaigns/nope"; $0.granularity = .day }, metadata: bearer(key))
      }
      #expect(unknown?.code == .notFound)
    }
  }

  @Test func aRemovedPetitionCountsNowhere() async throws {
    let stack = try await Stack.start()
    let (organization, key) = try await stack.makeOrganization()
    let kept = try await stack.makeOpenPetition(organization: organization, key: key)
    let removed = try await stack.makeOpenPetition(organization: organization, key: key, title: "Taken down")
    let campaign = try await stack.makeCampaign(organization: organization, key: key, petitions: [kept, removed])
    try await stack.withGateway { api in
      for petition in [kept, removed] { _ = try await sign(api, petition, email: "both@example.org", key: key) }
      _ = try await sign(api, removed, email: "only-removed@example.org", key: key)
      _ = try await liveTotals(api, campaign, key: key) { $0.signatureCount == 3 && $0.uniqueSupporterCount == 2 }

      _ = try await api.petitions.removePetition(
        .with {
          $0.name = removed
          $0.reason = "Abusive content"
        }, metadata: bearer(stack.operatorKey))
      let after = try await liveTotals(api, campaign, key: key) { $0.signatureCount == 1 }
      #expect(after.signatureCount == 1)
      #expect(after.uniqueSupporterCount == 1)
      #expect(try await api.totals.getGrandTotal(.init(), metadata: bearer(key)).signatureCount == 1)
      let history = try await api.totals.getSignatureHistory(
        .with {
          $0.name = campaign
          $0.granularity = .day
        }, metadata: bearer(key))
      #expect(history.buckets.map(\.signatureCount).reduce(0, +) == 1)

      // A fresh snapshot (petition-service restarted) leaves it out too.
      try await stack.petition.stop()
      _ = try await liveTotals(api, campaign, key: key) { $0.signaturesFreshness.stale }
      let petitionService = try await stack.restartPetitionService()
      let reloaded = try await liveTotals(api, campaign, key: key) { !$0.signaturesFreshness.stale }
      #expect(reloaded.signatureCount == 1 && reloaded.uniqueSupporterCount == 1)
      try await petitionService.stop()
    }
    try await stack.stop()
  }

  @Test func aLostUpdateIsRepairedByTheReconcile() async throws {
    let stack = try await Stack.start(reconcileInterval: .seconds(1))
    let (organization, key) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: organization, key: key)
    let campaign = try await stack.makeCampaign(organization: organization, key: key, petitions: [petition])
    try await stack.withGateway { api in
      _ = try await sign(api, petition, email: "seen@example.org", key: key)
      _ = try await liveTotals(api, campaign, key: key) { $0.signatureCount == 1 }
      // A signature committed behind petition-service's back: its change is
      // never published, as if the update had been lost on the way.
      let repository = try SQLitePetitionRepository(directory: "\(stack.dataRoot)/petition")
      let id = String(petition.dropFirst("petitions/".count))
      _ = try await repository.sign(
        SignatureRecord(id: ResourceName.newID(), petitionID: id, supporter: "supporters/lost", createTime: Date()),
        key: nil, verification: nil, marks: nil, now: Date(), answer: { _ in Data() })
      let repaired = try await liveTotals(api, campaign, key: key) { $0.signatureCount == 2 }
      #expect(repaired.signatureCount == 2)
      #expect(repaired.uniqueSupporterCount == 2)
      let metrics = try await stack.admin("/metrics").body
      let repairs = metrics.split(separator: "\n").first { $0.hasPrefix("groundswell_view_repairs_total ") }
      #expect((repairs?.split(separator: " ").last).flatMap { Int($0) } ?? 0 >= 1)
    }
    try await stack.stop()
  }

  @Test func aBackendGoingAwayMarksItsFiguresStaleUntilItReturns() async throws {
    let stack = try await Stack.start()
    let (organization, key) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: organization, key: key)
    let campaign = try await stack.makeCampaign(organization: organization, key: key, petitions: [petition])
    try await stack.withGateway { api in
      _ = try await sign(api, petition, email: "before@example.org", key: key)
      let fresh = try await liveTotals(api, campaign, key: key) { $0.signatureCount == 1 }
      #expect(!fresh.signaturesFreshness.stale)

      try await stack.petition.stop()
      let stale = try await liveTotals(api, campaign, key: key) { $0.signaturesFreshness.stale }
      // The last known figures, marked stale since the last confirmation.
      #expect(stale.signaturesFreshness.stale)
      #expect(stale.signatureCount == 1)
      #expect(stale.signaturesFreshness.staleSinceTime == stale.signaturesFreshness.asOfTime)
      #expect(stale.signaturesFreshness.staleReason.contains("petition-service"))
      #expect(!stale.membershipFreshness.stale)
      let grand = try await api.totals.getGrandTotal(.init(), metadata: bearer(key))
      #expect(grand.signaturesFreshness.stale && !grand.membershipFreshness.stale)

      let petitionService = try await stack.restartPetitionService()
      // The gateway reconnects with backoff: a partner retries UNAVAILABLE.
      _ = try await eventually {
        await rpcError { _ = try await sign(api, petition, email: "after@example.org", key: key) }
      } until: { $0?.code != .unavailable }
      let recovered = try await liveTotals(api, campaign, key: key) { !$0.signaturesFreshness.stale && $0.signatureCount == 2 }
      #expect(!recovered.signaturesFreshness.stale)
      #expect(recovered.signatureCount == 2)
      #expect(recovered.signaturesFreshness.staleReason.isEmpty)
      // History is durable: it survived the restart.
      let history = try await api.totals.getSignatureHistory(
        .with {
          $0.name = petition
          $0.granularity = .day
        }, metadata: bearer(key))
      #expect(history.buckets.map(\.signatureCount).reduce(0, +) == 2)

      try await stack.campaign.stop()
      let membershipStale = try await liveTotals(api, campaign, key: key) { $0.membershipFreshness.stale }
      #expect(membershipStale.membershipFreshness.stale && !membershipStale.signaturesFreshness.stale)
      #expect(membershipStale.petitionCount == 1)
      let campaignService = try await stack.restartCampaignService()
      let back = try await liveTotals(api, campaign, key: key) { !$0.membershipFreshness.stale }
      #expect(!back.membershipFreshness.stale)
      try await campaignService.stop()
      try await petitionService.stop()
    }
    try await stack.stop()
  }
}

@Suite struct CoalescingTests {
  struct Change: Coalescing {
    var key: Int
    var value: Int
    mutating func absorb(_ newer: Change) { value = newer.value }
  }

  @Test func aSubscriberThatDoesNotReadHoldsOnlyTheLatestChangePerKey() {
    let broadcaster = CoalescingBroadcaster<Change>()
    let everything = broadcaster.subscribe()
    let some = broadcaster.subscribe(to: [1])
    for value in 0..<10_000 { broadcaster.publish(Change(key: value % 3, value: value)) }
    let pending = everything.drain()
    #expect(pending.map(\.key) == [0, 1, 2])
    #expect(pending.map(\.value) == [9_999, 9_997, 9_998])
    #expect(some.drain().map(\.value) == [9_997])
    #expect(everything.drain().isEmpty)
    #expect(broadcaster.watched([1, 2, 7]) == [1, 2, 7])
    everything.cancel()
    #expect(broadcaster.watched([1, 2, 7]) == [1])
    some.cancel()
    #expect(broadcaster.watched([1, 2, 7]).isEmpty)
    #expect(broadcaster.subscriberCount == 0)
  }

  /// What the event heads stream holds: a subscription to no key keeps
  /// nothing and watches nothing, and shutdown still ends it.
  @Test func aSubscriptionToNoKeyHoldsNothingAndEndsAtShutdown() async {
    let broadcaster = CoalescingBroadcaster<Change>()
    let none = broadcaster.subscribe(to: [])
    for value in 0..<1_000 { broadcaster.publish(Change(key: value % 3, value: value)) }
    #expect(none.drain().isEmpty)
    #expect(broadcaster.watched([0, 1, 2]).isEmpty)
    #expect(!none.isCancelled)
    broadcaster.finishAll()
    #expect(none.isCancelled)
    #expect(await none.next(after: .milliseconds(1)) == nil)
  }
}
