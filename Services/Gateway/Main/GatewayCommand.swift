import ArgumentParser
import Foundation
import GatewayService
import GroundswellRuntime

@main
struct GatewayCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: GatewayApp.name,
    abstract: "The public endpoint of Groundswell: API keys, forwarding, and signature totals.",
    subcommands: [Serve.self, Keys.self],
    defaultSubcommand: Serve.self
  )
}

struct Serve: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Serves the public API over TLS; callers authenticate with `authorization: Bearer <key>`.",
    discussion: "The certificate given with --cert serves the public listener and, being signed by the internal CA, authenticates the gateway to the internal services."
  )

  @OptionGroup var options: ServerOptions

  @Option(name: .long, help: "Address of petition-service, host:port. [env: GROUNDSWELL_PETITION_SERVICE, default: 127.0.0.1:7401]")
  var petitionService: String?

  @Option(name: .long, help: "Address of supporter-service, host:port. [env: GROUNDSWELL_SUPPORTER_SERVICE, default: 127.0.0.1:7402]")
  var supporterService: String?

  @Option(name: .long, help: "Address of campaign-service, host:port. [env: GROUNDSWELL_CAMPAIGN_SERVICE, default: 127.0.0.1:7403]")
  var campaignService: String?

  @Option(name: .long, help: "The plain-HTTP admin listener serving /metrics and /dashboard, host:port; keep it private. [env: GROUNDSWELL_ADMIN_LISTEN, default: 127.0.0.1:7410]")
  var adminListen: String?

  @Option(name: .long, help: "Seconds between reconciles of the live view against full snapshots. [env: GROUNDSWELL_RECONCILE_INTERVAL, default: 300]")
  var reconcileInterval: String?

  func run() async throws {
    let reconcileText = setting(reconcileInterval, env: "GROUNDSWELL_RECONCILE_INTERVAL", default: "300")
    guard let reconcileSeconds = Int(reconcileText), reconcileSeconds >= 1 else {
      throw ValidationError("--reconcile-interval must be a whole number of seconds, at least 1, got `\(reconcileText)`")
    }
    let config = GatewayConfig(
      listen: try options.listenEndpoint(default: "127.0.0.1:7400"),
      dataDirectory: options.dataDirectory(service: GatewayApp.name),
      tls: options.tlsFiles(service: GatewayApp.name),
      petitionService: try endpointSetting(
        petitionService, env: "GROUNDSWELL_PETITION_SERVICE", default: "127.0.0.1:7401", name: "--petition-service"),
      supporterService: try endpointSetting(
        supporterService, env: "GROUNDSWELL_SUPPORTER_SERVICE", default: "127.0.0.1:7402", name: "--supporter-service"),
      campaignService: try endpointSetting(
        campaignService, env: "GROUNDSWELL_CAMPAIGN_SERVICE", default: "127.0.0.1:7403", name: "--campaign-service"),
      reconcileInterval: .seconds(reconcileSeconds),
      adminListen: try endpointSetting(adminListen, env: "GROUNDSWELL_ADMIN_LISTEN", default: "127.0.0.1:7410", name: "--admin-listen")
    )
    await ServiceMain.run(name: GatewayApp.name, logLevel: options.level) { logger in
      try GatewayApp.build(config, logger: logger).services
    }
  }
}

struct Keys: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Manages API keys in the gateway's data directory.",
    subcommands: [Create.self]
  )

  struct Create: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Creates an API key and prints it once; only its hash is stored.",
      discussion: "Give --organization for a partner key, or --operator for an operator key (which may create organizations)."
    )

    @Option(name: .long, help: "The organization the key acts for, organizations/{id}.")
    var organization: String?

    @Flag(name: .long, help: "Create an operator key instead of a partner key.")
    var `operator` = false

    @Option(
      name: .long,
      help: "The scopes of a partner key, comma-separated: \(APIScope.partnerDefault.sorted().map(\.rawValue).joined(separator: ",")) (the default). A dashboard key needs only totals.read.")
    var scopes: String?

    @Option(name: .long, help: "A note to recognise the key by.")
    var label: String = ""

    @Option(name: .long, help: "The gateway's data directory. [env: GROUNDSWELL_DATA_DIR, default: ./.groundswell/gateway]")
    var dataDir: String?

    func validate() throws {
      if `operator` == (organization != nil) {
        throw ValidationError("give exactly one of --organization organizations/{id} or --operator")
      }
      if let organization, !organization.hasPrefix("organizations/") || organization.count <= "organizations/".count {
        throw ValidationError("--organization must look like organizations/{id}")
      }
      if `operator` && scopes != nil {
        throw ValidationError("an operator key has every scope; give --scopes only with --organization")
      }
      _ = try parsedScopes()
    }

    func parsedScopes() throws -> Set<APIScope> {
      guard let scopes else { return APIScope.partnerDefault }
      switch APIScope.parseList(scopes) {
      case .success(let parsed) where parsed.contains(.operator):
        throw ValidationError("--scopes may not include operator; create an operator key with --operator")
      case .success(let parsed) where parsed.isEmpty:
        throw ValidationError("--scopes needs at least one scope")
      case .success(let parsed): return parsed
      case .failure(let error): throw ValidationError("--scopes: \(error)")
      }
    }

    func run() async throws {
      do {
        let keys = try SQLiteAPIKeyRepository(directory: setting(dataDir, env: "GROUNDSWELL_DATA_DIR", default: "./.groundswell/gateway"))
        let (key, _) = try await keys.create(
          organization: organization, isOperator: `operator`, scopes: try parsedScopes(), label: label)
        print(key)
      } catch let error as StartupError {
        throw ValidationError(error.description)
      }
    }
  }
}
