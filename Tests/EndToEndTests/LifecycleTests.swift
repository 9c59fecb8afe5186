import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GroundswellAPI
import GroundswellRuntime
import Logging
import PetitionService
import SupporterService
import Testing

/// Health, graceful shutdown, start-up failures and durable storage.
@Suite struct LifecycleTests {
  @Test func everyServerReportsServing() async throws {
    let stack = try await sharedStack.value
    try await stack.withGateway { api in
      let whole = try await api.health.check(.init()).status
      let totals = try await api.health.check(.with { $0.service = "groundswell.gateway.v1.GatewayService" }).status
      #expect(whole == .serving)
      #expect(totals == .serving)
      let unknown = await rpcError { _ = try await api.health.check(.with { $0.service = "no.such.Service" }) }
      #expect(unknown?.code == .notFound)
    }
    for (service, port) in [("petition-service", stack.petition.port), ("supporter-service", stack.supporter.port), ("campaign-service", stack.campaign.port)] {
      let transport = try HTTP2ClientTransport.Posix(
        target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: stack.pki.files(for: "gateway").clientMutualTLS)
      let status = try await withGRPCClient(transport: transport) { client in
        try await Grpc_Health_V1_Health.Client(wrapping: client).check(.init()).status
      }
      #expect(status == .serving, "\(service)")
    }
  }

  @Test func healthGoesNotServingWhenShutdownBeginsAndWatchersAreReleased() async throws {
    let stack = try await Stack.start()
    let transport = try HTTP2ClientTransport.Posix(
      target: .ipv4(address: "127.0.0.1", port: stack.petition.port),
      transportSecurity: stack.pki.files(for: "gateway").clientMutualTLS)
    let statuses = try await withGRPCClient(transport: transport) { client in
      try await Grpc_Health_V1_Health.Client(wrapping: client).watch(.init()) { response in
        var seen: [Grpc_Health_V1_HealthCheckResponse.ServingStatus] = []
        for try await message in response.messages {
          seen.append(message.status)
          if seen.count == 1 { Task { try await stack.petition.stop() } }
        }
        return seen
      }
    }
    #expect(statuses == [.serving, .notServing])
    try await stack.petition.task.value
    for service in [stack.gateway, stack.campaign, stack.supporter] { try await service.stop() }
  }

