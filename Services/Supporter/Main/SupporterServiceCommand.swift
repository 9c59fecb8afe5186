import ArgumentParser
import GroundswellRuntime
import SupporterService

@main
struct SupporterServiceCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: SupporterApp.name,
    abstract: "Runs supporter-service: people, their canonical email, each organization's record of them, export and erasure.",
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

  @Option(name: .long, help: "Address of petition-service, host:port, for exports and erasures. [env: GROUNDSWELL_PETITION_SERVICE, default: 127.0.0.1:7401]")
  var petitionService: String?

  func run() async throws {
    let config = SupporterServiceConfig(
      listen: try options.listenEndpoint(default: "127.0.0.1:7402"),
      dataDirectory: options.dataDirectory(service: SupporterApp.name),
      tls: try options.tlsFiles(service: SupporterApp.name),
      petitionService: try endpointSetting(
        petitionService, env: "GROUNDSWELL_PETITION_SERVICE", default: "127.0.0.1:7401", name: "--petition-service")
    )
    await ServiceMain.run(name: SupporterApp.name, options: options, defaultAdmin: "127.0.0.1:7412") { logger, observability in
      var config = config
      config.observability = observability
      return try SupporterApp.build(config, logger: logger).services
    }
  }
}
