import Logging
import ServiceLifecycle
import Synchronization

/// The span exporter's background service, whose failure while it shuts
/// down is logged rather than failing the process.
///
/// swift-otel 1.6.0 runs its exporter, batch processor and tracer in a
/// nested `ServiceGroup` and stops them in reverse. The processor's last
/// step is to shut the exporter down, so the exporter's `run()` can return
/// before the group has asked it to, which that group reports as
/// `serviceFinishedUnexpectedly` (seen about one run in ten). The last spans
/// were already exported by then; the server had drained. An error from the
/// exporter before shutdown began is still an error.
public struct ExporterShutdown: Service {
  let exporter: any Service
  let logger: Logger

  public init(_ exporter: any Service, logger: Logger) {
    self.exporter = exporter
    self.logger = logger
  }

  public func run() async throws {
    let stopping = Atomic(false)
    do {
      try await withGracefulShutdownHandler {
        try await exporter.run()
      } onGracefulShutdown: {
        stopping.store(true, ordering: .sequentiallyConsistent)
      }
    } catch where stopping.load(ordering: .sequentiallyConsistent) {
      logger.warning("the span exporter reported an error while shutting down", metadata: ["error": "\(rootCause(of: error))"])
    }
  }
}
