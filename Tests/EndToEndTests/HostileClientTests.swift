import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GatewayService
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime
import Synchronization
import Testing

/// What a hostile partner (or anyone without a key) can do to the public
/// listener — abandon streams every way, flood streams and connections,
/// send oversize or amplifying requests — and the promise that holds
/// throughout: a well-behaved client on another connection is still served,
/// a signature within `Self.served`.
@Suite(.serialized) struct HostileClientTests {
  /// How quickly a well-behaved client's signature must be answered while
  /// (or right after) the gateway is under attack.
  static let served = Duration.seconds(3)
  static let python = ProcessInfo.processInfo.environment["GROUNDSWELL_TEST_PYTHON"]

  /// Signs once as a new person through a new connection, within `served`.
  static func signsPromptly(_ stack: Stack, petition: String, key: String) async throws {
    let start = ContinuousClock.now
    let signed = try await stack.withGateway { api in
      try await api.petitions.signPetition(
        .with {
          $0.petition = petition
          $0.signer = .with {
            $0.email = "calm-\(UUID().uuidString.prefix(8))@example.org"
            $0.givenName = "Calm"
          }
        }, metadata: bearer(key), options: timeout(served))
    }
    #expect(!signed.alreadySigned)
    #expect(ContinuousClock.now - start < served)
  }

  static func timeout(_ duration: Duration) -> CallOptions {
    var options = CallOptions.defaults
    options.timeout = duration
    return options
  }

  /// Opens `count` watches on `api` and returns once each has had its first
  /// message or failed; returns how many opened.
  @discardableResult
  static func openWatches(
    _ count: Int, api: GatewayAPI, petition: String, key: String, group: inout ThrowingTaskGroup<Void, any Error>,
    options: CallOptions = .defaults
  ) async throws -> Int {
    let (settled, signal) = AsyncStream.makeStream(of: Bool.self)
    for _ in 0..<count {
      group.addTask {
        // Yields true at the first message, false if the call ends before one.
        let first = Mutex(true)
        defer { if first.withLock({ $0 }) { signal.yield(false) } }
        try await api.petitions.watchSignatureCounts(
          .with { $0.petitions = [petition] }, metadata: bearer(key), options: options
        ) { response in
          for try await _ in response.messages {
            if first.withLock({ value in defer { value = false }; return value }) { signal.yield(true) }
            try await Task.sleep(for: .seconds(3600))
          }
        }
      }
    }
    var seen = 0
    var opened = 0
    for await success in settled {
      seen += 1
      if success { opened += 1 }
      if seen == count { break }
    }
    return opened
  }

  /// Waits until the gateway serves a watch (a fresh gateway holds a watch
  /// until it follows petition-service's counts, up to 5 s).
  static func awaitWatches(_ stack: Stack, petition: String, key: String) async throws {
    let opened = try await eventually({
      try await stack.withGateway { api in
        try await withThrowingTaskGroup(of: Void.self) { group in
          defer { group.cancelAll() }
          return try await openWatches(1, api: api, petition: petition, key: key, group: &group)
        }
      }
    }, until: { $0 == 1 })
    try #require(opened == 1, "the gateway never served a watch")
  }

  static func python(_ stack: Stack, _ arguments: [String], key: String = "", petition: String = "") async throws -> [String: String] {
    let (status, text) = try await runProgram(
      python!, [repositoryRoot.appendingPathComponent("Tests/Hostile/abandon.py").path] + arguments,
      environment: [
        "GROUNDSWELL_GATEWAY": "127.0.0.1:\(stack.gateway.port)", "GROUNDSWELL_CA_FILE": stack.pki.caFile,
        "GROUNDSWELL_API_KEY": key, "PETITION": petition, "WAIT": "4",
        "PYTHONPATH": repositoryRoot.appendingPathComponent("Tests/Interop").path,
        "PROTO_DIR": repositoryRoot.appendingPathComponent("proto").path,
      ])
    try #require(status == 0, "abandon.py failed:\n\(text)")
    return keyValues(text)
  }

