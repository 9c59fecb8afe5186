import Foundation
import GRPCCore
import GRPCInProcessTransport
import GroundswellAPI
import GroundswellRuntime
import Logging
import Prometheus
import Synchronization
import Testing

/// The shared server pipeline over the in-process transport: what a caller
/// and the log see when a handler fails in a way nobody planned for.
@Suite struct PipelineTests {
  /// A handler whose storage fails with an error that is not an `RPCError`
  /// and whose text holds SQL and a path.
  struct Failing: Grpc_Health_V1_Health.SimpleServiceProtocol {
    struct StorageFailure: Error, CustomStringConvertible {
      var description: String { "SQLite error 11: database disk image is malformed - while executing `SELECT * FROM signatures` in /var/lib/groundswell/petitions.sqlite" }
    }
    func check(request: Grpc_Health_V1_HealthCheckRequest, context: ServerContext) async throws -> Grpc_Health_V1_HealthCheckResponse {
      if request.service == "refuse" { throw RPCError(code: .notFound, message: "No such thing.") }
      throw StorageFailure()
    }
    func watch(
      request: Grpc_Health_V1_HealthCheckRequest, response: RPCWriter<Grpc_Health_V1_HealthCheckResponse>, context: ServerContext
    ) async throws {
      try await response.write(.with { $0.status = .serving })
      throw StorageFailure()
    }
  }

  final class Lines: Sendable {
    let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
  }

  struct Capture: LogHandler {
    let sink: Lines
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
      get { metadata[key] }
      set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
      let fields = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
      sink.lines.withLock { $0.append("\(event.level) \(event.message) \(fields)") }
    }
  }

  @Test func anUnexpectedErrorIsLoggedWithItsCauseAndAnsweredInternalNamingTheRequestID() async throws {
    let sink = Lines()
    let logger = Logger(label: "test") { _ in Capture(sink: sink) }
    let registry = PrometheusCollectorRegistry()
    let transport = InProcessTransport()
    let server = GRPCServer(
      transport: transport.server, services: [Failing()],
      interceptors: ServerPipeline.interceptors(registry: registry, logger: logger, identity: []))
    try await withThrowingDiscardingTaskGroup { group in
      group.addTask { try await server.serve() }
      try await withGRPCClient(transport: transport.client) { client in
        let health = Grpc_Health_V1_Health.Client(wrapping: client)
        var metadata = Metadata()
        metadata.addString("support-case-7", forKey: "x-request-id")
        let failure = await rpcError { _ = try await health.check(.init(), metadata: metadata) }
        #expect(failure?.code == .internalError)
        #expect(failure?.message.contains("support-case-7") == true)
        #expect(failure?.message.contains("SQL") == false)
        #expect(failure?.message.contains("/var/lib") == false)
        #expect(failure?.metadata[stringValues: "x-request-id"].contains("support-case-7") == true)
        // A refusal the handler meant stays as it was, with the id added.
        let refusal = await rpcError { _ = try await health.check(.with { $0.service = "refuse" }) }
        #expect(refusal?.code == .notFound)
        #expect(refusal?.message == "No such thing.")
        // A stream that fails after its first message ends INTERNAL too.
        let streamed = await rpcError {
          try await health.watch(.init()) { response in for try await _ in response.messages {} }
        }
        #expect(streamed?.code == .internalError)
        // An id that is not a short token is replaced, never echoed.
        var hostile = Metadata()
        hostile.addString(String(repeating: "x", count: 65), forKey: "x-request-id")
        let replaced = await rpcError { _ = try await health.check(.init(), metadata: hostile) }
        let id = replaced?.metadata[stringValues: "x-request-id"].first(where: { _ in true })
        #expect(id?.utf8.count == 32)
      }
      group.cancelAll()
    }
    let lines = sink.all
    let unexpected = lines.filter { $0.hasPrefix("error unexpected error") }
    #expect(unexpected.count == 3, "\(lines)")
    #expect(unexpected.first?.contains("request_id=support-case-7") == true)
    #expect(unexpected.first?.contains("database disk image is malformed") == true, "the log keeps the cause")
    let calls = lines.filter { $0.hasPrefix("info rpc ") }
    #expect(calls.count == 4)
    #expect(calls.contains { $0.contains("code=INTERNAL") && $0.contains("request_id=support-case-7") && $0.contains("method=grpc.health.v1.Health/Check") })
    #expect(calls.contains { $0.contains("code=NOT_FOUND") })
    let metrics = registry.emitToString()
    #expect(metrics.contains("grpc_server_handled_total{grpc_method=\"grpc.health.v1.Health/Check\",grpc_code=\"INTERNAL\"} 2"))
    #expect(metrics.contains("grpc_server_in_flight_calls 0.0"))
  }

  @Test func theAdminListenerAdmitsOnlyItsOwnHostsAndTheToken() {
    let open = AdminAccess(allowedHosts: ["petition-service"])
    #expect(open.admits(host: "127.0.0.1:7411"))
    #expect(open.admits(host: "10.1.2.3:7411"))
    #expect(open.admits(host: "localhost:7411"))
    #expect(open.admits(host: "[::1]:7411"))
    #expect(open.admits(host: "Petition-Service:7411"))
    #expect(!open.admits(host: "rebind.attacker.example:7411"))
    #expect(!open.admits(host: "1.2.3.4.attacker.example"))
    #expect(!open.admits(host: nil))
    #expect(open.admits(authorization: nil), "no token configured")
    let guarded = AdminAccess(bearerToken: "s3cret-token-of-length")
    #expect(guarded.admits(authorization: "Bearer s3cret-token-of-length"))
    #expect(!guarded.admits(authorization: "Bearer s3cret-token-of-lengtX"))
    #expect(!guarded.admits(authorization: "s3cret-token-of-length"))
    #expect(!guarded.admits(authorization: nil))
  }
}
