import Foundation
import GRPCCore
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime
import SwiftProtobuf

/// The handlers of `GatewayService`: totals computed by fanning out batched
/// calls to the services that own campaigns and counts.
public struct TotalsHandlers: Sendable {
  let source: any TotalsSource

  public init(source: any TotalsSource) {
    self.source = source
  }

  func totals(of campaigns: [Groundswell_Campaign_V1_Campaign]) async throws -> [Groundswell_Gateway_V1_CampaignTotals] {
    let petitions = Array(Set(campaigns.flatMap(\.petitions)))
    let counts = try await guarded { try await source.counts(of: petitions) }
    let now = Google_Protobuf_Timestamp(date: Date())
    return campaigns.map { campaign in
      .with {
        $0.campaign = campaign.name
        $0.title = campaign.title
        $0.petitionCount = Int32(campaign.petitions.count)
        $0.signatureCount = campaign.petitions.reduce(0) { $0 + (counts[$1] ?? 0) }
        $0.computeTime = now
      }
    }
  }

  /// Turns a backend that cannot be reached into UNAVAILABLE with a message
  /// that says so, rather than a bare transport error.
  func guarded<T>(_ body: () async throws -> T) async throws -> T {
    try await callingBackend("A backend service", consequence: "no totals could be computed.", body)
  }
}

extension TotalsHandlers: Groundswell_Gateway_V1_GatewayService.SimpleServiceProtocol {
  public func getCampaignTotals(
    request: Groundswell_Gateway_V1_GetCampaignTotalsRequest, context: ServerContext
  ) async throws -> Groundswell_Gateway_V1_GetCampaignTotalsResponse {
    var validator = Validator()
    validator.name("campaign", request.campaign, collection: "campaigns")
    try validator.check()
    guard let campaign = try await guarded({ try await source.campaign(named: request.campaign) }) else {
      throw DomainError.notFound("Campaign `\(request.campaign)` was not found.")
    }
    let totals = try await totals(of: [campaign])
    return .with { $0.totals = totals[0] }
  }

  public func listCampaignTotals(
    request: Groundswell_Gateway_V1_ListCampaignTotalsRequest, context: ServerContext
  ) async throws -> Groundswell_Gateway_V1_ListCampaignTotalsResponse {
    var validator = Validator()
    if request.pageSize < 0 { validator.add("page_size", "page_size must not be negative.") }
    try validator.check()
    let page: (campaigns: [Groundswell_Campaign_V1_Campaign], nextPageToken: String)
    do {
      page = try await guarded { try await source.campaigns(pageSize: request.pageSize, pageToken: request.pageToken) }
    } catch let error as RPCError where error.code == .invalidArgument {
      throw DomainError.invalidArgument([FieldViolation(field: "page_token", description: error.message)])
    }
    let totals = try await totals(of: page.campaigns)
    return .with {
      $0.totals = totals
      $0.nextPageToken = page.nextPageToken
    }
  }

  public func getGrandTotal(
    request: Groundswell_Gateway_V1_GetGrandTotalRequest, context: ServerContext
  ) async throws -> Groundswell_Gateway_V1_GetGrandTotalResponse {
    var petitions = Set<String>()
    var campaignCount = 0
    var token = ""
    repeat {
      let page = try await guarded { try await source.campaigns(pageSize: Int32(PageRequest.maximumSize), pageToken: token) }
      campaignCount += page.campaigns.count
      for campaign in page.campaigns { petitions.formUnion(campaign.petitions) }
      token = page.nextPageToken
      try Task.checkCancellation()
    } while !token.isEmpty
    let counts = try await guarded { try await source.counts(of: Array(petitions)) }
    return .with {
      $0.signatureCount = counts.values.reduce(0, +)
      $0.campaignCount = Int32(campaignCount)
      $0.petitionCount = Int32(petitions.count)
      $0.computeTime = Google_Protobuf_Timestamp(date: Date())
    }
  }
}