  /// 1,000 forwarded watches abandoned every way — cancelled (RST_STREAM),
  /// past their deadline, and dropped with their TCP connection — are all
  /// released, at the gateway and at petition-service, and signing works.
  @Test(.enabled(if: python != nil, "needs GROUNDSWELL_TEST_PYTHON (scripts/test.sh sets it)"))
  func abandonedForwardedStreamsAreReleasedEveryWay() async throws {
    let stack = try await Stack.start { config in
      config.watchCaps.perKey = 5_000
      config.watchCaps.perConnection = 5_000
    }
    defer { Task { try? await stack.stop() } }
    let (organization, key) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: organization, key: key)
    let gatewayStreams = stack.gateway.built.openStreams!
    let backendStreams = stack.petition.built.openStreams!
    try await Self.awaitWatches(stack, petition: petition, key: key)
    let backendBaseline = backendStreams()

    // 400 cancelled by the client, over two connections (a connection
    // carries at most 256 streams): each sends RST_STREAM.
    try await stack.withGateway { first in
      try await stack.withGateway { second in
        try await withThrowingTaskGroup(of: Void.self) { group in
          let opened = try await Self.openWatches(200, api: first, petition: petition, key: key, group: &group)
            + Self.openWatches(200, api: second, petition: petition, key: key, group: &group)
          #expect(opened == 400)
          #expect(gatewayStreams() == 400)
          group.cancelAll()
        }
      }
    }
    // 300 that pass their deadline.
    try await stack.withGateway { api in
      await withThrowingTaskGroup(of: Void.self) { group in
        try? await Self.openWatches(
          150, api: api, petition: petition, key: key, group: &group, options: Self.timeout(.seconds(3)))
        try? await stack.withGateway { other in
          try await Self.openWatches(
            150, api: other, petition: petition, key: key, group: &group, options: Self.timeout(.seconds(3)))
          while let _ = await group.nextResult() {}
        }
      }
    }
    // 300 whose process ends without a word.
    let dropped = try await Self.python(stack, ["watch", "300", "6"], key: key, petition: petition)
    #expect(dropped["opened"] == "300")

