import ArgumentParser
import Foundation

/// Reads a setting: the flag if given, else the `GROUNDSWELL_*` environment
/// variable, else the default.
public func setting(_ flag: String?, env: String, default fallback: String) -> String {
  if let flag, !flag.isEmpty { return flag }
  if let value = ProcessInfo.processInfo.environment[env], !value.isEmpty { return value }
  return fallback
}

/// Parses a `host:port` setting or fails with a message naming it.
public func endpointSetting(_ flag: String?, env: String, default fallback: String, name: String) throws -> ServiceAddress {
  let text = setting(flag, env: env, default: fallback)
  guard let endpoint = ServiceAddress(text) else {
    throw ValidationError("\(name) must be host:port, got `\(text)`")
  }
  return endpoint
}

/// The options every service executable takes.
public struct ServerOptions: ParsableArguments {
  @Option(name: .long, help: "Address to listen on, host:port; port 0 picks a free port. [env: GROUNDSWELL_LISTEN]")
  public var listen: String?

  @Option(name: .long, help: "Directory of this service's database. [env: GROUNDSWELL_DATA_DIR, default: ./.groundswell/<service>]")
  public var dataDir: String?

  @Option(name: .long, help: "PEM certificate of this service, signed by the internal CA. [env: GROUNDSWELL_TLS_CERT, default: deploy/certs/dev/<service>.crt]")
  public var cert: String?

  @Option(name: .long, help: "PEM private key of this service. [env: GROUNDSWELL_TLS_KEY, default: deploy/certs/dev/<service>.key]")
  public var key: String?

  @Option(name: .long, help: "PEM certificate of the deployment's internal CA: the only trust root for internal calls. [env: GROUNDSWELL_TLS_CA, default: deploy/certs/dev/ca.crt]")
  public var ca: String?

  @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error or critical. [env: GROUNDSWELL_LOG_LEVEL, default: info]")
  public var logLevel: String?

  public init() {}

  public func listenEndpoint(default fallback: String) throws -> ServiceAddress {
    try endpointSetting(listen, env: "GROUNDSWELL_LISTEN", default: fallback, name: "--listen")
  }

  public func dataDirectory(service: String) -> String {
    setting(dataDir, env: "GROUNDSWELL_DATA_DIR", default: "./.groundswell/\(service)")
  }

  public func tlsFiles(service: String) -> TLSFiles {
    TLSFiles(
      certificate: setting(cert, env: "GROUNDSWELL_TLS_CERT", default: "deploy/certs/dev/\(service).crt"),
      privateKey: setting(key, env: "GROUNDSWELL_TLS_KEY", default: "deploy/certs/dev/\(service).key"),
      certificateAuthority: setting(ca, env: "GROUNDSWELL_TLS_CA", default: "deploy/certs/dev/ca.crt")
    )
  }

  public var level: String { setting(logLevel, env: "GROUNDSWELL_LOG_LEVEL", default: "info") }
}
