import ArgumentParser
import Foundation
import GroundswellAPI
import GroundswellRuntime

/// A live terminal view of campaign totals, redrawn in place from
/// `WatchCampaignTotals`, with each campaign's last hour as a sparkline.
struct Dashboard: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Watch campaign totals live in the terminal (Ctrl-C to stop).",
    discussion: "Shows the campaigns with the most signatures, each with a sparkline of signatures per minute over the last hour, and marks figures the gateway reports as stale.")

  @OptionGroup var gateway: GatewayOptions

  @Option(name: .long, help: "Watch only these campaigns, campaigns/{id}; repeat for more. Default: every campaign.")
  var campaign: [String] = []

  @Option(name: .long, help: "How many campaigns to show.")
  var rows = 20

  @Flag(name: .long, help: "Print one frame once the current totals arrived, then exit (for scripts).")
  var once = false

  func run() async throws {
    let campaigns = campaign
    let rows = rows
    let once = once
    try await gateway.withClient { client in
      let service = Groundswell_Gateway_V1_GatewayService.Client(wrapping: client)
      try await service.watchCampaignTotals(
        .with {
          $0.campaigns = campaigns
          $0.includeRecentMinutes = true
        }, metadata: bearer(gateway.key)
      ) { response in
        var latest: [String: Groundswell_Gateway_V1_CampaignTotals] = [:]
        var grand: Groundswell_Gateway_V1_GetGrandTotalResponse?
        var ready = false
        for try await message in response.messages {
          for totals in message.totals { latest[totals.campaign] = totals }
          if message.hasGrandTotal { grand = message.grandTotal }
          ready = ready || message.initialComplete
          guard ready else { continue }
          let frame = Self.frame(latest: latest, grand: grand, rows: rows, now: Date())
          print(once ? frame : "\u{1B}[H\u{1B}[2J" + frame)
          if once { return }
        }
      }
    }
  }

  static let bars = Array("▁▂▃▄▅▆▇█")

  /// Signatures per minute as block characters, scaled to the largest minute.
  static func sparkline(_ minutes: [Int64]) -> String {
    let top = max(minutes.max() ?? 0, 1)
    return String(minutes.map { $0 == 0 ? " " : bars[min(Int((Double($0) / Double(top)) * 7.999), 7)] })
  }

  static func frame(
    latest: [String: Groundswell_Gateway_V1_CampaignTotals], grand: Groundswell_Gateway_V1_GetGrandTotalResponse?,
    rows: Int, now: Date
  ) -> String {
    let shown = latest.values.sorted {
      $0.signatureCount != $1.signatureCount ? $0.signatureCount > $1.signatureCount : $0.campaign < $1.campaign
    }.prefix(rows)
    var lines = ["Groundswell — live campaign totals    \(now.formatted(date: .omitted, time: .standard))"]
    if let grand {
      lines.append(
        "\(grand.signatureCount.formatted()) signatures · \(grand.campaignCount) campaigns · \(grand.petitionCount) petitions"
          + (grand.signaturesFreshness.stale ? "   STALE: \(grand.signaturesFreshness.staleReason)" : "")
          + (grand.membershipFreshness.stale ? "   STALE: \(grand.membershipFreshness.staleReason)" : ""))
    }
    lines.append("")
    let table = shown.map { totals -> [String] in
      let stale = totals.signaturesFreshness.stale || totals.membershipFreshness.stale
      return [
        String(totals.title.prefix(40)), totals.signatureCount.formatted(), totals.uniqueSupporterCount.formatted(),
        totals.recentMinutes.reduce(0, +).formatted(), sparkline(totals.recentMinutes), stale ? "STALE" : "",
      ]
    }
    lines.append(
      Table.render(
        header: ["CAMPAIGN", "SIGNATURES", "SUPPORTERS", "LAST HOUR", "PER MINUTE, LAST 60", ""], rows: table,
        rightAligned: [1, 2, 3]))
    if latest.count > shown.count { lines.append("… and \(latest.count - shown.count) more campaigns") }
    return lines.joined(separator: "\n")
  }
}