    let gatewayLeft = try await eventually(timeout: .seconds(15), { gatewayStreams() }, until: { $0 == 0 })
    #expect(gatewayLeft == 0, "the gateway still holds \(gatewayLeft) forwarded streams")
    let backendLeft = try await eventually(timeout: .seconds(15), { backendStreams() }, until: { $0 <= backendBaseline })
    #expect(backendLeft <= backendBaseline, "petition-service still serves \(backendLeft - backendBaseline) abandoned watches")
    try await Self.signsPromptly(stack, petition: petition, key: key)
  }

  /// One key cannot hold more than its share of long-lived streams, and
  /// while a tenant holds all it may, another tenant signs promptly.
  @Test func aKeyHoldingItsStreamsStarvesNoOne() async throws {
    let stack = try await Stack.start { config in
      config.watchCaps.perKey = 40
      config.watchCaps.perConnection = 1_000
    }
    defer { Task { try? await stack.stop() } }
    let (greedy, greedyKey) = try await stack.makeOrganization()
    let greedyPetition = try await stack.makeOpenPetition(organization: greedy, key: greedyKey)
    try await Self.awaitWatches(stack, petition: greedyPetition, key: greedyKey)
    let (calm, calmKey) = try await stack.makeOrganization()
    let calmPetition = try await stack.makeOpenPetition(organization: calm, key: calmKey)
    try await stack.withGateway { api in
      try await withThrowingTaskGroup(of: Void.self) { group in
        let opened = try await Self.openWatches(40, api: api, petition: greedyPetition, key: greedyKey, group: &group)
        #expect(opened == 40)
        let refused = await rpcError {
          try await api.petitions.watchSignatureCounts(
            .with { $0.petitions = [greedyPetition] }, metadata: bearer(greedyKey), options: Self.timeout(.seconds(5))
          ) { response in for try await _ in response.messages {} }
        }
        #expect(refused?.code == .resourceExhausted)
        #expect(refused?.message.contains("your API key") == true)
        try await Self.signsPromptly(stack, petition: calmPetition, key: calmKey)
        group.cancelAll()
      }
    }
  }

  /// Health watches need no key: abandoned ones are released, and one
  /// connection may hold only a few.
  @Test(.enabled(if: python != nil, "needs GROUNDSWELL_TEST_PYTHON (scripts/test.sh sets it)"))
  func healthWatchesAreCappedAndReleased() async throws {
    let stack = try await sharedStack.value
    let health = stack.gateway.built.server.health
    let baseline = health.watcherCount
    let result = try await Self.python(stack, ["health", "200", "40"])
    // 40 connections × 8 watches each may open; the rest are refused.
    #expect(result["opened"] == "\(40 * HealthService.watchesPerConnection)" || result["opened"] == "200")
    let perConnection = try await Self.python(stack, ["health", "20", "1"])
    #expect(perConnection["opened"] == "\(HealthService.watchesPerConnection)")
    #expect(perConnection["refused"] == "\(20 - HealthService.watchesPerConnection)")
    let left = try await eventually(timeout: .seconds(15), { health.watcherCount }, until: { $0 <= baseline })
    #expect(left <= baseline, "\(left - baseline) abandoned health watches are still held")
  }

  /// TCP connections that never start TLS are closed after the handshake
  /// timeout; beyond the connection cap, at once.
  @Test(.enabled(if: python != nil, "needs GROUNDSWELL_TEST_PYTHON (scripts/test.sh sets it)"))
  func idleTCPConnectionsAreClosedAndCapped() async throws {
    let stack = try await Stack.start { config in
      config.limits.handshakeTimeout = .seconds(1)
      config.limits.maximumConnections = 30
    }
    defer { Task { try? await stack.stop() } }
    let result = try await Self.python(stack, ["tcp", "50"])
    #expect(result["opened"] == "50")
    #expect(result["closed"] == "50", "connections that never started TLS were held")
    let (organization, key) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: organization, key: key)
    try await Self.signsPromptly(stack, petition: petition, key: key)
    #expect(stack.gateway.built.server.connections.count < 30)
  }

  /// A request with thousands of bad elements gets one small
  /// INVALID_ARGUMENT, and the gateway's connection to the backend survives
  /// (its live view keeps its feed and other calls go on).
  @Test func hugeBadRequestsGetSmallErrorsAndCostNoConnection() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    try await stack.withGateway { api in
      for targets in [15, 100_000] {
        let start = ContinuousClock.now
        let error = await rpcError {
          _ = try await api.petitions.createPetition(
            .with {
              $0.parent = organization
              $0.petition = .with {
                $0.title = "Too many targets"
                $0.targets = Array(repeating: .init(), count: targets)
              }
            }, metadata: bearer(key), options: Self.timeout(.seconds(10)))
        }
        #expect(error?.code == .invalidArgument, "\(targets) targets: \(String(describing: error))")
        let fields = badFields(error)
        #expect(fields.count <= Validator.maximumListed + 1)
        #expect(ContinuousClock.now - start < .seconds(5))
        #expect((error?.message.utf8.count ?? .max) <= 2_048)
      }
      let campaignError = await rpcError {
        _ = try await api.campaigns.createCampaign(
          .with {
            $0.parent = organization
            $0.campaign = .with {
              $0.title = "Many empty demands"
              $0.demands = Array(repeating: "", count: 19)
              $0.actions = Array(repeating: .init(), count: 19)
            }
          }, metadata: bearer(key))
      }
      #expect(campaignError?.code == .invalidArgument)
      #expect(badFields(campaignError).contains("request"), "the unlisted violations are counted")
    }
    let petition = try await stack.makeOpenPetition(organization: organization, key: key)
    try await Self.signsPromptly(stack, petition: petition, key: key)
  }

  /// `Health/Check` with a service name of megabytes answers with a short
  /// message, not an echo.
  @Test func healthCheckDoesNotEchoItsInput() async throws {
    let stack = try await sharedStack.value
    let error = await rpcError {
      _ = try await stack.withGateway { api in
        try await api.health.check(.with { $0.service = String(repeating: "x", count: 3_900_000) })
      }
    }
    #expect(error?.code == .notFound)
    #expect((error?.message.utf8.count ?? .max) < 120)
  }

  /// A request larger than the message limit is refused with
  /// RESOURCE_EXHAUSTED, and costs no one else their connection.
  @Test func oversizeMessagesAreRefused() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    let error = await rpcError {
      _ = try await stack.withGateway { api in
        try await api.petitions.createPetition(
          .with {
            $0.parent = organization
            $0.petition = .with { $0.title = String(repeating: "x", count: 5_000_000) }
          }, metadata: bearer(key), options: Self.timeout(.seconds(10)))
      }
    }
    #expect(error?.code == .resourceExhausted, "\(String(describing: error))")
    #expect(error?.message.contains("at most") == true)
    let petition = try await stack.makeOpenPetition(organization: organization, key: key)
    try await Self.signsPromptly(stack, petition: petition, key: key)
  }
}
