import Foundation
import GRPCCore
import GRPCProtobuf
import GatewayService
import GroundswellAPI
import GroundswellRuntime
import Synchronization
import Testing

/// API keys as operators and partners manage them: create, list, rotate,
/// revoke, expiry, quotas; over the real transport.
@Suite struct KeyLifecycleTests {
  static func grandTotal(_ api: GatewayAPI, _ key: String) async -> RPCError? {
    await rpcError { _ = try await api.totals.getGrandTotal(.init(), metadata: bearer(key)) }
  }

  @Test func aPartnerManagesOnlyItsOwnKeysAndGivesOnlyScopesItHas() async throws {
    let stack = try await sharedStack.value
    let (a, aKey) = try await stack.makeOrganization()
    let (b, _) = try await stack.makeOrganization()
    try await stack.withGateway { api in
      let created = try await api.keys.createApiKey(
        .with { $0.apiKey = .with { $0.scopes = ["totals.read"]; $0.displayName = "wall screen" } }, metadata: bearer(aKey))
      #expect(created.apiKey.organization == a)
      #expect(created.apiKey.scopes == ["totals.read"])
      #expect(created.secret.hasPrefix("gsk_"))
      #expect(await Self.grandTotal(api, created.secret) == nil, "a key made through the API works at once")

      // The dashboard key cannot manage keys, nor give what it lacks.
      let escalate = await rpcError {
        _ = try await api.keys.createApiKey(.with { $0.apiKey = .with { $0.scopes = ["supporters.read"] } }, metadata: bearer(created.secret))
      }
      #expect(escalate?.code == .permissionDenied)
      let limited = try await stack.makeKey(organization: a, scopes: [.keysManage, .totalsRead])
      let beyond = await rpcError {
        _ = try await api.keys.createApiKey(.with { $0.apiKey = .with { $0.scopes = ["supporters.read"] } }, metadata: bearer(limited))
      }
      #expect(beyond?.code == .permissionDenied)
      #expect(beyond?.message.contains("supporters.read") == true)

      // Another organization's keys: neither made nor seen nor touched.
      let forOther = await rpcError {
        _ = try await api.keys.createApiKey(.with { $0.apiKey = .with { $0.organization = b } }, metadata: bearer(aKey))
      }
      #expect(forOther?.code == .permissionDenied)
      let bKey = try await stack.makeKey(organization: b)
      let bKeys = try await api.keys.listApiKeys(.with { $0.organization = b }, metadata: bearer(stack.operatorKey)).apiKeys
      let bKeyName = try #require(bKeys.first?.name)
      let rotateOther = await rpcError { _ = try await api.keys.rotateApiKey(.with { $0.name = bKeyName }, metadata: bearer(aKey)) }
      let rotateNone = await rpcError { _ = try await api.keys.rotateApiKey(.with { $0.name = "apiKeys/nosuchkey" }, metadata: bearer(aKey)) }
      #expect(rotateOther?.code == .notFound)
      #expect(rotateOther?.message.replacingOccurrences(of: bKeyName, with: "X") == rotateNone?.message.replacingOccurrences(of: "apiKeys/nosuchkey", with: "X"))
      #expect(await rpcError { _ = try await api.keys.revokeApiKey(.with { $0.name = bKeyName }, metadata: bearer(aKey)) }?.code == .notFound)
      #expect(await Self.grandTotal(api, bKey) == nil)

      let listed = try await api.keys.listApiKeys(.init(), metadata: bearer(aKey)).apiKeys
      #expect(!listed.isEmpty)
      #expect(listed.allSatisfy { $0.organization == a })
      #expect(await rpcError { _ = try await api.keys.listApiKeys(.with { $0.organization = b }, metadata: bearer(aKey)) }?.code == .permissionDenied)

      // Only operators make unlimited or operator keys, and only for real organizations.
      let unlimited = await rpcError {
        _ = try await api.keys.createApiKey(.with { $0.apiKey = .with { $0.quota = .with { $0.unlimited = true } } }, metadata: bearer(aKey))
      }
      #expect(unlimited?.code == .permissionDenied)
      let nowhere = await rpcError {
        _ = try await api.keys.createApiKey(
          .with { $0.apiKey = .with { $0.organization = "organizations/no-such-org" } }, metadata: bearer(stack.operatorKey))
      }
      #expect(nowhere?.code == .notFound)
      let bad = await rpcError {
        _ = try await api.keys.createApiKey(
          .with {
            $0.apiKey = .with {
              $0.scopes = ["totals.read", "everything"]
              $0.quota = .with { $0.callsPerSecond = -1 }
              $0.expireTime = .init(seconds: 1, nanos: 0)
            }
          }, metadata: bearer(aKey))
      }
      #expect(badFields(bad) == ["api_key.scopes[1]", "api_key.quota.calls_per_second", "api_key.expire_time"])
    }
  }

