import GRPCCore
import GRPCNIOTransportHTTP2
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime

/// Turns a signer into a supporter id; supporter-service does it in
/// production, tests may substitute their own.
public protocol SupporterResolver: Sendable {
  func resolve(email: String, givenName: String, familyName: String, organization: String) async throws -> String
}

/// Resolves signers by calling supporter-service over mutual TLS, within the
/// time the original caller has left.
public struct RemoteSupporterResolver: SupporterResolver {
  let client: Groundswell_Supporter_V1_SupporterResolverService.Client<HTTP2ClientTransport.Posix>

  public init(client: GRPCClient<HTTP2ClientTransport.Posix>) {
    self.client = .init(wrapping: client)
  }

  public func resolve(email: String, givenName: String, familyName: String, organization: String) async throws -> String {
    let request = Groundswell_Supporter_V1_ResolveSupporterRequest.with {
      $0.email = email
      $0.givenName = givenName
      $0.familyName = familyName
      $0.organization = organization
    }
    return try await callingBackend(ServiceName.supporter, consequence: "the signature was not recorded.") {
      try await client.resolveSupporter(request, options: CallContext.current.callOptions()).supporter.name
    }
  }
}
