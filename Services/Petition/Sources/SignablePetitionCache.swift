import GRDB
import Synchronization

/// What the sign path reads of a petition (its organization, state,
/// deadline and whether signatures wait for verification), kept in memory
/// until the `petitions` table next changes: every signature asked for it,
/// a read transaction each. Watching the writer connection sees every
/// change this process makes; nothing else writes the service's database
/// while it runs. A read that began before a change is never kept after it
/// (each change moves a generation the read started at). A stale answer can
/// only be the one a read just before the change would have given, and the
/// sign transaction checks the petition is open again.
final class SignablePetitionCache: TransactionObserver, Sendable {
  /// Found petitions kept at most; the cache starts over when full.
  static let capacity = 10_000

  private struct State {
    var petitions: [String: SignablePetition] = [:]
    var generation: UInt64 = 0
    var changed = false
  }

  private let state = Mutex(State())

  /// Where a read starts: pass it to `keep`.
  var generation: UInt64 { state.withLock { $0.generation } }

  func petition(id: String) -> SignablePetition? {
    state.withLock { $0.petitions[id] }
  }

  /// Keeps what a read that started at `generation` found, unless the
  /// table changed since.
  func keep(_ petition: SignablePetition, readAt generation: UInt64) {
    state.withLock { state in
      guard state.generation == generation else { return }
      if state.petitions.count >= Self.capacity { state.petitions.removeAll(keepingCapacity: true) }
      state.petitions[petition.id] = petition
    }
  }

  func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool {
    eventKind.tableName == "petitions"
  }

  func databaseDidChange(with event: DatabaseEvent) {
    state.withLock { $0.changed = true }
  }

  func databaseDidCommit(_ db: Database) {
    state.withLock { state in
      guard state.changed else { return }
      state.changed = false
      state.generation &+= 1
      state.petitions.removeAll(keepingCapacity: true)
    }
  }

  func databaseDidRollback(_ db: Database) {
    state.withLock { $0.changed = false }
  }
}
