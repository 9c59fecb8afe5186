import Foundation
import GroundswellRuntime
import Logging
import ServiceLifecycle
import Synchronization

/// The API keys in memory, so that no call reads the database. It reloads
/// when the key database's version moves — checked every half second, so a
/// revocation or rotation made by any gateway process sharing the database
/// takes effect everywhere within a second — and writes when keys were last
/// used once a minute.
public final class APIKeyCache: Sendable {
  /// What a presented secret is.
  public enum Lookup: Sendable, Equatable {
    case valid(APIKeyGrant)
    case unknown
    case expired
    case revoked
  }

  struct State {
    var version: Int64 = -1
    var secrets: [String: KeySecret] = [:]
    var used: [String: Date] = [:]
  }

  let repository: any APIKeyRepository
  let now: @Sendable () -> Date
  private let state = Mutex(State())
  private let refreshing = Mutex(())
  public static let checkInterval = Duration.milliseconds(500)
  public static let useFlushInterval = Duration.seconds(60)

  public init(repository: any APIKeyRepository, now: @escaping @Sendable () -> Date = Date.init) throws {
    self.repository = repository
    self.now = now
    try refresh()
  }

  /// Reloads the table if any key changed since the last load. One reload
  /// at a time: otherwise the periodic check could read the table just
  /// before a key is created and publish it just after the handler's own
  /// reload, hiding the new key until the next check.
  public func refresh() throws {
    try refreshing.withLock { _ in
      let version = try repository.version()
      guard version != state.withLock({ $0.version }) else { return }
      let secrets = try repository.secrets()
      state.withLock {
        $0.version = version
        $0.secrets = secrets
      }
    }
  }

  public func lookup(secret: String) -> Lookup {
    let hash = SQLiteAPIKeyRepository.hash(secret)
    let now = now()
    return state.withLock { state in
      guard let entry = state.secrets[hash] else { return .unknown }
      if entry.record.revokeTime != nil { return .revoked }
      if let until = entry.validUntil, until <= now { return .unknown }
      if let expiry = entry.record.expireTime, expiry <= now { return .expired }
      state.used[entry.record.id] = now
      return .valid(entry.grant)
    }
  }

  /// Writes the last-use times gathered since the last flush.
  public func flushUse() async throws {
    let used = state.withLock { state in
      defer { state.used = [:] }
      return state.used
    }
    try await repository.recordUse(used)
  }

  /// The services that keep the cache fresh and the use times written.
  public func services(logger: Logger) -> [any Service] {
    [
      PeriodicService(every: Self.checkInterval) { [self] in
        do { try refresh() } catch { logger.warning("reloading API keys failed", metadata: ["error": "\(error)"]) }
      },
      PeriodicService(every: Self.useFlushInterval) { [self] in
        do { try await flushUse() } catch { logger.warning("recording key use failed", metadata: ["error": "\(error)"]) }
      },
    ]
  }
}
