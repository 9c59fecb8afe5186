import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime
import SwiftProtobuf

/// The handlers of `GatewayService`: every figure comes from the live view,
/// except signature history, which petition-service keeps durably.
public struct TotalsHandlers: Sendable {
  let view: LiveView
  let updates: TotalsUpdates
  let history: Groundswell_Petition_V1_PetitionFeedService.Client<HTTP2ClientTransport.Posix>
  /// Watches count against the same limits as `WatchSignatureCounts`.
  let limiter: StreamLimiter
  let caps: SignatureCountWatches.WatchCaps
  /// Whether organizations and campaigns the view does not know exist.
  let directory: any TenantDirectory

  /// How long a call waits for the view to hear of a campaign that
  /// campaign-service has, before answering UNAVAILABLE with RetryInfo.
  static let settle = Duration.seconds(2)

  /// How often watchers are sent what changed: at most four updates a
  /// second per campaign.
  static let watchInterval = Duration.milliseconds(250)
  static let initialChunk = 500
}

extension TotalsHandlers: Groundswell_Gateway_V1_GatewayService.SimpleServiceProtocol {
  public func getCampaignTotals(
    request: Groundswell_Gateway_V1_GetCampaignTotalsRequest, context: ServerContext
  ) async throws -> Groundswell_Gateway_V1_GetCampaignTotalsResponse {
    var validator = Validator()
    validator.name("campaign", request.campaign, collection: "campaigns")
    try validator.check()
    try view.requireLoaded()
    let totals = try await fromView(request.campaign) {
      view.campaignTotals(request.campaign, recentMinutes: request.includeRecentMinutes, now: Date())
    }
    return .with { $0.totals = totals }
  }

  public func listCampaignTotals(
    request: Groundswell_Gateway_V1_ListCampaignTotalsRequest, context: ServerContext
  ) async throws -> Groundswell_Gateway_V1_ListCampaignTotalsResponse {
    var validator = Validator()
    let page = PageRequest.parse(size: request.pageSize, token: request.pageToken, query: "campaign-totals", into: &validator)
    try validator.check()
    try view.requireLoaded()
    let (totals, next) = view.page(
      after: page.after, size: page.size, recentMinutes: request.includeRecentMinutes, now: Date())
    return .with {
      $0.totals = totals
      $0.nextPageToken = PageToken.next(lastPosition: next, hasMore: next != nil, query: "campaign-totals")
    }
  }

  public func getGrandTotal(
    request: Groundswell_Gateway_V1_GetGrandTotalRequest, context: ServerContext
  ) async throws -> Groundswell_Gateway_V1_GetGrandTotalResponse {
    try view.requireLoaded()
    return view.grandTotal(now: Date())
  }

  public func getOrganizationTotals(
    request: Groundswell_Gateway_V1_GetOrganizationTotalsRequest, context: ServerContext
  ) async throws -> Groundswell_Gateway_V1_GetOrganizationTotalsResponse {
    var validator = Validator()
    validator.name("organization", request.organization, collection: "organizations")
    try validator.check()
    try view.requireLoaded()
    guard try await directory.organizationExists(request.organization) else {
      throw DomainError.notFound("Organization `\(request.organization)` was not found.")
    }
    return .with { $0.totals = view.organizationTotals(request.organization, now: Date()) }
  }

  public func listTrending(
    request: Groundswell_Gateway_V1_ListTrendingRequest, context: ServerContext
  ) async throws -> Groundswell_Gateway_V1_ListTrendingResponse {
    var validator = Validator()
    let minutes: Int64? = switch request.window {
    case .lastHour: 60
    case .lastDay: 1_440
    default: nil
    }
    if minutes == nil { validator.add("window", "window must be LAST_HOUR or LAST_DAY.") }
    if request.limit < 0 || request.limit > 100 { validator.add("limit", "limit must be between 0 and 100 (0 means 10).") }
    try validator.check()
    try view.requireLoaded()
    return view.trending(minutes: minutes!, limit: request.limit == 0 ? 10 : Int(request.limit), now: Date())
  }

  public func watchCampaignTotals(
    request: Groundswell_Gateway_V1_WatchCampaignTotalsRequest,
    response: RPCWriter<Groundswell_Gateway_V1_WatchCampaignTotalsResponse>,
    context: ServerContext
  ) async throws {
    try await limiter.run(SignatureCountWatches.limits(for: CallContext.current, connection: context.remotePeer, caps: caps)) {
      try await watch(request, response: response)
    }
  }

