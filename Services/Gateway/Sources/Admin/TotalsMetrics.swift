import Foundation
import GroundswellAPI

/// Renders the gateway's part of `/metrics`: the live view's totals as
/// gauges, read at scrape time. Per-campaign gauges cover the
/// `campaignLimit` campaigns with the most signatures, so the label set
/// stays bounded however many campaigns there are; campaigns are labelled
/// by name only (titles are unbounded text and change).
struct TotalsMetrics: Sendable {
  static let campaignLimit = 50

  let view: LiveView
  let updates: TotalsUpdates

  func render(now: Date) -> String {
    var text = ""
    func gauge(_ name: String, _ help: String, _ samples: [(labels: String, value: String)]) {
      text += "# HELP \(name) \(help)\n# TYPE \(name) gauge\n"
      for sample in samples { text += "\(name)\(sample.labels) \(sample.value)\n" }
    }
    let grand = view.grandTotal(now: now)
    gauge("groundswell_signatures", "Signatures on petitions in at least one campaign (each petition once).", [("", "\(grand.signatureCount)")])
    gauge("groundswell_campaigns", "Campaigns.", [("", "\(grand.campaignCount)")])
    gauge("groundswell_campaign_petitions", "Distinct petitions in at least one campaign.", [("", "\(grand.petitionCount)")])
    let top = view.topCampaigns(limit: Self.campaignLimit, now: now)
    func label(_ totals: Groundswell_Gateway_V1_CampaignTotals) -> String {
      "{campaign=\"\(escape(totals.campaign))\"}"
    }
    gauge(
      "groundswell_campaign_signatures", "Signatures per campaign, for the \(Self.campaignLimit) campaigns with the most.",
      top.map { (label($0), "\($0.signatureCount)") })
    gauge(
      "groundswell_campaign_unique_supporters", "Different supporters per campaign, for the same campaigns.",
      top.map { (label($0), "\($0.uniqueSupporterCount)") })
    gauge(
      "groundswell_campaign_signatures_last_hour", "Signatures in the last 60 minutes per campaign, for the same campaigns.",
      top.map { (label($0), "\($0.recentMinutes.reduce(0, +))") })
    let feeds = [(grand.signaturesFreshness, "petition-service"), (grand.membershipFreshness, "campaign-service")]
    gauge("groundswell_feed_stale", "1 while the figures from a feed are stale.", feeds.map { ("{feed=\"\($1)\"}", $0.stale ? "1" : "0") })
    gauge(
      "groundswell_feed_age_seconds", "Seconds since a feed last confirmed its figures.",
      feeds.map { ("{feed=\"\($1)\"}", $0.hasAsOfTime ? String(format: "%.3f", now.timeIntervalSince($0.asOfTime.date)) : "NaN") })
    gauge("groundswell_watch_streams", "Open WatchCampaignTotals streams.", [("", "\(updates.subscriberCount)")])
    text += "# HELP groundswell_view_repairs_total Figures a reconcile found newer than the live view (lost updates repaired).\n"
    text += "# TYPE groundswell_view_repairs_total counter\n"
    text += "groundswell_view_repairs_total \(view.withState { $0.repairs })\n"
    return text
  }

  private func escape(_ value: String) -> String {
    value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
      .replacingOccurrences(of: "\n", with: "\\n")
  }
}
