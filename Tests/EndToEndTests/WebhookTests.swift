import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GatewayService
import GroundswellAPI
import GroundswellRuntime
import NIOCore
import Testing

/// Webhooks through the real gateway to a real HTTPS receiver (Python's
/// http.server with a certificate from the test CA, on loopback, which the
/// stack allows explicitly): deliveries through a failure and a timeout,
/// every event at least once and in order, each POST verifiably signed
/// (checked by the snippet docs/partners.md shows); the delivery log;
/// pausing, resuming and replaying; and the addresses webhooks may not reach.
@Suite struct WebhookTests {
  static let python = "/usr/bin/python3"

  /// A receiver answering POSTs as `plan` says; stopped by `stop()`.
  final class Receiver: Sendable {
    let process: Process
    let port: Int
    let log: String

    init(pki: TestPKI, plan: String) async throws {
      let directory = NSTemporaryDirectory() + "groundswell-webhook-" + UUID().uuidString
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
      let portFile = directory + "/port"
      log = directory + "/deliveries.jsonl"
      let process = Process()
      process.executableURL = URL(fileURLWithPath: WebhookTests.python)
      process.arguments = [
        repositoryRoot.appendingPathComponent("Tests/EndToEndTests/Support/webhook_receiver.py").path,
        pki.files(for: "monitoring").certificate, pki.files(for: "monitoring").privateKey, portFile, log, plan,
      ]
      // Not the test's own output: a receiver left behind must not hold it open.
      process.standardOutput = FileHandle.nullDevice
      process.standardError = FileHandle.nullDevice
      try process.run()
      self.process = process
      let port = try await eventually({ try? String(contentsOfFile: portFile, encoding: .utf8) }, until: { $0 != nil })
      self.port = try #require(port.flatMap { Int($0) })
    }

    /// The deliveries it logged.
    func deliveries() -> [[String: String]] {
      guard let text = try? String(contentsOfFile: log, encoding: .utf8) else { return [] }
      return text.split(separator: "\n").compactMap {
        try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String]
      }
    }

    /// One event of a delivery's JSON body.
    struct Delivered: Sendable {
      var sequence: Int64
      var petition: String
      var id: String
      var type: String
      var hasSupporter: Bool
    }

    /// The events of the deliveries it answered `answer`, in order.
    func events(answered answer: String = "ok") -> [Delivered] {
      deliveries().filter { $0["answer"] == answer }.flatMap { delivery -> [Delivered] in
        guard let body = Data(base64Encoded: delivery["body_base64"] ?? ""),
          let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
          let events = object["events"] as? [[String: Any]]
        else { return [] }
        return events.map { event in
          Delivered(
            sequence: Int64(event["sequence"] as? String ?? "") ?? -1, petition: event["petition"] as? String ?? "",
            id: event["id"] as? String ?? "", type: event["type"] as? String ?? "", hasSupporter: event["supporter"] != nil)
        }
      }
    }

