import GRPCCore
import GRPCNIOTransportHTTP2
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime

/// Where the gateway reads campaigns and counts from to compute totals.
public protocol TotalsSource: Sendable {
  /// One campaign; nil when it does not exist.
  func campaign(named name: String) async throws -> Groundswell_Campaign_V1_Campaign?
  /// A page of campaigns in creation order.
  func campaigns(pageSize: Int32, pageToken: String) async throws -> (campaigns: [Groundswell_Campaign_V1_Campaign], nextPageToken: String)
  /// The signature counts of these petitions, by name.
  func counts(of petitions: [String]) async throws -> [String: Int64]
}

/// Reads from campaign-service and petition-service over mutual TLS, each
/// call within the caller's remaining time.
public struct RemoteTotalsSource: TotalsSource {
  let campaignClient: Groundswell_Campaign_V1_CampaignService.Client<HTTP2ClientTransport.Posix>
  let petitionClient: Groundswell_Petition_V1_PetitionService.Client<HTTP2ClientTransport.Posix>

  public init(campaigns: GRPCClient<HTTP2ClientTransport.Posix>, petitions: GRPCClient<HTTP2ClientTransport.Posix>) {
    campaignClient = .init(wrapping: campaigns)
    petitionClient = .init(wrapping: petitions)
  }

  public func campaign(named name: String) async throws -> Groundswell_Campaign_V1_Campaign? {
    do {
      return try await campaignClient.getCampaign(.with { $0.name = name }, options: CallContext.current.callOptions()).campaign
    } catch let error as RPCError where error.code == .notFound {
      return nil
    }
  }

  public func campaigns(pageSize: Int32, pageToken: String) async throws -> (campaigns: [Groundswell_Campaign_V1_Campaign], nextPageToken: String) {
    let response = try await campaignClient.listCampaigns(
      .with {
        $0.pageSize = pageSize
        $0.pageToken = pageToken
      }, options: CallContext.current.callOptions())
    return (response.campaigns, response.nextPageToken)
  }

  public func counts(of petitions: [String]) async throws -> [String: Int64] {
    var result: [String: Int64] = [:]
    // One batched call per 1,000 petitions rather than one call per petition.
    for start in stride(from: 0, to: petitions.count, by: Limits.batchSize) {
      let chunk = Array(petitions[start..<min(start + Limits.batchSize, petitions.count)])
      let response = try await petitionClient.batchGetSignatureCounts(
        .with { $0.petitions = chunk }, options: CallContext.current.callOptions())
      for count in response.counts { result[count.petition] = count.signatureCount }
    }
    return result
  }
}
