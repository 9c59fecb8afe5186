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
