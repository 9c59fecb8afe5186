import GRPCCore
import GRPCNIOTransportHTTP2

/// A transport to the gateway's public TLS listener, trusting only `caFile`
/// (the CA that issued the gateway's certificate).
public func makeGatewayTransport(endpoint: ServiceAddress, caFile: String) throws -> HTTP2ClientTransport.Posix {
  try HTTP2ClientTransport.Posix(
    target: endpoint.target,
    transportSecurity: .tls { $0.trustRoots = .certificates([.file(path: caFile, format: .pem)]) }
  )
}

/// The metadata that authenticates a call to the gateway.
public func bearer(_ key: String) -> Metadata {
  ["authorization": "Bearer \(key)"]
}
