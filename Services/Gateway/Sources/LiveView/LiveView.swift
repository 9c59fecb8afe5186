import Foundation
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime
import SwiftProtobuf
import Synchronization

/// The gateway's live, in-memory view of signature totals across campaigns:
/// campaign → petitions and organizations (from campaign-service's feed) and
/// petition → counts and signers (from petition-service's feed). Every read
/// answers from memory under one short lock.
final class LiveView: Sendable {
  struct Inner: Sendable {
    var state = ViewState()
    var signatures = SourceStatus(service: ServiceName.petition)
    var membership = SourceStatus(service: ServiceName.campaign)
    /// Whether each feed was fresh when watchers were last told.
    var toldFresh = (signatures: false, membership: false)
  }

  enum Source: Sendable { case signatures, membership }

  let inner = Mutex(Inner())

  func withState<T>(_ body: (inout ViewState) throws -> T) rethrows -> T {
    try inner.withLock { try body(&$0.state) }
  }

  // MARK: feed status

  private static func status(_ source: Source) -> WritableKeyPath<Inner, SourceStatus> {
    source == .signatures ? \.signatures : \.membership
  }

  func heard(_ source: Source, asOf: Date) {
    inner.withLock { inner in
      inner[keyPath: Self.status(source)].asOf = asOf
      inner[keyPath: Self.status(source)].synced = true
      inner[keyPath: Self.status(source)].failure = nil
    }
  }

  func lost(_ source: Source, failure: String) {
    inner.withLock { inner in
      inner[keyPath: Self.status(source)].failure = failure
      inner[keyPath: Self.status(source)].synced = false
    }
  }

  /// Whether both feeds have delivered a snapshot once.
  var isLoaded: Bool {
    inner.withLock { $0.signatures.asOf != nil && $0.membership.asOf != nil }
  }

  /// Throws UNAVAILABLE until both feeds have delivered a snapshot once.
  func requireLoaded() throws {
    let missing = inner.withLock { inner in
      [inner.signatures, inner.membership].first { $0.asOf == nil }
    }
    if let missing {
      let why = missing.failure.map { " (\($0))" } ?? ""
      throw DomainError.unavailable(
        "The gateway has not loaded its totals yet: \(missing.service) has not answered since the gateway started\(why). Retry shortly.")
    }
  }

  /// The campaigns whose totals changed since the last call: every campaign
  /// when a feed went stale or recovered.
  func takeChanges(now: Date) -> [String] {
    inner.withLock { inner in
      let fresh = (inner.signatures.isFresh(at: now), inner.membership.isFresh(at: now))
      let all = fresh != inner.toldFresh
      inner.toldFresh = fresh
      defer { inner.state.dirty = [] }
      return all ? inner.state.order.map(\.name) : Array(inner.state.dirty)
    }
  }

  // MARK: reads

  func campaignTotals(_ name: String, recentMinutes: Bool, now: Date) -> Groundswell_Gateway_V1_CampaignTotals? {
    inner.withLock { $0.totals(of: name, recentMinutes: recentMinutes, now: now) }
  }

  func campaignTotals(_ names: [String], recentMinutes: Bool, now: Date) -> [Groundswell_Gateway_V1_CampaignTotals] {
    inner.withLock { inner in names.compactMap { inner.totals(of: $0, recentMinutes: recentMinutes, now: now) } }
  }

  /// Up to `size` campaigns created after `sequence`, and the sequence to
  /// continue from when there are more.
  func page(after sequence: Int64, size: Int, recentMinutes: Bool, now: Date) -> (totals: [Groundswell_Gateway_V1_CampaignTotals], next: Int64?) {
    inner.withLock { inner in
      let order = inner.state.order
      var low = 0
      var high = order.count
      while low < high {
        let middle = (low + high) / 2
        if order[middle].sequence <= sequence { low = middle + 1 } else { high = middle }
      }
      let slice = order[low..<min(low + size, order.count)]
      let totals = slice.compactMap { inner.totals(of: $0.name, recentMinutes: recentMinutes, now: now) }
      return (totals, low + size < order.count ? slice.last?.sequence : nil)
    }
  }

  /// Every campaign name, in creation order.
  func campaignNames() -> [String] {
    inner.withLock { $0.state.order.map(\.name) }
  }

  /// A campaign's petitions that petition-service lists (not removed ones).
  func petitions(ofCampaign name: String) -> [String]? {
    inner.withLock { inner in
      inner.state.campaigns[name]?.petitions.filter { inner.state.petitions[$0]?.listed ?? false }
    }
  }

  func grandTotal(now: Date) -> Groundswell_Gateway_V1_GetGrandTotalResponse {
    inner.withLock { inner in
      .with {
        $0.signatureCount = inner.state.grandSignatures
        $0.campaignCount = Int32(inner.state.campaigns.count)
        $0.petitionCount = Int32(inner.state.petitionsInCampaigns)
        $0.computeTime = Google_Protobuf_Timestamp(clamping: now)
        $0.signaturesFreshness = inner.signatures.freshness(at: now)
        $0.membershipFreshness = inner.membership.freshness(at: now)
      }
    }
  }