    func stop() {
      kill(process.processIdentifier, SIGKILL)
    }
  }

  static func stack(pauseAfter: Duration = .seconds(86_400)) async throws -> Stack {
    try await Stack.start(gateway: { config in
      config.webhooks.allowInternalAddresses = true
      // The receiver's certificate is from the stack's own CA.
      config.webhooks.caFile = config.tls.certificateAuthority
      config.webhooks.timing.poll = .milliseconds(100)
      config.webhooks.timing.firstBackoff = .milliseconds(200)
      config.webhooks.timing.maximumBackoff = .seconds(1)
      config.webhooks.timing.timeout = .seconds(1)
      config.webhooks.timing.pauseAfter = pauseAfter
    })
  }

  static func webhooks(_ api: GatewayAPI) -> Groundswell_Gateway_V1_WebhookService.Client<HTTP2ClientTransport.Posix> {
    .init(wrapping: api.client)
  }

  @Test func deliveriesGetThroughAFailureAndATimeoutSignedAndInOrder() async throws {
    let stack = try await Self.stack()
    let receiver = try await Receiver(pki: stack.pki, plan: "fail,slow,ok")
    defer { receiver.stop() }
    let (organization, key) = try await stack.makeOrganization()
    let first = try await stack.makeOpenPetition(organization: organization, key: key, title: "First")
    let second = try await stack.makeOpenPetition(organization: organization, key: key, title: "Second")
    try await stack.withGateway { api in
      let created = try await Self.webhooks(api).createWebhook(
        .with { $0.webhook = .with { $0.url = "https://127.0.0.1:\(receiver.port)/hooks/groundswell?source=test" } },
        metadata: bearer(key))
      #expect(created.secret.hasPrefix("whsec_") && created.secret.count == 70)
      #expect(created.webhook.state == .active)
      // Seven signatures across two petitions, after the webhook exists.
      for index in 0..<7 {
        _ = try await sign(api, index % 2 == 0 ? first : second, email: "hook\(index)@example.org", key: key)
      }
      let delivered = try await eventually(timeout: .seconds(20), { receiver.events() }, until: { $0.count >= 7 })
      try #require(delivered.count >= 7, "delivered: \(receiver.deliveries().map { $0["answer"] ?? "" })")
      // At least once, and in order per petition (here: in sequence order).
      let sequences = delivered.map(\.sequence)
      #expect(Set(sequences).count == 7)
      #expect(sequences == sequences.sorted())
      for petition in [first, second] {
        #expect(delivered.filter { $0.petition == petition }.count >= 3)
      }
      #expect(delivered.allSatisfy { $0.id.hasPrefix("events/") && $0.type == "SIGNATURE_CREATED" })
      #expect(delivered.allSatisfy { !$0.hasSupporter }, "webhooks carry no signer")
      let answers = receiver.deliveries().map { $0["answer"] ?? "" }
      #expect(Array(answers.prefix(3)) == ["fail", "slow", "ok"])

      // Every POST verifies with the documented snippet.
      let (status, output) = try await runProgram(
        Self.python, [repositoryRoot.appendingPathComponent("examples/python/verify_webhook.py").path, created.secret, receiver.log],
        environment: [:])
      try #require(status == 0, "the verify snippet failed:\n\(output)")
      #expect(keyValues(output)["verified"] == "\(answers.count)")
      #expect(keyValues(output)["failed"] == "0")
      // A wrong secret verifies nothing.
      let (_, wrong) = try await runProgram(
        Self.python, [repositoryRoot.appendingPathComponent("examples/python/verify_webhook.py").path, "whsec_wrong", receiver.log],
        environment: [:])
      #expect(keyValues(wrong)["verified"] == "0")

      // The log: the 500, the timeout, then the delivery, newest first.
      let log = try await Self.webhooks(api).listWebhookDeliveries(.with { $0.name = created.webhook.name }, metadata: bearer(key))
      let oldest = Array(log.deliveries.reversed())
      try #require(oldest.count >= 3)
      #expect(oldest[0].outcome == .failed && oldest[0].statusCode == 500)
      #expect(oldest[1].outcome == .failed && oldest[1].statusCode == 0 && !oldest[1].error.isEmpty)
      #expect(oldest[2].outcome == .delivered && oldest[2].statusCode == 200)
      let listed = try await Self.webhooks(api).listWebhooks(.init(), metadata: bearer(key)).webhooks
      #expect(listed.map(\.name) == [created.webhook.name])
      #expect(listed.first?.failureCount == 0)
    }
    try await stack.stop()
  }

  @Test func aFailingEndpointPausesAndResumesOrReplaysFromACursor() async throws {
    let stack = try await Self.stack(pauseAfter: .seconds(1))
    let receiver = try await Receiver(pki: stack.pki, plan: "fail")
    defer { receiver.stop() }
    let (organization, key) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: organization, key: key)
    try await stack.withGateway { api in
      let created = try await Self.webhooks(api).createWebhook(
        .with { $0.webhook = .with { $0.url = "https://127.0.0.1:\(receiver.port)/" } }, metadata: bearer(key))
      _ = try await sign(api, petition, email: "paused@example.org", key: key)
      let paused = try await eventually(
        timeout: .seconds(15), { try await Self.webhooks(api).listWebhooks(.init(), metadata: bearer(key)).webhooks.first },
        until: { $0?.state == .paused })
      #expect(paused?.state == .paused)
      #expect(paused?.pauseReason.contains("failed") == true)
      let attempts = receiver.deliveries().count
      try await Task.sleep(for: .milliseconds(600))
      #expect(receiver.deliveries().count == attempts, "a paused endpoint gets nothing")

      // Replaying from the oldest kept (the publish event on) resumes it.
      let replayed = try await Self.webhooks(api).replayWebhook(.with { $0.name = created.webhook.name }, metadata: bearer(key))
      #expect(replayed.webhook.state == .active && replayed.webhook.cursor == "1.0")
      _ = try await eventually({ receiver.deliveries().count }, until: { $0 > attempts })
      let resumed = try await Self.webhooks(api).resumeWebhook(.with { $0.name = created.webhook.name }, metadata: bearer(key))
      #expect(resumed.webhook.state == .active)
      _ = try await Self.webhooks(api).deleteWebhook(.with { $0.name = created.webhook.name }, metadata: bearer(key))
      #expect(try await Self.webhooks(api).listWebhooks(.init(), metadata: bearer(key)).webhooks.isEmpty)
    }
    try await stack.stop()
  }

  @Test func endpointsMustBeHTTPSAndOutsideTheDeployment() async throws {
    // The shared stack keeps the default: no internal addresses.
    let stack = try await sharedStack.value
    let (_, key) = try await stack.makeOrganization()
    let (_, otherKey) = try await stack.makeOrganization()
    try await stack.withGateway { api in
      for (url, fragment) in [
        ("http://example.org/hook", "https://"), ("https://127.0.0.1:8443/hook", "internal address"),
        ("https://localhost/hook", "internal address"), ("https://169.254.169.254/latest/meta-data", "internal address"),
        ("https://10.1.2.3/hook", "internal address"), ("https://[::1]/hook", "internal address"),
        ("https://user:pass@example.org/", "user name"), ("https://", "no host"),
        ("https://example.org/" + String(repeating: "a", count: 3000), "longer than"),
      ] {
        let error = await #expect(throws: RPCError.self, "\(url.prefix(40))") {
          _ = try await Self.webhooks(api).createWebhook(.with { $0.webhook = .with { $0.url = url } }, metadata: bearer(key))
        }
        #expect(error?.code == .invalidArgument, "\(url.prefix(40))")
        #expect(error?.message.contains(fragment) == true, "\(url.prefix(40)): \(error?.message ?? "")")
        #expect((error?.message.utf8.count ?? 0) < 400)
      }
      // Another organization's webhook answers like one that does not exist.
      let missing = await #expect(throws: RPCError.self) {
        _ = try await Self.webhooks(api).deleteWebhook(.with { $0.name = "webhooks/doesnotexist" }, metadata: bearer(otherKey))
      }
      #expect(missing?.code == .notFound)
      let operatorError = await #expect(throws: RPCError.self) {
        _ = try await Self.webhooks(api).listWebhooks(.init(), metadata: bearer(stack.operatorKey))
      }
      #expect(operatorError?.code == .permissionDenied)
    }
  }

  @Test func theAddressPolicyKnowsTheInternalRanges() throws {
    let policy = WebhookAddressPolicy()
    for inside in ["127.0.0.1", "10.0.0.1", "172.16.5.4", "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1",
      "0.0.0.0", "224.0.0.1", "::1", "::", "fe80::1", "fd00::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a00:1"] {
      #expect(!policy.permits(try SocketAddress(ipAddress: inside, port: 443)), "\(inside)")
    }
    for external in ["93.184.216.34", "8.8.8.8", "172.32.0.1", "2606:4700::1111", "::ffff:8.8.8.8"] {
      #expect(policy.permits(try SocketAddress(ipAddress: external, port: 443)), "\(external)")
    }
    #expect(WebhookAddressPolicy(allowInternal: true).permits(try SocketAddress(ipAddress: "127.0.0.1", port: 443)))
  }
}
