import Foundation
import Logging
import ServiceLifecycle

/// What every executable's `main` does: set up logging, build the service
/// group through the composition root, run it until SIGTERM or SIGINT, and
/// turn a start-up failure into one line on stderr and a non-zero exit.
public enum ServiceMain {
  /// How long the services' own shutdown (closing clients, exporting the
  /// last spans) may take after the server's grace period.
  public static let shutdownAfterGrace = Duration.seconds(10)

  public static func run(
    name: String,
    options: ServerOptions,
    defaultAdmin: String,
    build: (Logger, ObservabilityConfig) async throws -> [any Service]
  ) async {
    let observability: ObservabilityConfig
    do {
      let (level, format) = try options.logging()
      LoggingSystem.bootstrap { LineLogHandler(label: $0, level: level, format: format) }
      observability = try options.observability(defaultAdmin: defaultAdmin)
      // Every setting has been read by now.
      try ConfigurationFile.checkEveryKeyIsASetting()
    } catch {
      FileHandle.standardError.write(Data("\(name): error: \(error)\n".utf8))
      exit(64)
    }
    let logger = Logger(label: name)
    do {
      // The tracer first: the group stops services in reverse order, so it
      // exports the last spans after the server has drained.
      let telemetry = ExporterShutdown(try Telemetry.bootstrap(service: name, registry: observability.registry), logger: logger)
      ProcessMetrics.use(observability.registry)
      let services = [telemetry] + (try await build(logger, observability))
      var configuration = ServiceGroupConfiguration(
        services: services.map { .init(service: $0) },
        gracefulShutdownSignals: [.sigterm, .sigint],
        logger: logger
      )
      // Shutdown has an upper bound: the server's grace period for running
      // calls and a little more; then whatever still runs is cancelled.
      configuration.maximumGracefulShutdownDuration = observability.shutdownGrace + shutdownAfterGrace
      configuration.maximumCancellationDuration = .seconds(5)
      let group = ServiceGroup(configuration: configuration)
      try await group.run()
      logger.info("stopped")
    } catch {
      FileHandle.standardError.write(Data("\(name): error: \(describe(error))\n".utf8))
      exit(1)
    }
  }

  static func describe(_ error: any Error) -> String {
    (error as? StartupError)?.description ?? rootCause(of: error)
  }
}
