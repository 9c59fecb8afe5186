import ArgumentParser
import Foundation
import GatewayService
import GroundswellRuntime

@main
struct GatewayCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: GatewayApp.name,
    abstract: "The public endpoint of Groundswell: API keys, forwarding, and signature totals.",
    subcommands: [Serve.self, Keys.self, BackupCommand.self, RestoreCommand.self],
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

  @Option(name: .long, help: "Seconds between reconciles of the live view against full snapshots. [env: GROUNDSWELL_RECONCILE_INTERVAL, default: 300]")
  var reconcileInterval: String?

  @Option(name: .long, help: "The calls per second of keys without a quota of their own, per gateway process. [env: GROUNDSWELL_QUOTA_CALLS_PER_SECOND, default: 50]")
  var quotaCallsPerSecond: String?

  @Option(name: .long, help: "The burst of keys without a quota of their own. [env: GROUNDSWELL_QUOTA_BURST, default: 100]")
  var quotaBurst: String?

  @Option(name: .long, help: "Let webhooks reach loopback, private and link-local addresses (for a deployment whose partners' endpoints are on its own network), true or false. [env: GROUNDSWELL_WEBHOOK_ALLOW_INTERNAL_ADDRESSES, default: false]")
  var webhookAllowInternalAddresses: String?

  @Option(name: .long, help: "A PEM file of CA certificates webhook endpoints may also be signed by, besides the system's. [env: GROUNDSWELL_WEBHOOK_CA_FILE, default: none]")
  var webhookCaFile: String?

  @Option(name: .long, help: "Send the SignPetition calls that arrive together to petition-service in one internal call, true or false. [env: GROUNDSWELL_SIGN_BATCHING, default: true]")
  var signBatching: String?

  func run() async throws {
    let rateText = setting(quotaCallsPerSecond, env: "GROUNDSWELL_QUOTA_CALLS_PER_SECOND", default: "50")
    guard let rate = Double(rateText), rate >= 0.1, rate <= 100_000 else {
      throw ValidationError("--quota-calls-per-second must be a number from 0.1 to 100000, got `\(rateText.prefix(40))`")
    }
    let burstText = setting(quotaBurst, env: "GROUNDSWELL_QUOTA_BURST", default: "100")
    guard let burst = Int(burstText), (1...1_000_000).contains(burst) else {
      throw ValidationError("--quota-burst must be a whole number from 1 to 1000000, got `\(burstText.prefix(40))`")
    }
    let reconcileText = setting(reconcileInterval, env: "GROUNDSWELL_RECONCILE_INTERVAL", default: "300")
    guard let reconcileSeconds = Int(reconcileText), reconcileSeconds >= 1 else {
      throw ValidationError("--reconcile-interval must be a whole number of seconds, at least 1, got `\(reconcileText)`")
    }
    var config = GatewayConfig(
      listen: try options.listenEndpoint(default: "127.0.0.1:7400"),
      dataDirectory: options.dataDirectory(service: GatewayApp.name),
      tls: try options.tlsFiles(service: GatewayApp.name),
      petitionService: try endpointSetting(
        petitionService, env: "GROUNDSWELL_PETITION_SERVICE", default: "127.0.0.1:7401", name: "--petition-service"),
      supporterService: try endpointSetting(
        supporterService, env: "GROUNDSWELL_SUPPORTER_SERVICE", default: "127.0.0.1:7402", name: "--supporter-service"),
      campaignService: try endpointSetting(
        campaignService, env: "GROUNDSWELL_CAMPAIGN_SERVICE", default: "127.0.0.1:7403", name: "--campaign-service"),
      reconcileInterval: .seconds(reconcileSeconds)
    )
    config.quota = QuotaDefaults(callsPerSecond: rate, burst: burst)
    let allowText = setting(webhookAllowInternalAddresses, env: "GROUNDSWELL_WEBHOOK_ALLOW_INTERNAL_ADDRESSES", default: "false")
    guard let allowInternal = Bool(allowText.lowercased()) else {
      throw ValidationError("--webhook-allow-internal-addresses must be true or false, got `\(allowText.prefix(40))`")
    }
    config.webhooks.allowInternalAddresses = allowInternal
    let batchingText = setting(signBatching, env: "GROUNDSWELL_SIGN_BATCHING", default: "true")
    guard let batching = Bool(batchingText.lowercased()) else {
      throw ValidationError("--sign-batching must be true or false, got `\(batchingText.prefix(40))`")
    }
    config.signBatching = batching
    let caFile = setting(webhookCaFile, env: "GROUNDSWELL_WEBHOOK_CA_FILE", default: "")
    config.webhooks.caFile = caFile.isEmpty ? nil : caFile
    await ServiceMain.run(name: GatewayApp.name, options: options, defaultAdmin: "127.0.0.1:7410") { logger, observability in
      var config = config
      config.observability = observability
      return try GatewayApp.build(config, logger: logger).services
    }
  }
}
