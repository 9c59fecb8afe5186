import Foundation
import GRPCNIOTransportHTTP2

/// The PEM files of one service's identity and the deployment's internal CA.
public struct TLSFiles: Sendable {
  /// The service's certificate chain.
  public var certificate: String
  /// The service's private key.
  public var privateKey: String
  /// The deployment's internal CA: the only trust root for internal calls.
  public var certificateAuthority: String

  public init(certificate: String, privateKey: String, certificateAuthority: String) {
    self.certificate = certificate
    self.privateKey = privateKey
    self.certificateAuthority = certificateAuthority
  }

  /// Fails with a one-line message naming the first file that cannot be read.
  public func checkReadable() throws(StartupError) {
    for (what, path) in [("certificate", certificate), ("private key", privateKey), ("CA certificate", certificateAuthority)] {
      guard FileManager.default.isReadableFile(atPath: path) else {
        throw StartupError("cannot read the \(what) file at \(path)")
      }
    }
  }

  /// Mutual TLS for an internal listener: a client certificate signed by the
  /// internal CA is required; the system trust store is never consulted.
  public var serverMutualTLS: HTTP2ServerTransport.Posix.TransportSecurity {
    .mTLS(
      certificateChain: [.file(path: certificate, format: .pem)],
      privateKey: .file(path: privateKey, format: .pem)
    ) { config in
      config.trustRoots = .certificates([.file(path: certificateAuthority, format: .pem)])
    }
  }

  /// Plain server TLS (no client certificate) for the gateway's public listener.
  public var serverTLS: HTTP2ServerTransport.Posix.TransportSecurity {
    .tls(
      certificateChain: [.file(path: certificate, format: .pem)],
      privateKey: .file(path: privateKey, format: .pem)
    )
  }

  /// Mutual TLS for calls to another internal service.
  public var clientMutualTLS: HTTP2ClientTransport.Posix.TransportSecurity {
    .mTLS(
      certificateChain: [.file(path: certificate, format: .pem)],
      privateKey: .file(path: privateKey, format: .pem)
    ) { config in
      config.trustRoots = .certificates([.file(path: certificateAuthority, format: .pem)])
    }
  }
}

/// A start-up failure with a one-line message for the operator.
public struct StartupError: Error, CustomStringConvertible {
  public var description: String
  public init(_ description: String) { self.description = description }
}