  @Test func anOpenForwardedStreamDoesNotHoldTheGatewayShutdown() async throws {
    let stack = try await Stack.start()
    let (organization, key) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: organization, key: key)
    // A gateway just started makes the watch wait until it follows the counts.
    let (opened, open) = AsyncStream.makeStream(of: Void.self)
    let watcher = Task {
      // However the watch ends, the wait below for it to open ends too.
      defer { open.finish() }
      try await stack.withGateway { api in
        try await api.petitions.watchSignatureCounts(.with { $0.petitions = [petition] }, metadata: bearer(key)) { response in
          for try await _ in response.messages { open.yield() }
        }
      }
    }
    var wasOpen = false
    for await _ in opened {
      wasOpen = true
      break
    }
    if !wasOpen {
      Issue.record("the watch never opened: \(await watcher.result)")
      try await stack.stop()
      return
    }
    let started = ContinuousClock.now
    try await stack.gateway.stop()
    #expect(ContinuousClock.now - started < .seconds(30))
    _ = await watcher.result
    for service in [stack.campaign, stack.petition, stack.supporter] { try await service.stop() }
  }

  @Test func signaturesSurviveARestart() async throws {
    let stack = try await Stack.start()
    let (organization, key) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: organization, key: key)
    try await stack.withGateway { api in _ = try await sign(api, petition, email: "kept@example.org", key: key) }
    try await stack.stop()

    let repository = try SQLitePetitionRepository(directory: "\(stack.dataRoot)/petition")
    let id = String(petition.dropFirst("petitions/".count))
    #expect(try await repository.petition(id: id)?.signatureCount == 1)
    #expect(try SQLiteDatabase.writerSetting(repository.database, .synchronous) == 2)
    #expect(try SQLiteDatabase.writerSetting(repository.database, .checkpointPages) == 10_000)
    #expect(try SQLiteDatabase.journalMode(repository.database) == "wal")
  }

  /// A petition-service address nothing listens on.
  static let nowhere = ServiceAddress(host: "127.0.0.1", port: 9)

  @Test func startUpFailuresSayWhatIsWrong() async throws {
    let pki = try TestPKI.make()
    var files = pki.files(for: "supporter-service")
    files.certificate = "/nonexistent/supporter.crt"
    let config = SupporterServiceConfig(
      listen: ServiceAddress(host: "127.0.0.1", port: 0), dataDirectory: NSTemporaryDirectory() + UUID().uuidString, tls: files,
      petitionService: Self.nowhere)
    #expect(throws: StartupError.self) { _ = try SupporterApp.build(config, logger: Logger(label: "test")) }

    // A data directory that cannot be created.
    let blocker = NSTemporaryDirectory() + "groundswell-file-" + UUID().uuidString
    FileManager.default.createFile(atPath: blocker, contents: Data())
    let badData = SupporterServiceConfig(
      listen: ServiceAddress(host: "127.0.0.1", port: 0), dataDirectory: blocker + "/data", tls: pki.files(for: "supporter-service"),
      petitionService: Self.nowhere)
    #expect(throws: StartupError.self) { _ = try SupporterApp.build(badData, logger: Logger(label: "test")) }

    // A port in use.
    let first = try await RunningService(
      SupporterApp.build(
        .init(listen: ServiceAddress(host: "127.0.0.1", port: 0), dataDirectory: NSTemporaryDirectory() + UUID().uuidString,
              tls: pki.files(for: "supporter-service"), petitionService: Self.nowhere), logger: Logger(label: "test")))
    let second = try SupporterApp.build(
      .init(
        listen: first.endpoint, dataDirectory: NSTemporaryDirectory() + UUID().uuidString, tls: pki.files(for: "supporter-service"),
        petitionService: Self.nowhere),
      logger: Logger(label: "test"))
    do {
      try await second.server.run()
      Issue.record("a second server listened on a port in use")
    } catch let error as StartupError {
      #expect(error.description.contains("\(first.port)"))
      #expect(error.description.lowercased().contains("address already in use"))
    }
    try await first.stop()
  }

  @Test func theExecutableExitsWithOneLineForAMissingCertificate() throws {
    let binary = repositoryRoot.appendingPathComponent(".build/debug/supporter-service").path
    try #require(FileManager.default.isExecutableFile(atPath: binary), "build the executables first (scripts/test.sh does)")
    let output = Pipe()
    let status = try run(binary, ["--cert", "/nonexistent/cert.pem", "--listen", "127.0.0.1:0"], output: output)
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    #expect(status == 1)
    #expect(text == "supporter-service: error: cannot read the certificate file at /nonexistent/cert.pem\n")
  }
}

/// Readiness tells the truth: a service whose required dependency is
/// unreachable reports NOT_SERVING, and SERVING again once it is back,
/// while its liveness stays SERVING throughout.
@Suite struct ReadinessTests {
  @Test func aServiceIsNotServingWhileItsRequiredDependencyIsDown() async throws {
    let stack = try await Stack.start()
    let transport = try HTTP2ClientTransport.Posix(
      target: .ipv4(address: "127.0.0.1", port: stack.petition.port),
      transportSecurity: stack.pki.files(for: "gateway").clientMutualTLS)
    try await withGRPCClient(transport: transport) { client in
      let health = Grpc_Health_V1_Health.Client(wrapping: client)
      #expect(try await health.check(.init()).status == .serving)
      try await stack.supporter.stop()
      let down = try await eventually(timeout: .seconds(20), { try await health.check(.init()).status }, until: { $0 == .notServing })
      #expect(down == .notServing)
      #expect(stack.petition.built.server.health.holds == ["supporter-service unreachable"])
      #expect(try await health.check(.with { $0.service = HealthStatus.liveness }).status == .serving)
      let restarted = try await stack.restartSupporterService()
      let up = try await eventually({ try await health.check(.init()).status }, until: { $0 == .serving })
      #expect(up == .serving)
      try await restarted.stop()
    }
    for service in [stack.gateway, stack.campaign, stack.petition] { try await service.stop() }
  }
}
