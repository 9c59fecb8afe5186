import GRPCCore
import GRPCNIOTransportHTTP2
import GroundswellAPI
import GroundswellRuntime
import Synchronization

/// Whether organizations and campaigns exist, for the answers the live view
/// cannot give alone: an organization with no campaigns, or a campaign
/// created moments ago that the view has not heard of yet.
public protocol TenantDirectory: Sendable {
  func organizationExists(_ name: String) async throws -> Bool
  func campaignExists(_ name: String) async throws -> Bool
}

/// Asks campaign-service over mutual TLS, as the caller. Organizations are
/// never deleted, so the ones found are remembered (up to a bound).
public final class RemoteTenantDirectory: TenantDirectory {
  let organizations: Groundswell_Campaign_V1_OrganizationService.Client<HTTP2ClientTransport.Posix>
  let campaigns: Groundswell_Campaign_V1_CampaignService.Client<HTTP2ClientTransport.Posix>
  private let known = Mutex<Set<String>>([])
  static let maximumRemembered = 10_000

  public init(client: GRPCClient<HTTP2ClientTransport.Posix>) {
    organizations = .init(wrapping: client)
    campaigns = .init(wrapping: client)
  }

  public func organizationExists(_ name: String) async throws -> Bool {
    if known.withLock({ $0.contains(name) }) { return true }
    let found = try await exists {
      _ = try await organizations.getOrganization(.with { $0.name = name }, metadata: $0, options: $1)
    }
    if found { known.withLock { if $0.count < Self.maximumRemembered { $0.insert(name) } } }
    return found
  }

  public func campaignExists(_ name: String) async throws -> Bool {
    try await exists { _ = try await campaigns.getCampaign(.with { $0.name = name }, metadata: $0, options: $1) }
  }

  private func exists(_ lookup: (Metadata, CallOptions) async throws -> Void) async throws -> Bool {
    let call = CallContext.current
    return try await callingBackend(ServiceName.campaign, consequence: "the request was not answered.") {
      do {
        try await lookup(IdentityMetadata.forwarding(call), call.callOptions())
        return true
      } catch let error as RPCError where error.code == .notFound {
        return false
      }
    }
  }
}
