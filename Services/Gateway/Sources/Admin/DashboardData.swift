import Foundation
import GroundswellAPI

/// What `/dashboard/data` returns and the HTML dashboard draws.
struct DashboardData: Encodable {
  struct Campaign: Encodable {
    var name: String
    var title: String
    var signatures: Int64
    var uniqueSupporters: Int64
    var petitions: Int32
    var organizations: Int32
    var lastHour: Int64
  }

  struct Feed: Encodable {
    var service: String
    var asOf: Date?
    var stale: Bool
    var reason: String
  }

  var computedAt: Date
  var signatures: Int64
  var campaignCount: Int32
  var petitionCount: Int32
  var feeds: [Feed]
  var campaigns: [Campaign]
  /// Signatures per minute over the last day, oldest first (1,440 values).
  var lastDay: [Int64]
  /// The start of the first minute of `lastDay`.
  var lastDayStart: Date

  static let campaignLimit = 20

  init(view: LiveView, now: Date) {
    let grand = view.grandTotal(now: now)
    computedAt = now
    signatures = grand.signatureCount
    campaignCount = grand.campaignCount
    petitionCount = grand.petitionCount
    feeds = [("petition-service", grand.signaturesFreshness), ("campaign-service", grand.membershipFreshness)].map { service, freshness in
      Feed(
        service: service, asOf: freshness.hasAsOfTime ? freshness.asOfTime.date : nil, stale: freshness.stale,
        reason: freshness.staleReason)
    }
    campaigns = view.topCampaigns(limit: Self.campaignLimit, now: now).map {
      Campaign(
        name: $0.campaign, title: $0.title, signatures: $0.signatureCount, uniqueSupporters: $0.uniqueSupporterCount,
        petitions: $0.petitionCount, organizations: $0.organizationCount, lastHour: $0.recentMinutes.reduce(0, +))
    }
    lastDay = view.recentMinutes(now: now, count: 1_440)
    let minute = (now.timeIntervalSince1970 / 60).rounded(.down)
    lastDayStart = Date(timeIntervalSince1970: (minute - 1_439) * 60)
  }

  func encoded() throws -> Data {
    let encoder = JSONEncoder()
    encoder.dateEncodingStrategy = .iso8601
    return try encoder.encode(self)
  }
}
