import ArgumentParser
import Foundation
import GroundswellModel
import Logging

/// Reads a setting: the flag if given, else the `GROUNDSWELL_*` environment
/// variable, else the configuration file's key, else the default.
public func setting(_ flag: String?, env: String, default fallback: String) -> String {
  let file = ConfigurationFile.value(forEnvironment: env)
  if let flag, !flag.isEmpty { return flag }
  if let value = ProcessInfo.processInfo.environment[env], !value.isEmpty { return value }
  if let file, !file.isEmpty { return file }
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

/// Parses a whole-number setting within `range` or fails with a message
/// naming it (`unit`, if given, as in "a whole number of seconds").
public func wholeNumberSetting(
  _ flag: String?, env: String, default fallback: String, name: String, range: ClosedRange<Int>, unit: String? = nil
) throws -> Int {
  let text = setting(flag, env: env, default: fallback)
  guard let number = Int(text), range.contains(number) else {
    let kind = unit.map { "a whole number of \($0)" } ?? "a whole number"
    throw ValidationError("\(name) must be \(kind) from \(range.lowerBound) to \(range.upperBound); got `\(Echo.prefix(text))`")
  }
  return number
}

/// The options every service executable takes.
public struct ServerOptions: ParsableArguments {
  @Option(name: .long, help: "A JSON file of settings, keyed like the variables without GROUNDSWELL_, in lower case with dashes (\"admin-listen\"); flags and variables win over it. [env: GROUNDSWELL_CONFIG]")
  public var config: String?

  @Option(name: .long, help: "Address to listen on, host:port; port 0 picks a free port. [env: GROUNDSWELL_LISTEN, default: 127.0.0.1:7400 (gateway), 7401 (petition-service), 7402 (supporter-service), 7403 (campaign-service)]")
  public var listen: String?

  @Option(name: .long, help: "Directory of this service's database. [env: GROUNDSWELL_DATA_DIR, default: ./.groundswell/<service>]")
  public var dataDir: String?

  @Option(name: .long, help: "PEM certificate of this service, signed by the internal CA. [env: GROUNDSWELL_TLS_CERT, default: deploy/certs/dev/<service>.crt]")
  public var cert: String?

  @Option(name: .long, help: "PEM private key of this service. [env: GROUNDSWELL_TLS_KEY, default: deploy/certs/dev/<service>.key]")
  public var key: String?

  @Option(name: .long, help: "PEM certificate of the deployment's internal CA: the only trust root for internal calls. [env: GROUNDSWELL_TLS_CA, default: deploy/certs/dev/ca.crt]")
  public var ca: String?

  @Option(name: .long, help: "Seconds between reads of the certificate and key files, so a renewed pair is used for new connections without a restart, 1–86400; 0 reads them only at start. [env: GROUNDSWELL_CERT_RELOAD_INTERVAL, default: 60]")
  public var certReloadInterval: String?

  @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error or critical. [env: GROUNDSWELL_LOG_LEVEL, default: info]")
  public var logLevel: String?

  @Option(name: .long, help: "Log line format: logfmt or json. [env: GROUNDSWELL_LOG_FORMAT, default: logfmt]")
  public var logFormat: String?

  @Option(name: .long, help: "The plain-HTTP admin listener serving /metrics (and the gateway's /dashboard), host:port; keep it private. [env: GROUNDSWELL_ADMIN_LISTEN, default: 127.0.0.1:<service port + 10>]")
  public var adminListen: String?

  @Option(name: .long, help: "Host names, separated by commas, that requests to the admin listener may name besides IP addresses and localhost (e.g. the Kubernetes service name). [env: GROUNDSWELL_ADMIN_ALLOWED_HOSTS]")
  public var adminAllowedHosts: String?

  @Option(name: .long, help: "A file holding a bearer token the admin listener then requires of every request. [env: GROUNDSWELL_ADMIN_TOKEN_FILE]")
  public var adminTokenFile: String?

  @Option(name: .long, help: "Seconds that calls already running get to finish once SIGTERM arrives, 0–300; new calls are refused meanwhile. [env: GROUNDSWELL_SHUTDOWN_GRACE, default: 10]")
  public var shutdownGrace: String?

  public init() {}

  /// Loads the configuration file, before any setting is read.
  public func validate() throws {
    let path = setting(config, env: "GROUNDSWELL_CONFIG", default: "")
    if !path.isEmpty { try ConfigurationFile.load(path: path) }
  }

  public func listenEndpoint(default fallback: String) throws -> ServiceAddress {
    try endpointSetting(listen, env: "GROUNDSWELL_LISTEN", default: fallback, name: "--listen")
  }

  public func dataDirectory(service: String) -> String {
    setting(dataDir, env: "GROUNDSWELL_DATA_DIR", default: "./.groundswell/\(service)")
  }

  public func tlsFiles(service: String) throws -> TLSFiles {
    let seconds = try wholeNumberSetting(
      certReloadInterval, env: "GROUNDSWELL_CERT_RELOAD_INTERVAL", default: "60", name: "--cert-reload-interval", range: 0...86_400,
      unit: "seconds")
    return TLSFiles(
      certificate: setting(cert, env: "GROUNDSWELL_TLS_CERT", default: "deploy/certs/dev/\(service).crt"),
      privateKey: setting(key, env: "GROUNDSWELL_TLS_KEY", default: "deploy/certs/dev/\(service).key"),
      certificateAuthority: setting(ca, env: "GROUNDSWELL_TLS_CA", default: "deploy/certs/dev/ca.crt"),
      reloadInterval: seconds == 0 ? nil : .seconds(seconds)
    )
  }

  public var level: String { setting(logLevel, env: "GROUNDSWELL_LOG_LEVEL", default: "info") }

  /// The log level and format, or an error naming the setting.
  public func logging() throws -> (level: Logger.Level, format: LogFormat) {
    let levelText = level
    guard let parsed = Logger.Level(rawValue: levelText) else {
      throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical; got `\(levelText.prefix(40))`")
    }
    let formatText = setting(logFormat, env: "GROUNDSWELL_LOG_FORMAT", default: "logfmt")
    guard let format = LogFormat(rawValue: formatText) else {
      throw ValidationError("--log-format must be logfmt or json; got `\(formatText.prefix(40))`")
    }
    return (parsed, format)
  }

  /// The admin listener's address and access, or an error naming the setting.
  public func observability(defaultAdmin: String) throws -> ObservabilityConfig {
    let listen = try endpointSetting(adminListen, env: "GROUNDSWELL_ADMIN_LISTEN", default: defaultAdmin, name: "--admin-listen")
    let hosts = setting(adminAllowedHosts, env: "GROUNDSWELL_ADMIN_ALLOWED_HOSTS", default: "")
      .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    var token: String?
    let tokenFile = setting(adminTokenFile, env: "GROUNDSWELL_ADMIN_TOKEN_FILE", default: "")
    if !tokenFile.isEmpty {
      guard let contents = FileManager.default.contents(atPath: tokenFile), let text = String(data: contents, encoding: .utf8) else {
        throw ValidationError("--admin-token-file: cannot read \(tokenFile)")
      }
      let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
      guard trimmed.utf8.count >= 16 else {
        throw ValidationError("--admin-token-file: the token in \(tokenFile) must be at least 16 characters")
      }
      token = trimmed
    }
    let grace = try wholeNumberSetting(
      shutdownGrace, env: "GROUNDSWELL_SHUTDOWN_GRACE", default: "10", name: "--shutdown-grace", range: 0...300, unit: "seconds")
    return ObservabilityConfig(
      adminListen: listen, adminAccess: AdminAccess(allowedHosts: Set(hosts), bearerToken: token), shutdownGrace: .seconds(grace))
  }
}