  @Test func aKeysLabelScopesAndQuotaChangeWithinTheSameRules() async throws {
    let stack = try await sharedStack.value
    let (_, aKey) = try await stack.makeOrganization()
    try await stack.withGateway { api in
      let created = try await api.keys.createApiKey(.with { $0.apiKey = .with { $0.scopes = ["totals.read"] } }, metadata: bearer(aKey))
      let updated = try await api.keys.updateApiKey(
        .with {
          $0.apiKey = .with {
            $0.name = created.apiKey.name
            $0.displayName = "lobby screen"
            $0.scopes = ["totals.read", "petitions.read"]
            $0.quota = .with {
              $0.callsPerSecond = 0.1
              $0.burst = 1
            }
          }
          $0.updateMask = .with { $0.paths = ["display_name", "scopes", "quota"] }
        }, metadata: bearer(aKey)
      ).apiKey
      #expect(updated.displayName == "lobby screen")
      #expect(updated.scopes == ["petitions.read", "totals.read"])
      #expect(updated.quota.burst == 1)
      // The new quota applies at once: one call, then RESOURCE_EXHAUSTED.
      #expect(await Self.grandTotal(api, created.secret) == nil)
      #expect(await Self.grandTotal(api, created.secret)?.code == .resourceExhausted)
      let unlimited = await rpcError {
        _ = try await api.keys.updateApiKey(
          .with {
            $0.apiKey = .with {
              $0.name = created.apiKey.name
              $0.quota = .with { $0.unlimited = true }
            }
            $0.updateMask = .with { $0.paths = ["quota"] }
          }, metadata: bearer(aKey))
      }
      #expect(unlimited?.code == .permissionDenied)
      let badMask = await rpcError {
        _ = try await api.keys.updateApiKey(
          .with {
            $0.apiKey = .with { $0.name = created.apiKey.name }
            $0.updateMask = .with { $0.paths = ["organization"] }
          }, metadata: bearer(aKey))
      }
      #expect(badFields(badMask) == ["update_mask"])
    }
  }

  @Test func rotationKeepsTheOldSecretForItsGraceAndRevocationEndsBoth() async throws {
    let stack = try await sharedStack.value
    let (_, aKey) = try await stack.makeOrganization()
    try await stack.withGateway { api in
      let first = try await api.keys.createApiKey(.with { $0.apiKey = .with { $0.scopes = ["totals.read"] } }, metadata: bearer(aKey))
      let rotated = try await api.keys.rotateApiKey(.with { $0.name = first.apiKey.name }, metadata: bearer(aKey))
      #expect(rotated.secret != first.secret)
      #expect(rotated.apiKey.hasPreviousSecretExpireTime)
      #expect(await Self.grandTotal(api, rotated.secret) == nil)
      #expect(await Self.grandTotal(api, first.secret) == nil, "the old secret works during its grace period")

      let again = try await api.keys.rotateApiKey(
        .with {
          $0.name = first.apiKey.name
          $0.gracePeriodSeconds = 0
        }, metadata: bearer(aKey))
      #expect(await Self.grandTotal(api, rotated.secret)?.code == .unauthenticated, "a grace of 0 ends the old secret at once")
      #expect(await Self.grandTotal(api, again.secret) == nil)

      let revoked = try await api.keys.revokeApiKey(.with { $0.name = first.apiKey.name }, metadata: bearer(aKey))
      #expect(revoked.apiKey.hasRevokeTime)
      let refused = await Self.grandTotal(api, again.secret)
      #expect(refused?.code == .unauthenticated)
      #expect(refused?.message.contains("revoked") == true)
      let twice = try await api.keys.revokeApiKey(.with { $0.name = first.apiKey.name }, metadata: bearer(aKey))
      #expect(twice.apiKey.revokeTime == revoked.apiKey.revokeTime)
    }
  }

