import GRPCNIOTransportHTTP2

/// A host and port to listen on or to call.
public struct ServiceAddress: Sendable, CustomStringConvertible, Equatable {
  public var host: String
  public var port: Int

  public init(host: String, port: Int) {
    self.host = host
    self.port = port
  }

  /// Parses `host:port`.
  public init?(_ text: String) {
    guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
      (0...65535).contains(port)
    else { return nil }
    let host = String(text[..<colon])
    guard !host.isEmpty else { return nil }
    self.init(host: host, port: port)
  }

  public var description: String { "\(host):\(port)" }
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
