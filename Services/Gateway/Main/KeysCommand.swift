import ArgumentParser
import Foundation
import GatewayService
import GroundswellRuntime

/// `gateway keys …`: the key lifecycle on the gateway's own database, for
/// operators (the same as `ApiKeyService`, without the network). Running
/// gateways see every change within a second.
struct Keys: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Manages API keys in the gateway's data directory; running gateways see changes within a second.",
    subcommands: [Create.self, List.self, Rotate.self, Revoke.self]
  )

  struct Store: ParsableArguments {
    @Option(name: .long, help: "The gateway's data directory. [env: GROUNDSWELL_DATA_DIR, default: ./.groundswell/gateway]")
    var dataDir: String?

    func open() throws -> SQLiteAPIKeyRepository {
      do {
        return try SQLiteAPIKeyRepository(directory: setting(dataDir, env: "GROUNDSWELL_DATA_DIR", default: "./.groundswell/gateway"))
      } catch let error as StartupError {
        throw ValidationError(error.description)
      }
    }
  }

  struct Create: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Creates an API key and prints its secret once; only its hash is stored.",
      discussion: "Give --organization for a partner key, or --operator for an operator key (which may create organizations and manage every key)."
    )

    @Option(name: .long, help: "The organization the key acts for, organizations/{id}.")
    var organization: String?

    @Flag(name: .long, help: "Create an operator key instead of a partner key.")
    var `operator` = false

    @Option(
      name: .long,
      help: "The scopes of a partner key, comma-separated: \(APIScope.partnerDefault.sorted().map(\.rawValue).joined(separator: ",")) (the default). A dashboard key needs only totals.read.")
    var scopes: String?

    @Option(name: .long, help: "A note to recognise the key by.")
    var label: String = ""

    @Option(name: .long, help: "Days until the key stops working (1 to 3650); it never expires without.")
    var expiresInDays: Int?

    @Option(name: .long, help: "The key's own rate, calls per second (0.1 to 10000); the gateway's default without.")
    var callsPerSecond: Double?

    @Option(name: .long, help: "The key's own burst, calls at once (1 to 100000); the gateway's default without.")
    var burst: Int?

    @Flag(name: .long, help: "No quota at all, for load tests and imports.")
    var unlimited = false

    @OptionGroup var store: Store

    func validate() throws {
      if `operator` == (organization != nil) {
        throw ValidationError("give exactly one of --organization organizations/{id} or --operator")
      }
      if let organization, !organization.hasPrefix("organizations/") || organization.count <= "organizations/".count {
        throw ValidationError("--organization must look like organizations/{id}")
      }
      if `operator` && scopes != nil {
        throw ValidationError("an operator key has every scope; give --scopes only with --organization")
      }
      if let expiresInDays, !(1...3650).contains(expiresInDays) { throw ValidationError("--expires-in-days must be 1 to 3650") }
      if let callsPerSecond, !(callsPerSecond >= 0.1 && callsPerSecond <= 10_000) {
        throw ValidationError("--calls-per-second must be 0.1 to 10000")
      }
      if let burst, !(1...100_000).contains(burst) { throw ValidationError("--burst must be 1 to 100000") }
      if unlimited && (callsPerSecond != nil || burst != nil) {
        throw ValidationError("--unlimited takes no --calls-per-second or --burst")
      }
      _ = try parsedScopes()
    }

    func parsedScopes() throws -> Set<APIScope> {
      guard let scopes else { return APIScope.partnerDefault }
      switch APIScope.parseList(scopes) {
      case .success(let parsed) where parsed.contains(.operator):
        throw ValidationError("--scopes may not include operator; create an operator key with --operator")
      case .success(let parsed) where parsed.isEmpty:
        throw ValidationError("--scopes needs at least one scope")
      case .success(let parsed): return parsed
      case .failure(let error): throw ValidationError("--scopes: \(error)")
      }
    }

    func run() async throws {
      let (_, secret) = try await store.open().create(
        NewAPIKey(
          organization: organization, isOperator: `operator`, label: label, scopes: try parsedScopes(),
          expireTime: expiresInDays.map { Date().addingTimeInterval(TimeInterval($0) * 86_400) },
          quota: KeyQuota(callsPerSecond: callsPerSecond, burst: burst, unlimited: unlimited)),
        now: Date())
      print(secret)
    }
  }

  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Lists keys, newest first, one per line; never a secret.")

    @Option(name: .long, help: "Only the keys of this organization, organizations/{id}.")
    var organization: String?

    @OptionGroup var store: Store

    func run() async throws {
      let repository = try store.open()
      var before: Int64 = 0
      var more = true
      while more {
        let (keys, hasMore) = try await repository.keys(organization: organization, before: before, limit: 100)
        for key in keys { print(Self.line(key)) }
        before = keys.last?.sequence ?? 0
        more = hasMore
      }
    }

    static func line(_ key: APIKeyRecord) -> String {
      func time(_ date: Date?) -> String { date.map { ISO8601DateFormatter().string(from: $0) } ?? "-" }
      let scopes = key.isOperator ? "operator" : APIScope.list(key.scopes)
      return [
        "apiKeys/\(key.id)", key.organization ?? "(operator)", scopes, "created=\(time(key.createTime))",
        "last_used=\(time(key.lastUseTime))", "expires=\(time(key.expireTime))", "revoked=\(time(key.revokeTime))",
        "label=\(key.label)",
      ].joined(separator: "\t")
    }
  }

  struct Rotate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Gives a key a new secret and prints it once; the old one works for the grace period.")

    @Argument(help: "The key, apiKeys/{id}.")
    var name: String

    @Option(name: .long, help: "Seconds the old secret keeps working, 0 to 604800.")
    var graceSeconds: Int64 = APIKeyHandlers.defaultGrace

    @OptionGroup var store: Store

    func validate() throws {
      if !(0...APIKeyHandlers.maximumGrace).contains(graceSeconds) { throw ValidationError("--grace-seconds must be 0 to 604800") }
    }

    func run() async throws {
      guard let (_, secret) = try await store.open().rotate(id: try keyID(name), grace: TimeInterval(graceSeconds), now: Date())
      else { throw ValidationError("no key \(name)") }
      print(secret)
    }
  }

  struct Revoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Revokes a key: it stops working within two seconds.")

    @Argument(help: "The key, apiKeys/{id}.")
    var name: String

    @OptionGroup var store: Store

    func run() async throws {
      guard let key = try await store.open().revoke(id: try keyID(name), now: Date()) else { throw ValidationError("no key \(name)") }
      print(List.line(key))
    }
  }
}

/// The id in `apiKeys/{id}`.
func keyID(_ name: String) throws -> String {
  guard name.hasPrefix("apiKeys/"), name.count > "apiKeys/".count else { throw ValidationError("a key is named apiKeys/{id}") }
  return String(name.dropFirst("apiKeys/".count))
}