  @Test func anExpiredKeyIsRefused() async throws {
    let stack = try await sharedStack.value
    let (organization, _) = try await stack.makeOrganization()
    // Written straight to the key database, as `gateway keys create` does.
    let (_, secret) = try await stack.keys.create(
      NewAPIKey(
        organization: organization, isOperator: false, label: "expired", scopes: [.totalsRead],
        expireTime: Date().addingTimeInterval(-60)),
      now: Date().addingTimeInterval(-3600))
    try await stack.withGateway { api in
      let error = try await eventually({ await Self.grandTotal(api, secret) }, until: { $0?.message.contains("expired") == true })
      #expect(error?.code == .unauthenticated)
      #expect(error?.message.contains("expired") == true)
    }
  }

  /// Two gateway processes share the key database: a key revoked through
  /// one stops working on the other within two seconds.
  @Test func aRevocationReachesEveryGatewaySharingTheDatabaseWithinTwoSeconds() async throws {
    let stack = try await sharedStack.value
    let binary = repositoryRoot.appendingPathComponent(".build/debug/gateway").path
    try #require(FileManager.default.isExecutableFile(atPath: binary), "build the executables first (scripts/test.sh does)")
    let (_, aKey) = try await stack.makeOrganization()
    let port = Int.random(in: 30_000...39_000)
    let files = stack.pki.files(for: "gateway")
    let second = Process()
    second.executableURL = URL(fileURLWithPath: binary)
    second.arguments = [
      "--listen", "127.0.0.1:\(port)", "--data-dir", "\(stack.dataRoot)/gateway", "--cert", files.certificate,
      "--key", files.privateKey, "--ca", files.certificateAuthority, "--admin-listen", "127.0.0.1:0",
      "--petition-service", "127.0.0.1:\(stack.petition.port)", "--supporter-service", "127.0.0.1:\(stack.supporter.port)",
      "--campaign-service", "127.0.0.1:\(stack.campaign.port)", "--log-level", "warning",
    ]
    second.standardOutput = FileHandle.nullDevice
    second.standardError = FileHandle.nullDevice
    try second.run()
    defer { second.terminate() }
    let other = try makeGatewayTransport(endpoint: ServiceAddress(host: "127.0.0.1", port: port), caFile: stack.pki.caFile)
    try await withGRPCClient(transport: other) { client in
      let otherAPI = GatewayAPI(client: client)
      try await stack.withGateway { api in
        let key = try await api.keys.createApiKey(.with { $0.apiKey = .with { $0.scopes = ["totals.read"] } }, metadata: bearer(aKey))
        // The second gateway learns of the new key (and has started: a debug
        // build on a busy machine may take a while).
        let works = try await eventually(timeout: .seconds(45), { await Self.grandTotal(otherAPI, key.secret) }, until: { $0 == nil })
        #expect(works == nil)
        _ = try await api.keys.revokeApiKey(.with { $0.name = key.apiKey.name }, metadata: bearer(aKey))
        let revokedAt = ContinuousClock.now
        let refused = try await eventually(timeout: .seconds(2), { await Self.grandTotal(otherAPI, key.secret) }, until: { $0 != nil })
        #expect(refused?.code == .unauthenticated)
        #expect(ContinuousClock.now - revokedAt < .seconds(2))
      }
    }
  }

