import GRPCCore
import GRPCNIOTransportHTTP2
import GroundswellAPI
import GroundswellRuntime

/// The public services' clients, as the commands use them.
typealias PetitionClient = Groundswell_Petition_V1_PetitionService.Client<HTTP2ClientTransport.Posix>
typealias SupporterClient = Groundswell_Supporter_V1_SupporterService.Client<HTTP2ClientTransport.Posix>
typealias CampaignClient = Groundswell_Campaign_V1_CampaignService.Client<HTTP2ClientTransport.Posix>
typealias OrganizationClient = Groundswell_Campaign_V1_OrganizationService.Client<HTTP2ClientTransport.Posix>
typealias WebhookClient = Groundswell_Gateway_V1_WebhookService.Client<HTTP2ClientTransport.Posix>
typealias EventClient = Groundswell_Petition_V1_EventService.Client<HTTP2ClientTransport.Posix>

extension GatewayOptions {
  /// The key as call metadata.
  var metadata: Metadata { bearer(key) }

  /// Runs `body` with one service's client (see `withClient`).
  func using<Client: Sendable, T: Sendable>(
    _ make: @escaping @Sendable (GRPCClient<HTTP2ClientTransport.Posix>) -> Client, _ body: @Sendable (Client) async throws -> T
  ) async throws -> T {
    try await withClient { try await body(make($0)) }
  }
}

/// Reads a paginated list: pages of at most 100 until the last page or
/// `limit` items. `page` gets the size and token to ask for and returns the
/// items and the next token.
func collectPages<Item: Sendable>(
  limit: Int, _ page: (_ size: Int32, _ token: String) async throws -> (items: [Item], next: String)
) async throws -> [Item] {
  var all: [Item] = []
  var token = ""
  repeat {
    let (items, next) = try await page(Int32(min(100, limit - all.count)), token)
    all += items
    token = next
  } while !token.isEmpty && all.count < limit
  return Array(all.prefix(limit))
}
