import ArgumentParser
import CampaignService
import GroundswellRuntime

@main
struct CampaignServiceCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: CampaignApp.name,
    abstract: "Runs campaign-service: organizations, campaigns and the petitions that belong to them.",
    subcommands: [Serve.self, BackupCommand.self, RestoreCommand.self],
    defaultSubcommand: Serve.self
  )
}

struct Serve: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Serves the service (the default).",
    discussion: "Listens with mutual TLS; only clients with a certificate from the internal CA are served."
  )

  @OptionGroup var options: ServerOptions

  @Option(name: .long, help: "Address of petition-service, host:port. [env: GROUNDSWELL_PETITION_SERVICE, default: 127.0.0.1:7401]")
  var petitionService: String?

  @Option(name: .long, help: "Address of supporter-service, host:port. [env: GROUNDSWELL_SUPPORTER_SERVICE, default: 127.0.0.1:7402]")
  var supporterService: String?

  func run() async throws {
    let config = CampaignServiceConfig(
      listen: try options.listenEndpoint(default: "127.0.0.1:7403"),
      dataDirectory: options.dataDirectory(service: CampaignApp.name),
      tls: try options.tlsFiles(service: CampaignApp.name),
      petitionService: try endpointSetting(
        petitionService, env: "GROUNDSWELL_PETITION_SERVICE", default: "127.0.0.1:7401", name: "--petition-service"),
      supporterService: try endpointSetting(
        supporterService, env: "GROUNDSWELL_SUPPORTER_SERVICE", default: "127.0.0.1:7402", name: "--supporter-service")
    )
    await ServiceMain.run(name: CampaignApp.name, options: options, defaultAdmin: "127.0.0.1:7413") { logger, observability in
      var config = config
      config.observability = observability
      return try CampaignApp.build(config, logger: logger).services
    }
  }
}
