import Foundation
import Testing

@testable import GatewayService

/// The live view's bookkeeping against a plain model: after any sequence of
/// signatures, withdrawals, snapshots and membership changes, every derived
/// figure equals what a from-scratch computation gives.
@Suite struct LiveViewStateTests {
  /// A small deterministic generator, so a failure can be replayed.
  struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
  }

  /// What the view should hold, kept the obvious way.
  struct Model {
    var signers: [String: Set<UInt128>] = [:]
    var versions: [String: Int64] = [:]
    var campaigns: [String: [String]] = [:]

    func check(_ state: ViewState, step: Int) {
      for (campaign, petitions) in campaigns {
        let union = petitions.reduce(into: Set<UInt128>()) { $0.formUnion(signers[$1] ?? []) }
        #expect(state.campaigns[campaign]?.uniqueSupporters == union.count, "campaign \(campaign) at step \(step)")
        #expect(state.campaigns[campaign]?.petitions.sorted() == petitions.sorted(), "step \(step)")
      }
      #expect(Set(state.campaigns.keys) == Set(campaigns.keys), "step \(step)")
      let inCampaigns = Set(campaigns.values.joined())
      #expect(state.petitionsInCampaigns == inCampaigns.count, "step \(step)")
      let grand = inCampaigns.reduce(Int64(0)) { $0 + Int64(signers[$1]?.count ?? 0) }
      #expect(state.grandSignatures == grand, "step \(step)")
      for (petition, keys) in signers {
        #expect(state.petitions[petition]?.supporters == SignerSet(keys), "petition \(petition) at step \(step)")
        #expect(state.petitions[petition]?.count == Int64(keys.count), "step \(step)")
      }
      for (name, entry) in state.petitions {
        #expect(entry.campaigns.sorted() == campaigns.filter { $0.value.contains(name) }.map(\.key).sorted(), "step \(step)")
      }
    }
  }

  @Test func derivedFiguresMatchAFromScratchCount() {
    var random = SplitMix(state: 20_261_121)
    var state = ViewState()
    var model = Model()
    let petitions = (0..<6).map { "petitions/p\($0)" }
    let campaigns = (0..<4).map { "campaigns/c\($0)" }
    let supporters = (0..<50).map { UInt128($0) }
    var campaignVersion: Int64 = 0
    for step in 0..<3_000 {
      let petition = petitions.randomElement(using: &random)!
      let version = (model.versions[petition] ?? 0) + 1
      switch Int.random(in: 0..<100, using: &random) {
      case 0..<45:  // a signature (possibly a repeat)
        let supporter = supporters.randomElement(using: &random)!
        model.signers[petition, default: []].insert(supporter)
        model.versions[petition] = version
        state.apply(
          petition, organization: "organizations/o", count: Int64(model.signers[petition]!.count), version: version,
          lastSignature: Date(), signed: [supporter], withdrawn: [], minutes: [1: 1])
      case 45..<65:  // a withdrawal (possibly of someone who never signed)
        let supporter = supporters.randomElement(using: &random)!
        model.signers[petition, default: []].remove(supporter)
        model.versions[petition] = version
        state.apply(
          petition, organization: "organizations/o", count: Int64(model.signers[petition]!.count), version: version,
          lastSignature: nil, signed: [], withdrawn: [supporter], minutes: [:])
      case 65..<72:  // a whole snapshot entry, as after a reconnect
        let keys = Set(supporters.filter { _ in Bool.random(using: &random) })
        model.signers[petition] = keys
        model.versions[petition] = version
        state.replace(
          petition,
          with: PetitionEntry(organization: "organizations/o", count: Int64(keys.count), version: version, supporters: SignerSet(keys)))
      case 72..<75:  // a complete snapshot that no longer lists one petition
        model.signers[petition] = nil
        model.versions[petition] = nil
        state.removePetitions(notIn: Set(model.signers.keys))
      case 75..<97:  // a campaign's petitions change
        let campaign = campaigns.randomElement(using: &random)!
        let chosen = petitions.filter { _ in Int.random(in: 0..<3, using: &random) == 0 }
        model.campaigns[campaign] = chosen
        campaignVersion += 1
        state.apply(
          campaign: campaign, title: "T", organization: "organizations/o", members: [], petitions: chosen,
          version: campaignVersion, sequence: Int64(campaigns.firstIndex(of: campaign)!))
      default:  // a complete snapshot that no longer lists one campaign
        let campaign = campaigns.randomElement(using: &random)!
        model.campaigns[campaign] = nil
        state.removeCampaigns(notIn: Set(model.campaigns.keys))
      }
      model.check(state, step: step)
    }
  }

  /// After petition-service or campaign-service is restored from a backup
  /// their versions go back: a reconcile's snapshot with lower versions is
  /// ignored (it may be older than the live stream), a new connection's
  /// snapshot is taken as it is.
  @Test func aNewConnectionsSnapshotWinsOverHigherVersions() {
    var state = ViewState()
    state.apply(
      campaign: "campaigns/c", title: "T", organization: "organizations/o", members: [], petitions: ["petitions/p"],
      version: 9, sequence: 1)
    let keys = Set((0..<5).map { UInt128($0) })
    state.replace("petitions/p", with: PetitionEntry(organization: "organizations/o", count: 5, version: 40, supporters: SignerSet(keys)))
    #expect(state.grandSignatures == 5)
    let restored = PetitionEntry(organization: "organizations/o", count: 2, version: 12, supporters: SignerSet(Set(keys.prefix(2))))
    let ignored = state.replace("petitions/p", with: restored)
    #expect(!ignored)
    #expect(state.grandSignatures == 5 && state.petitions["petitions/p"]?.count == 5)
    let taken = state.replace("petitions/p", with: restored, authoritative: true)
    #expect(taken)
    #expect(state.grandSignatures == 2 && state.petitions["petitions/p"]?.count == 2)
    #expect(state.petitions["petitions/p"]?.supporters.count == 2)
    // Then the live stream goes on from the restored version.
    state.apply(
      "petitions/p", organization: "organizations/o", count: 3, version: 13, lastSignature: nil, signed: [UInt128(7)], withdrawn: [],
      minutes: [:])
    #expect(state.grandSignatures == 3)

    func restoreCampaign(authoritative: Bool) -> Bool {
      state.apply(
        campaign: "campaigns/c", title: "T", organization: "organizations/o", members: [], petitions: [], version: 4, sequence: 1,
        authoritative: authoritative)
    }
    #expect(!restoreCampaign(authoritative: false))
    #expect(state.campaigns["campaigns/c"]?.petitions == ["petitions/p"])
    #expect(restoreCampaign(authoritative: true))
    #expect(state.campaigns["campaigns/c"]?.petitions == [])
  }

  @Test func minutesOlderThanADayAreForgotten() {
    var state = ViewState()
    state.apply(
      campaign: "campaigns/c", title: "T", organization: "organizations/o", members: [], petitions: ["petitions/p"],
      version: 1, sequence: 1)
    state.apply(
      "petitions/p", organization: "organizations/o", count: 3, version: 1, lastSignature: Date(), signed: [1, 2, 3],
      withdrawn: [], minutes: [10: 1, 100: 2])
    #expect(state.activePetitions == ["petitions/p"])
    state.dirty = []
    state.pruneMinutes(before: 50)
    #expect(state.petitions["petitions/p"]?.minutes.map(\.minute) == [100])
    #expect(state.dirty == ["campaigns/c"])
    state.pruneMinutes(before: 200)
    #expect(state.activePetitions.isEmpty)
    #expect(state.petitions["petitions/p"]?.count == 3)
  }

  @Test func signerSetsGrowPastTheSmallFormAndBack() {
    var set = SignerSet()
    let inserted = (0..<100).map { set.insert(UInt128($0)) }
    #expect(inserted.allSatisfy { $0 })
    let again = set.insert(5)
    #expect(!again)
    #expect(set.count == 100)
    let removed = (0..<95).map { set.remove(UInt128($0)) }
    #expect(removed.allSatisfy { $0 })
    let removedAgain = set.remove(0)
    #expect(!removedAgain)
    #expect(set == SignerSet([95, 96, 97, 98, 99]))
    #expect(set.subtracting(SignerSet([95, 96])).sorted() == [97, 98, 99])
  }

  /// The compact table against a plain set over random inserts and
  /// removals: ids Groundswell makes (the compact form), ids that differ in
  /// one character (neighbours that crowd the same probe runs), other names
  /// (hashed, kept aside) and the id whose stored parts are all zero.
  @Test(arguments: [UInt64(1), 2, 3])
  func compactKeyTablesAgreeWithASet(seed: UInt64) {
    var random = SplitMix(state: seed)
    let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567")
    func id() -> String { String((0..<16).map { index in alphabet[Int.random(in: 0..<(index == 0 ? 26 : 32), using: &random)] }) }
    let base = id()
    var names = (0..<400).map { _ in "supporters/" + id() }
    names += (0..<200).map { _ in "supporters/" + base.dropLast(2) + String((0..<2).map { _ in alphabet.randomElement(using: &random)! }) }
    names += ["supporters/aaaaaaaaaaaaaaaa", "supporters/legacy-7", "someone@else", "supporters/abc"]
    let keys = names.map(SupporterKey.of)
    #expect(Set(keys).count == Set(names).count, "distinct names give distinct keys")

    var table = CompactKeyTable()
    var model = Set<UInt128>()
    for step in 0..<6_000 {
      let key = keys.randomElement(using: &random)!
      if Int.random(in: 0..<3, using: &random) == 0 {
        #expect(table.remove(key) == (model.remove(key) != nil), "step \(step)")
      } else {
        #expect(table.insert(key) == model.insert(key).inserted, "step \(step)")
      }
      if step % 500 == 0 || step == 5_999 {
        #expect(table.count == model.count, "step \(step)")
        #expect(Set(table) == model, "step \(step)")
        #expect(keys.allSatisfy { table.contains($0) == model.contains($0) }, "step \(step)")
      }
    }
    var signers = SignerSet()
    for key in keys { signers.insert(key) }
    #expect(signers == SignerSet(keys) && signers.count == Set(keys).count)
  }

  @Test func recentMinutesKeepOrderMergeAndPrune() {
    var minutes = RecentMinutes([30: 2, 10: 1, 20: 0])
    #expect(minutes.map(\.minute) == [10, 30])
    minutes.merge([20: 4, 10: 0])
    #expect(minutes.map(\.minute) == [20, 30])
    var sums = [Int64](repeating: 0, count: 5)
    minutes.add(into: &sums, from: 18)
    #expect(sums == [0, 0, 4, 0, 0])
    #expect(minutes.sum(15...30) == 6)
    #expect(minutes.sum(21...29) == 0)
    let pruned = minutes.prune(before: 25)
    let prunedAgain = minutes.prune(before: 25)
    #expect(pruned && !prunedAgain)
    #expect(minutes.map(\.count) == [2])
  }
}
