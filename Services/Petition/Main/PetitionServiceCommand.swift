import ArgumentParser
import GroundswellModel
import GroundswellRuntime
import PetitionService

@main
struct PetitionServiceCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: PetitionApp.name,
    abstract: "Runs petition-service: petitions, signatures and their counters.",
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

  @Option(name: .long, help: "Address of supporter-service, host:port. [env: GROUNDSWELL_SUPPORTER_SERVICE, default: 127.0.0.1:7402]")
  var supporterService: String?

  @Option(name: .long, help: "The goal ladder, increasing signature counts separated by commas; past the last step each goal is ×1.5. [env: GROUNDSWELL_GOAL_LADDER, default: 100,200,500,1000,…,1000000]")
  var goalLadder: String?

  @Option(name: .long, help: "Days after a petition closes before its signatures become anonymous (counts, regions and history kept), 1 to 36500. [env: GROUNDSWELL_SIGNATURE_RETENTION_DAYS, default: 180]")
  var signatureRetentionDays: String?

  @Option(name: .long, help: "Days partner events are kept for EventService/SubscribeEvents; an older cursor is OUT_OF_RANGE, 1 to 3650. [env: GROUNDSWELL_EVENT_RETENTION_DAYS, default: 30]")
  var eventRetentionDays: String?

  @Option(name: .long, help: "Signatures per signer IP on one petition within an hour before more are marked suspect (accepted, not counted), 1 to 1000000. [env: GROUNDSWELL_SUSPECT_PER_IP_PER_HOUR, default: 20]")
  var suspectPerIpPerHour: String?

  @Option(name: .long, help: "Signatures per email domain on one petition within an hour before more are marked suspect, 1 to 1000000. [env: GROUNDSWELL_SUSPECT_PER_DOMAIN_PER_HOUR, default: 1000]")
  var suspectPerDomainPerHour: String?

  func run() async throws {
    func limit(_ value: String?, env: String, default fallback: String, flag: String) throws -> Int {
      try wholeNumberSetting(value, env: env, default: fallback, name: flag, range: 1...1_000_000)
    }
    let fraudRules = FraudRules(
      perIPPerHour: try limit(suspectPerIpPerHour, env: "GROUNDSWELL_SUSPECT_PER_IP_PER_HOUR", default: "20", flag: "--suspect-per-ip-per-hour"),
      perDomainPerHour: try limit(
        suspectPerDomainPerHour, env: "GROUNDSWELL_SUSPECT_PER_DOMAIN_PER_HOUR", default: "1000", flag: "--suspect-per-domain-per-hour"))
    let days = try wholeNumberSetting(
      signatureRetentionDays, env: "GROUNDSWELL_SIGNATURE_RETENTION_DAYS", default: "180", name: "--signature-retention-days",
      range: 1...36_500, unit: "days")
    let eventDays = try wholeNumberSetting(
      eventRetentionDays, env: "GROUNDSWELL_EVENT_RETENTION_DAYS", default: "30", name: "--event-retention-days",
      range: 1...3_650, unit: "days")
    let ladderText = setting(goalLadder, env: "GROUNDSWELL_GOAL_LADDER", default: "")
    guard let ladder = ladderText.isEmpty ? GoalLadder.standard : GoalLadder(parsing: ladderText) else {
      throw ValidationError("--goal-ladder must be increasing positive whole numbers separated by commas, e.g. 100,500,1000; got `\(ladderText)`")
    }
    var config = PetitionServiceConfig(
      listen: try options.listenEndpoint(default: "127.0.0.1:7401"),
      dataDirectory: options.dataDirectory(service: PetitionApp.name),
      tls: try options.tlsFiles(service: PetitionApp.name),
      supporterService: try endpointSetting(
        supporterService, env: "GROUNDSWELL_SUPPORTER_SERVICE", default: "127.0.0.1:7402", name: "--supporter-service"),
      goalLadder: ladder
    )
    config.retention.signatures = .seconds(days * 86_400)
    config.eventRetention = .seconds(eventDays * 86_400)
    config.fraudRules = fraudRules
    await ServiceMain.run(name: PetitionApp.name, options: options, defaultAdmin: "127.0.0.1:7411") { logger, observability in
      var config = config
      config.observability = observability
      return try PetitionApp.build(config, logger: logger).services
    }
  }
}
