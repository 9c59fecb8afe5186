import GroundswellRuntime
import Logging
import ServiceLifecycle
import Testing

/// The span exporter's nested group, as swift-otel 1.6.0 builds it: the
/// processor's shutdown ends the exporter before the group asks the
/// exporter to stop. The process must still exit cleanly.
@Suite struct ExporterShutdownTests {
  /// Runs until `finish` is called.
  struct Exporter: Service {
    let stream: AsyncStream<Void>
    func run() async throws { for await _ in stream {} }
  }

  /// On graceful shutdown, ends the exporter first, then returns itself
  /// once the exporter has gone (as the batch processor's last flush does).
  struct Processor: Service {
    let finishExporter: @Sendable () -> Void
    func run() async throws {
      try? await gracefulShutdown()
      finishExporter()
      try await Task.sleep(for: .milliseconds(50))
    }
  }

  static func otelLikeGroup() -> ServiceGroup {
    let (stream, continuation) = AsyncStream<Void>.makeStream()
    let services: [any Service] = [Exporter(stream: stream), Processor(finishExporter: { continuation.finish() })]
    return ServiceGroup(
      configuration: .init(
        services: services.map {
          .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup)
        }, logger: Logger(label: "otel")))
  }

  static func run(_ service: any Service) async throws {
    let group = ServiceGroup(configuration: .init(services: [.init(service: service)], logger: Logger(label: "test")))
    try await withThrowingTaskGroup { tasks in
      tasks.addTask { try await group.run() }
      try await Task.sleep(for: .milliseconds(50))
      await group.triggerGracefulShutdown()
      try await tasks.waitForAll()
    }
  }

  @Test func theNestedGroupAloneFailsItsShutdown() async {
    // The race this guards against, made certain: without the wrapper the
    // group reports the exporter as finished unexpectedly.
    await #expect(throws: ServiceGroupError.self) { try await Self.run(Self.otelLikeGroup()) }
  }

  @Test func anExporterEndingDuringShutdownIsLoggedNotFatal() async throws {
    try await Self.run(ExporterShutdown(Self.otelLikeGroup(), logger: Logger(label: "test")))
  }

  struct Failing: Service {
    struct Broken: Error {}
    func run() async throws { throw Broken() }
  }

  @Test func anExporterFailingBeforeShutdownStillFails() async {
    let group = ServiceGroup(
      configuration: .init(services: [.init(service: ExporterShutdown(Failing(), logger: Logger(label: "test")))], logger: Logger(label: "test")))
    await #expect(throws: Failing.Broken.self) { try await group.run() }
  }
}