  private func watch(
    _ request: Groundswell_Gateway_V1_WatchCampaignTotalsRequest,
    response: RPCWriter<Groundswell_Gateway_V1_WatchCampaignTotalsResponse>
  ) async throws {
    var validator = Validator()
    _ = validator.names("campaigns", request.campaigns, collection: "campaigns")
    try validator.check()
    try view.requireLoaded()
    let all = request.campaigns.isEmpty
    // Subscribe before reading the current totals, so no change falls between.
    let subscription = updates.subscribe(to: all ? nil : Set(request.campaigns))
    defer { subscription.cancel() }
    let names = all ? view.campaignNames() : request.campaigns
    var initial = view.campaignTotals(names, recentMinutes: request.includeRecentMinutes, now: Date())
    if !all {
      let missing = Set(request.campaigns).subtracting(initial.map(\.campaign))
      for name in missing.sorted() {
        _ = try await fromView(name) { view.campaignTotals(name, recentMinutes: false, now: Date()) }
      }
      if !missing.isEmpty { initial = view.campaignTotals(names, recentMinutes: request.includeRecentMinutes, now: Date()) }
    }
    try await withRPCCancellationHandler {
      var start = 0
      repeat {
        let chunk = Array(initial[start..<min(start + Self.initialChunk, initial.count)])
        start += Self.initialChunk
        try await response.write(message(chunk, all: all, initialComplete: start >= initial.count))
      } while start < initial.count
      try await subscription.deliver(every: Self.watchInterval) { pending, _ in
        let totals = pending.map { update in
          var totals = update.totals
          if !request.includeRecentMinutes { totals.recentMinutes = [] }
          return totals
        }
        try await response.write(message(totals, all: all, initialComplete: false))
      }
    } onCancelRPC: {
      subscription.cancel()
    }
  }

  /// What the view says about a campaign. One it has not heard of yet but
  /// campaign-service has (created moments ago) is waited for, up to
  /// `settle`, then UNAVAILABLE with RetryInfo; NOT_FOUND only for a campaign
  /// that does not exist.
  func fromView<T>(_ campaign: String, _ read: () -> T?) async throws -> T {
    if let value = read() { return value }
    guard try await directory.campaignExists(campaign) else {
      throw DomainError.notFound("Campaign `\(campaign)` was not found.")
    }
    let deadline = ContinuousClock.now + Self.settle
    while ContinuousClock.now < deadline {
      try await Task.sleep(for: .milliseconds(20))
      if let value = read() { return value }
    }
    throw DomainError.notReadyYet(
      "Campaign `\(campaign)` exists but its totals are not ready yet; retry after the delay in the RetryInfo detail.",
      retryAfterMilliseconds: 1_000)
  }

  private func message(
    _ totals: [Groundswell_Gateway_V1_CampaignTotals], all: Bool, initialComplete: Bool
  ) -> Groundswell_Gateway_V1_WatchCampaignTotalsResponse {
    .with {
      $0.totals = totals
      $0.initialComplete = initialComplete
      if all { $0.grandTotal = view.grandTotal(now: Date()) }
    }
  }

  public func getSignatureHistory(
    request: Groundswell_Gateway_V1_GetSignatureHistoryRequest, context: ServerContext
  ) async throws -> Groundswell_Gateway_V1_GetSignatureHistoryResponse {
    var validator = Validator()
    let isCampaign = request.name.hasPrefix("campaigns/")
    validator.name("name", request.name, collection: isCampaign ? "campaigns" : "petitions")
    let checked = HistoryRange(
      validating: &validator, granularity: request.granularity.rawValue,
      start: request.hasStartTime ? request.startTime : nil, end: request.hasEndTime ? request.endTime : nil)
    try validator.check()
    let range = checked!  // nil only with a violation, which check() threw
    try view.requireLoaded()
    let petitions: [String]
    if isCampaign {
      guard let held = view.petitions(ofCampaign: request.name) else {
        throw DomainError.notFound("Campaign `\(request.name)` was not found.")
      }
      petitions = held
    } else {
      guard view.withState({ $0.petitions[request.name]?.listed ?? false }) else {
        throw DomainError.notFound("Petition `\(request.name)` was not found.")
      }
      petitions = [request.name]
    }
    let starts = range.bucketStarts
    var sums = [Int64](repeating: 0, count: starts.count)
    for chunk in stride(from: 0, to: petitions.count, by: Limits.batchSize).map({ Array(petitions[$0..<min($0 + Limits.batchSize, petitions.count)]) }) {
      let answer = try await callingBackend(ServiceName.petition, consequence: "no history could be read.") {
        try await history.getSignatureHistory(
          .with {
            $0.petitions = chunk
            $0.granularity = .init(rawValue: request.granularity.rawValue) ?? .unspecified
            $0.startTime = Google_Protobuf_Timestamp(seconds: range.firstBucket, nanos: 0)
            $0.endTime = Google_Protobuf_Timestamp(seconds: range.endSeconds, nanos: 0)
          }, options: CallContext.current.callOptions())
      }
      for (index, bucket) in answer.buckets.enumerated() where index < sums.count {
        sums[index] += bucket.signatureCount
      }
    }
    return .with {
      $0.buckets = zip(starts, sums).map { start, count in
        .with {
          $0.startTime = Google_Protobuf_Timestamp(seconds: start, nanos: 0)
          $0.signatureCount = count
        }
      }
      $0.computeTime = Google_Protobuf_Timestamp(clamping: Date())
    }
  }
}

/// One campaign's new totals, for watchers; a newer one replaces it.
struct TotalsUpdate: Coalescing {
  var totals: Groundswell_Gateway_V1_CampaignTotals
  var key: String { totals.campaign }
  mutating func absorb(_ newer: TotalsUpdate) { self = newer }
}

typealias TotalsUpdates = CoalescingBroadcaster<TotalsUpdate>
