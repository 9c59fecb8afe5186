import Foundation
import GRPCNIOTransportHTTP2
import Logging
import NIOCertificateReloading
import ServiceLifecycle
import Synchronization
import X509

/// The PEM files of one service's identity and the deployment's internal CA.
public struct TLSFiles: Sendable {
  /// The service's certificate chain.
  public var certificate: String
  /// The service's private key.
  public var privateKey: String
  /// The deployment's internal CA: the only trust root for internal calls.
  public var certificateAuthority: String
  /// How often the certificate and key files are read again; nil: only at
  /// start.
  public var reloadInterval: Duration?
  /// The reloader every listener and client of the process shares, once
  /// `startRotation` made it.
  private let rotation = Rotation()

  public init(certificate: String, privateKey: String, certificateAuthority: String, reloadInterval: Duration? = nil) {
    self.certificate = certificate
    self.privateKey = privateKey
    self.certificateAuthority = certificateAuthority
    self.reloadInterval = reloadInterval
  }

  /// Loads the certificate and key once and returns the service that reads
  /// them again every `reloadInterval`; every transport made afterwards
  /// from these files uses what it last read for each new connection (an
  /// established connection keeps its certificate). A pair whose key does
  /// not match its certificate, as while the files are half replaced, is
  /// skipped: the last good pair stays. Call after `checkReadable`, before
  /// any transport is made; nothing when `reloadInterval` is nil.
  public func startRotation(logger: Logger) throws -> [any Service] {
    guard let reloadInterval else { return [] }
    let configuration = TimedCertificateReloader.Configuration(
      refreshInterval: reloadInterval,
      certificateSource: .init(location: .file(path: certificate), format: .pem),
      privateKeySource: .init(location: .file(path: privateKey), format: .pem)
    ) { configuration in
      configuration.onCertificateLoaded = { diff in
        guard let previous = diff.previousX509CertificateChain?.first, let current = diff.currentX509CertificateChain.first,
          previous != current
        else { return }
        logger.notice(
          "certificate reloaded",
          metadata: ["serial": "\(current.serialNumber)", "not_after": "\(current.notValidAfter)", "file": "\(certificate)"])
      }
      configuration.onCertificateLoadFailed = { failure in
        logger.warning(
          "cannot reload the certificate; the last good one stays in use",
          metadata: ["error": "\(failure.error)", "file": "\(certificate)"])
      }
    }
    let reloader: TimedCertificateReloader
    do {
      reloader = try TimedCertificateReloader.makeReloaderValidatingSources(configuration: configuration)
    } catch {
      throw StartupError("cannot use the certificate \(certificate) with the key \(privateKey): \(error)")
    }
    rotation.reloader.withLock { $0 = reloader }
    return [reloader]
  }

  private var reloader: (any CertificateReloader)? { rotation.reloader.withLock { $0 } }

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
      config.certificateReloader = reloader
    }
  }

  /// Plain server TLS (no client certificate) for the gateway's public listener.
  public var serverTLS: HTTP2ServerTransport.Posix.TransportSecurity {
    .tls(
      certificateChain: [.file(path: certificate, format: .pem)],
      privateKey: .file(path: privateKey, format: .pem)
    ) { config in
      config.certificateReloader = reloader
    }
  }

  /// Mutual TLS for calls to another internal service.
  public var clientMutualTLS: HTTP2ClientTransport.Posix.TransportSecurity {
    .mTLS(
      certificateChain: [.file(path: certificate, format: .pem)],
      privateKey: .file(path: privateKey, format: .pem)
    ) { config in
      config.trustRoots = .certificates([.file(path: certificateAuthority, format: .pem)])
      config.certificateReloader = reloader
    }
  }
}

/// Where the process's certificate reloader is kept (shared by copies of
/// `TLSFiles`).
final class Rotation: Sendable {
  let reloader = Mutex<TimedCertificateReloader?>(nil)
}

/// A start-up failure with a one-line message for the operator.
public struct StartupError: Error, CustomStringConvertible {
  public var description: String
  public init(_ description: String) { self.description = description }
}
