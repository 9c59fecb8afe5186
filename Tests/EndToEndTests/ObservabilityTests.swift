import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GRPCCore
import GroundswellAPI
import GroundswellRuntime
import Testing

/// The operator's view of the four real executables: one trace across the
/// three hops of a signature, a JSON request log line per call naming the
/// request id, and `/metrics` on every service that `promtool` accepts.
@Suite(.serialized) struct ObservabilityTests {
  static let python = ProcessInfo.processInfo.environment["GROUNDSWELL_TEST_PYTHON"]
  static let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first { FileManager.default.isExecutableFile(atPath: $0) }

  struct Span: Decodable {
    let service, trace_id, span_id, parent, name: String
    let attributes: [String: String]
  }

  /// Whether the spans of a sign have all arrived (they come in batches):
  /// the three hops, the signature's database write, and every internal
  /// span's parent.
  static func complete(_ spans: [Span]) -> Bool {
    let services = Set(spans.map { $0.service })
    let ids = Set(spans.map { $0.span_id })
    return services.isSuperset(of: ["gateway", "petition-service", "supporter-service"])
      && spans.contains { $0.service == "petition-service" && $0.name.hasPrefix("sqlite write") }
      && spans.allSatisfy { $0.service == "gateway" || ids.contains($0.parent) }
  }

  @Test(.enabled(if: python != nil, "needs GROUNDSWELL_TEST_PYTHON with opentelemetry-proto (scripts/test.sh sets it)"))
  func oneSignIsOneTraceAcrossThreeHopsAndEveryServiceServesMetrics() async throws {
    try #require(ProcessStack.available, "build the executables first (scripts/test.sh does)")
    let receiverPort = try freePort()
    let spans = NSTemporaryDirectory() + "groundswell-spans-\(UUID().uuidString).jsonl"
    let receiver = Process()
    receiver.executableURL = URL(fileURLWithPath: Self.python!)
    receiver.arguments = [repositoryRoot.appendingPathComponent("Tests/EndToEndTests/Support/otlp_receiver.py").path, "\(receiverPort)", spans]
    receiver.standardOutput = FileHandle.nullDevice
    receiver.standardError = FileHandle.nullDevice
    try receiver.run()
    defer { kill(receiver.processIdentifier, SIGKILL) }

    let stack = try await ProcessStack.start(
      environment: [
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(receiverPort)", "OTEL_BSP_SCHEDULE_DELAY": "200",
      ],
      arguments: ["--log-format", "json"])
    defer { stack.kill() }
    let (organization, key) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: organization, key: key)
    _ = try await stack.makeCampaign(organization: organization, key: key, petitions: [petition])

    // A partner's own trace and request id are carried through every hop.
    let traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
    var metadata = bearer(key)
    metadata.addString("00-\(traceID)-00f067aa0ba902b7-01", forKey: "traceparent")
    metadata.addString("partner-req-42", forKey: "x-request-id")
    let returnedID = try await stack.withGateway { api in
      try await api.petitions.signPetition(signRequest(petition, email: "traced@example.org"), metadata: metadata) { response in
        _ = try response.message
        return response.metadata[stringValues: "x-request-id"].first(where: { _ in true })
      }
    }
    #expect(returnedID == "partner-req-42")
    // A call without an id gets one made for it.
    let madeID = try await stack.withGateway { api in
      try await api.petitions.getPetition(.with { $0.name = petition }, metadata: bearer(key)) { response in
        _ = try response.message
        return response.metadata[stringValues: "x-request-id"].first(where: { _ in true })
      }
    }
    #expect(madeID?.utf8.count == 32)

    let traced = try await eventually(timeout: .seconds(20), {
      let lines = ((try? String(contentsOfFile: spans, encoding: .utf8)) ?? "").split(separator: "\n")
      return lines.compactMap { try? JSONDecoder().decode(Span.self, from: Data($0.utf8)) }.filter { $0.trace_id == traceID }
    }, until: Self.complete)
    let services = Set(traced.map(\.service))
    #expect(services.isSuperset(of: ["gateway", "petition-service", "supporter-service"]), "spans came from \(services)")
    // The hops are one tree: each internal server span's parent is a span of the trace.
    let ids = Set(traced.map(\.span_id))
    let entry = traced.first { $0.service == "gateway" && $0.name.hasSuffix("/SignPetition") }
    #expect(entry?.parent == "00f067aa0ba902b7", "the gateway's span continues the partner's")
    // A recorded server span names its method and status.
    #expect(entry?.attributes["rpc.system"] == "grpc")
    #expect(entry.map { "\($0.attributes["rpc.service"] ?? "")/SignPetition" } == entry?.name)
    #expect(entry?.attributes["rpc.method"] == "SignPetition")
    #expect(entry?.attributes["rpc.grpc.status_code"] == "0")
    for span in traced where span.service != "gateway" && span.parent != "" {
      #expect(ids.contains(span.parent), "\(span.service) \(span.name) has a parent outside the trace")
    }
    #expect(traced.contains { $0.service == "petition-service" && $0.name.hasPrefix("sqlite write") }, "a span per database transaction")

