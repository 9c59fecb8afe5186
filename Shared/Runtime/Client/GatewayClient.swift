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

extension ServiceAddress {
  /// An IPv4 literal is dialled as an address (TLS then checks the
  /// certificate's IP SAN, and sends no SNI, which may not carry an IP);
  /// anything else is a DNS name.
  public var target: any ResolvableTarget {
    let octets = host.split(separator: ".", omittingEmptySubsequences: false)
    if octets.count == 4, octets.allSatisfy({ UInt8($0) != nil }) {
      return .ipv4(address: host, port: port)
    }
    return .dns(host: host, port: port)
  }
}

/// The metadata that authenticates a call to the gateway.
public func bearer(_ key: String) -> Metadata {
  ["authorization": "Bearer \(key)"]
}
