import ArgumentParser
import GroundswellRuntime
import PetitionService

@main
struct PetitionServiceCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: PetitionApp.name,
    abstract: "Runs petition-service: petitions, signatures and their counters.",
    discussion: "Listens with mutual TLS; only clients with a certificate from the internal CA are served."
  )

  @OptionGroup var options: ServerOptions

  @Option(name: .long, help: "Address of supporter-service, host:port. [env: GROUNDSWELL_SUPPORTER_SERVICE, default: 127.0.0.1:7402]")
  var supporterService: String?

  func run() async throws {
    let config = PetitionServiceConfig(
      listen: try options.listenEndpoint(default: "127.0.0.1:7401"),
      dataDirectory: options.dataDirectory(service: PetitionApp.name),
      tls: options.tlsFiles(service: PetitionApp.name),
      supporterService: try endpointSetting(
        supporterService, env: "GROUNDSWELL_SUPPORTER_SERVICE", default: "127.0.0.1:7402", name: "--supporter-service")
    )
    await ServiceMain.run(name: PetitionApp.name, logLevel: options.level) { logger in
      try PetitionApp.build(config, logger: logger).services
    }
  }
}
