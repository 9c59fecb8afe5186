import ArgumentParser
import GroundswellAPI
import GroundswellRuntime

struct Totals: AsyncParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Show signature totals per campaign and the grand total.")

  @OptionGroup var gateway: GatewayOptions

  @Option(name: .long, help: "Only this campaign, campaigns/{id}.")
  var campaign: String?

  func run() async throws {
    let (rows, grand) = try await gateway.withClient { client in
      let service = Groundswell_Gateway_V1_GatewayService.Client(wrapping: client)
      let metadata = bearer(gateway.key)
      if let campaign {
        let totals = try await service.getCampaignTotals(.with { $0.campaign = campaign }, metadata: metadata, options: gateway.callOptions)
        return ([totals.totals], Groundswell_Gateway_V1_GetGrandTotalResponse?.none)
      }
      var rows: [Groundswell_Gateway_V1_CampaignTotals] = []
      var token = ""
      repeat {
        let page = try await service.listCampaignTotals(
          .with {
            $0.pageSize = 100
            $0.pageToken = token
          }, metadata: metadata, options: gateway.callOptions)
        rows += page.totals
        token = page.nextPageToken
      } while !token.isEmpty
      let grand = try await service.getGrandTotal(.init(), metadata: metadata, options: gateway.callOptions)
      return (rows, grand)
    }
    if gateway.format == .json {
      for row in rows { print(GatewayOptions.json(row)) }
      if let grand { print(GatewayOptions.json(grand)) }
      return
    }
    var table = rows.map {
      [$0.campaign, String($0.title.prefix(50)), "\($0.petitionCount)", $0.signatureCount.formatted(),
       $0.uniqueSupporterCount.formatted(), $0.signaturesFreshness.stale || $0.membershipFreshness.stale ? "STALE" : ""]
    }
    if let grand {
      table.append([
        "ALL CAMPAIGNS", "\(grand.campaignCount) campaigns", "\(grand.petitionCount)", grand.signatureCount.formatted(), "",
        grand.signaturesFreshness.stale || grand.membershipFreshness.stale ? "STALE" : "",
      ])
    }
    print(Table.render(header: ["CAMPAIGN", "TITLE", "PETITIONS", "SIGNATURES", "SUPPORTERS", ""], rows: table, rightAligned: [2, 3, 4]))
  }
}

/// A plain text table with aligned columns.
enum Table {
  static func render(header: [String], rows: [[String]], rightAligned: Set<Int> = []) -> String {
    let all = [header] + rows
    let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
    return all.map { row in
      row.enumerated().map { column, cell in
        let pad = String(repeating: " ", count: widths[column] - cell.count)
        return rightAligned.contains(column) ? pad + cell : cell + pad
      }.joined(separator: "  ").trimmingTrailingSpaces()
    }.joined(separator: "\n")
  }
}

extension String {
  func trimmingTrailingSpaces() -> String {
    var result = self
    while result.hasSuffix(" ") { result.removeLast() }
    return result
  }
}