  /// Totals over the campaigns an organization created or belongs to. The
  /// union of their signers is computed here, in time proportional to them.
  func organizationTotals(_ organization: String, now: Date) -> Groundswell_Gateway_V1_OrganizationTotals {
    inner.withLock { inner in
      let state = inner.state
      let campaigns = state.campaignsOfOrganization[organization] ?? []
      var petitions = Set<String>()
      for campaign in campaigns { petitions.formUnion(state.campaigns[campaign]?.petitions ?? []) }
      var signers = Set<UInt128>()
      var signatures: Int64 = 0
      var last: Date?
      for petition in petitions {
        guard let entry = state.petitions[petition] else { continue }
        signatures += entry.count
        signers.formUnion(entry.supporters)
        if let time = entry.lastSignature, time > last ?? .distantPast { last = time }
      }
      return .with {
        $0.organization = organization
        $0.campaignCount = Int32(campaigns.count)
        $0.petitionCount = Int32(petitions.count)
        $0.signatureCount = signatures
        $0.uniqueSupporterCount = Int64(signers.count)
        if let last { $0.lastSignatureTime = Google_Protobuf_Timestamp(clamping: last) }
        $0.computeTime = Google_Protobuf_Timestamp(clamping: now)
        $0.signaturesFreshness = inner.signatures.freshness(at: now)
        $0.membershipFreshness = inner.membership.freshness(at: now)
      }
    }
  }

  /// Campaigns and petitions by signatures in the last `minutes` minutes.
  func trending(minutes: Int64, limit: Int, now: Date) -> Groundswell_Gateway_V1_ListTrendingResponse {
    let current = Int64(now.timeIntervalSince1970) / 60
    return inner.withLock { inner in
      let state = inner.state
      var petitionSums: [String: Int64] = [:]
      var campaignSums: [String: Int64] = [:]
      for name in state.activePetitions {
        let sum = state.petitions[name]!.minutes.sum(current - minutes + 1...current)
        guard sum > 0 else { continue }
        petitionSums[name] = sum
        for campaign in state.petitions[name]!.campaigns { campaignSums[campaign, default: 0] += sum }
      }
      func top(_ sums: [String: Int64]) -> [(String, Int64)] {
        Array(sums.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(limit))
      }
      return .with {
        $0.campaigns = top(campaignSums).map { name, count in
          .with {
            $0.name = name
            $0.title = state.campaigns[name]?.title ?? ""
            $0.signatureCount = count
          }
        }
        $0.petitions = top(petitionSums).map { name, count in
          .with {
            $0.name = name
            $0.signatureCount = count
          }
        }
        $0.computeTime = Google_Protobuf_Timestamp(clamping: now)
        $0.signaturesFreshness = inner.signatures.freshness(at: now)
      }
    }
  }

  /// Signatures per minute over the last hour across every campaign's
  /// petitions (a petition in two campaigns counts once), oldest first.
  func recentMinutes(now: Date, count: Int = 60) -> [Int64] {
    let current = Int64(now.timeIntervalSince1970) / 60
    return inner.withLock { inner in
      var sums = [Int64](repeating: 0, count: count)
      for name in inner.state.activePetitions {
        let entry = inner.state.petitions[name]!
        if !entry.campaigns.isEmpty { entry.minutes.add(into: &sums, from: current - Int64(count) + 1) }
      }
      return sums
    }
  }
}

extension LiveView.Inner {
  func totals(of name: String, recentMinutes: Bool, now: Date) -> Groundswell_Gateway_V1_CampaignTotals? {
    guard let campaign = state.campaigns[name] else { return nil }
    var signatures: Int64 = 0
    var last: Date?
    for petition in campaign.petitions {
      guard let entry = state.petitions[petition] else { continue }
      signatures += entry.count
      if let time = entry.lastSignature, time > last ?? .distantPast { last = time }
    }
    return .with {
      $0.campaign = name
      $0.title = campaign.title
      $0.organization = campaign.organization
      $0.signatureCount = signatures
      $0.petitionCount = Int32(campaign.petitions.count)
      $0.uniqueSupporterCount = Int64(campaign.uniqueSupporters)
      $0.organizationCount = Int32(campaign.members.count)
      if let last { $0.lastSignatureTime = Google_Protobuf_Timestamp(clamping: last) }
      $0.computeTime = Google_Protobuf_Timestamp(clamping: now)
      $0.signaturesFreshness = self.signatures.freshness(at: now)
      $0.membershipFreshness = membership.freshness(at: now)
      if recentMinutes {
        let current = Int64(now.timeIntervalSince1970) / 60
        var sums = [Int64](repeating: 0, count: 60)
        for petition in campaign.petitions { state.petitions[petition]?.minutes.add(into: &sums, from: current - 59) }
        $0.recentMinutes = sums
      }
    }
  }
}

extension LiveView {
  /// The `limit` campaigns with the most signatures (ties by name), with
  /// their last hour per minute.
  func topCampaigns(limit: Int, now: Date) -> [Groundswell_Gateway_V1_CampaignTotals] {
    inner.withLock { inner in
      let state = inner.state
      let sums = state.campaigns.map { name, campaign in
        (name, campaign.petitions.reduce(Int64(0)) { $0 + (state.petitions[$1]?.count ?? 0) })
      }
      let top = sums.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.prefix(limit)
      return top.compactMap { inner.totals(of: $0.0, recentMinutes: true, now: now) }
    }
  }
}