  /// Over its quota a key gets RESOURCE_EXHAUSTED with RetryInfo; another
  /// key's calls go on.
  @Test func aKeyOverItsQuotaWaitsAndOthersAreUnaffected() async throws {
    let stack = try await sharedStack.value
    let (organization, _) = try await stack.makeOrganization()
    let slow = try await stack.makeKey(organization: organization, scopes: [.totalsRead]) {
      $0.quota = .with {
        $0.callsPerSecond = 0.1
        $0.burst = 3
      }
    }
    let other = try await stack.makeKey(organization: organization, scopes: [.totalsRead])
    try await stack.withGateway { api in
      for _ in 0..<3 { #expect(await Self.grandTotal(api, slow) == nil) }
      let over = await Self.grandTotal(api, slow)
      #expect(over?.code == .resourceExhausted)
      let details = try #require(try over?.unpackGoogleRPCStatus()?.details)
      let retry = details.compactMap { $0.retryInfo }.first
      #expect(retry != nil)
      #expect((retry?.delay ?? .zero) > .seconds(1))
      for _ in 0..<20 { #expect(await Self.grandTotal(api, other) == nil) }
    }
  }
}

/// The token bucket's rule, with a clock the test moves.
@Test func aQuotaRefillsAtItsRateUpToItsBurst() {
  let clock = ManualClock()
  let buckets = QuotaBuckets(defaults: QuotaDefaults(callsPerSecond: 2, burst: 4)) { clock.now }
  for _ in 0..<4 { #expect(buckets.take(key: "k", quota: KeyQuota()) == nil) }
  #expect(buckets.take(key: "k", quota: KeyQuota()) == .milliseconds(500))
  clock.advance(.milliseconds(500))
  #expect(buckets.take(key: "k", quota: KeyQuota()) == nil)
  #expect(buckets.take(key: "k", quota: KeyQuota()) != nil)
  clock.advance(.seconds(60))
  for _ in 0..<4 { #expect(buckets.take(key: "k", quota: KeyQuota()) == nil) }
  #expect(buckets.take(key: "k", quota: KeyQuota()) != nil, "never more than the burst")
  #expect(buckets.take(key: "other", quota: KeyQuota()) == nil, "each key has its own bucket")
  #expect(buckets.take(key: "k", quota: .unlimitedQuota) == nil)
  #expect(buckets.take(key: "own", quota: KeyQuota(callsPerSecond: 1000, burst: 1)) == nil, "a key's own quota")
  #expect(buckets.take(key: "own", quota: KeyQuota(callsPerSecond: 1000, burst: 1)) == .milliseconds(1))
}

final class ManualClock: Sendable {
  private let time = Mutex(Duration.zero)
  var now: Duration { time.withLock { $0 } }
  func advance(_ by: Duration) { time.withLock { $0 += by } }
}

/// `groundswell keys` over the API and `gateway keys` on the database cover
/// the same lifecycle.
@Test func bothCommandLinesManageKeys() async throws {
  let stack = try await sharedStack.value
  let (organization, key) = try await stack.makeOrganization()
  let bin = repositoryRoot.appendingPathComponent(".build/debug").path
  try #require(FileManager.default.isExecutableFile(atPath: "\(bin)/groundswell"), "build the executables first (scripts/test.sh does)")
  let environment = [
    "GROUNDSWELL_GATEWAY": "127.0.0.1:\(stack.gateway.port)", "GROUNDSWELL_CA_FILE": stack.pki.caFile,
    "GROUNDSWELL_API_KEY": key,
  ]
  let created = try await runProgram("\(bin)/groundswell", ["keys", "create", "--scopes", "totals.read", "--label", "wall"], environment: environment)
  #expect(created.status == 0, "\(created.output)")
  let secret = try #require(created.output.split(separator: "\n").map(String.init).first { $0.hasPrefix("gsk_") })
  let listed = try await runProgram("\(bin)/groundswell", ["keys", "list"], environment: environment)
  #expect(listed.status == 0)
  let line = try #require(listed.output.split(separator: "\n").first { $0.contains("wall") })
  #expect(line.contains("totals.read"))
  #expect(!listed.output.contains(secret), "a list never shows a secret")
  let name = String(line.split(separator: " ").first!)

  // The operator's command on the gateway's database sees and revokes it.
  let store = ["--data-dir", "\(stack.dataRoot)/gateway"]
  let onDisk = try await runProgram("\(bin)/gateway", ["keys", "list", "--organization", organization] + store, environment: [:])
  #expect(onDisk.output.contains(name))
  let revoked = try await runProgram("\(bin)/gateway", ["keys", "revoke", name] + store, environment: [:])
  #expect(revoked.status == 0, "\(revoked.output)")
  try await stack.withGateway { api in
    let refused = try await eventually(timeout: .seconds(2), { await KeyLifecycleTests.grandTotal(api, secret) }, until: { $0 != nil })
    #expect(refused?.code == .unauthenticated)
  }
  let bad = try await runProgram("\(bin)/groundswell", ["keys", "create", "--scopes", "everything"], environment: environment)
  #expect(bad.status != 0)
  #expect(bad.output.contains("api_key.scopes[0]"))
}