    // One JSON line per call, on every hop, with the partner's request id
    // and trace id — and never the signer's address.
    for name in ["gateway", "petition-service", "supporter-service"] {
      let lines = stack.log(name).split(separator: "\n")
      let call = lines.first { $0.contains("\"msg\":\"rpc\"") && $0.contains("\"request_id\":\"partner-req-42\"") }
      #expect(call != nil, "\(name) logged no request line for partner-req-42")
      if let call {
        let fields = try JSONSerialization.jsonObject(with: Data(call.utf8)) as? [String: String]
        #expect(fields?["trace_id"] == traceID)
        #expect(fields?["code"] == "OK")
        #expect(fields?["caller"] != nil)
      }
      #expect(!stack.log(name).contains("traced@example.org"), "\(name)'s log holds the signer's email")
    }

    // Every service's /metrics, checked by promtool when it is installed.
    let required = [
      "gateway": ["grpc_server_handled_total", "grpc_server_in_flight_calls", "groundswell_feed_stale", "groundswell_db_transaction_seconds"],
      "petition-service": [
        "grpc_server_handled_total", "grpc_server_handling_seconds", "groundswell_db_transaction_seconds",
        "groundswell_signatures_committed_total", "groundswell_db_commit_signatures",
      ],
      "supporter-service": ["grpc_server_handled_total", "groundswell_db_transaction_seconds"],
      "campaign-service": ["grpc_server_handled_total", "groundswell_db_transaction_seconds"],
    ]
    for (name, names) in required {
      let body = try await stack.admin(name, "/metrics")
      for metric in names { #expect(body.contains("\n\(metric)") || body.hasPrefix(metric), "\(name)'s /metrics lacks \(metric)") }
      #expect(!body.contains("traced@example.org"))
      if let promtool = Self.promtool {
        let (status, output) = try runWithInput(promtool, ["check", "metrics"], input: body)
        #expect(status == 0, "promtool check metrics on \(name): \(output)")
      }
    }

    // Every metric the shipped Grafana dashboard and the alert rules use is
    // one of the services exposes.
    var exposed = Set<String>()
    for name in required.keys {
      for line in try await stack.admin(name, "/metrics").split(separator: "\n") where !line.hasPrefix("#") {
        exposed.insert(String(line.prefix { $0 != "{" && $0 != " " }))
      }
    }
    let dashboard = try JSONSerialization.jsonObject(
      with: Data(contentsOf: repositoryRoot.appendingPathComponent("deploy/grafana/groundswell-dashboard.json"))) as! [String: Any]
    var expressions = (dashboard["panels"] as! [[String: Any]]).flatMap { panel in
      (panel["targets"] as! [[String: Any]]).map { $0["expr"] as! String }
    }
    #expect(expressions.count >= 15)
    let rules = try String(contentsOf: repositoryRoot.appendingPathComponent("deploy/prometheus/alerts.yaml"), encoding: .utf8)
    expressions += rules.split(separator: "\n").map(String.init)
    for expression in expressions {
      let names = expression.split(whereSeparator: { !($0.isLetter || $0 == "_") }).filter {
        $0.hasPrefix("groundswell_") || $0.hasPrefix("grpc_server_")
      }
      for name in names { #expect(exposed.contains(String(name)), "\(name) is charted or alerted on, and no service exposes it") }
    }

    // Probes over HTTP mirror gRPC health; a foreign Host is refused.
    for name in ["gateway", "petition-service", "supporter-service", "campaign-service"] {
      let ready = try await stack.admin(name, "/readyz")
      #expect(ready == "SERVING\n", "\(name) /readyz: \(ready)")
      #expect(try await stack.admin(name, "/livez") == "SERVING\n", "\(name) /livez")
    }
    var rebound = URLRequest(url: URL(string: "http://127.0.0.1:\(stack.member("gateway").adminPort)/metrics")!)
    rebound.setValue("groundswell.attacker.example", forHTTPHeaderField: "Host")
    let refused = try await URLSession.shared.data(for: rebound).1 as? HTTPURLResponse
    #expect(refused?.statusCode == 421)

    // SIGTERM: every process drains and exits 0.
    let statuses = stack.stop()
    for (name, status) in statuses where status != 0 {
      Issue.record("\(name) exited \(status); its log ends: \(stack.log(name).suffix(800))")
    }
  }
}

/// Runs `executable` with `input` on stdin; its status and combined output.
func runWithInput(_ executable: String, _ arguments: [String], input: String) throws -> (Int32, String) {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: executable)
  process.arguments = arguments
  let stdin = Pipe()
  let output = Pipe()
  process.standardInput = stdin
  process.standardOutput = output
  process.standardError = output
  try process.run()
  stdin.fileHandleForWriting.write(Data(input.utf8))
  try stdin.fileHandleForWriting.close()
  let data = output.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
