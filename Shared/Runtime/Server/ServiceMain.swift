import Foundation
import Logging
import ServiceLifecycle

/// What every executable's `main` does: set up logging, build the service
/// group through the composition root, run it until SIGTERM or SIGINT, and
/// turn a start-up failure into one line on stderr and a non-zero exit.
public enum ServiceMain {
  /// How long in-flight calls may take to finish once SIGTERM arrives.
  public static let gracefulShutdown = Duration.seconds(20)

  public static func run(
    name: String,
    logLevel: String,
    build: (Logger) async throws -> [any Service]
  ) async {
    let level = Logger.Level(rawValue: logLevel) ?? .info
    LoggingSystem.bootstrap { LineLogHandler(label: $0, level: level) }
    let logger = Logger(label: name)
    do {
      let services = try await build(logger)
      var configuration = ServiceGroupConfiguration(
        services: services.map { .init(service: $0) },
        gracefulShutdownSignals: [.sigterm, .sigint],
        logger: logger
      )
      // Shutdown has an upper bound: after the graceful period whatever is
      // still running is cancelled, and a process that still has not ended
      // exits (see `shutdownDeadline`).
      configuration.maximumGracefulShutdownDuration = gracefulShutdown
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
