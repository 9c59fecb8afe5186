import GroundswellRuntime
import Synchronization

/// Bulk work one piece at a time, taking turns by organization.
///
/// An import of 1,000 signatures is resolved and written in chunks, each
/// through a lane of this kind (one before supporter-service, one before
/// petition-service's writer). A signature being signed then waits behind
/// at most one chunk in each writer, not behind every import in flight;
/// and an organization with many imports in flight gets one turn per round
/// like an organization with one, so neither tenant slows the other by
/// more than a chunk at a time.
final class BulkLane: Sendable {
  private struct State {
    var busy = false
    /// Who waits, by organization, in order of arrival.
    var waiting: [String: [CheckedContinuation<Void, Never>]] = [:]
    /// The organizations that wait, in order of their next turn.
    var turns: [String] = []
  }

  private let state = Mutex(State())
  /// The lane's label in `groundswell_import_turn_wait_seconds`.
  let name: String

  init(name: String) {
    self.name = name
  }

  /// Runs `body` once it is `organization`'s turn, and passes the turn on
  /// when it ends.
  func run<T>(for organization: String, _ body: () async throws -> T) async throws -> T {
    let asked = ContinuousClock.now
    await enter(organization)
    defer { leave() }
    ProcessMetrics.recordImportTurnWait(lane: name, duration: asked.duration(to: .now))
    // A caller that went away while it waited gives its turn straight back.
    try Task.checkCancellation()
    return try await body()
  }

  /// How many wait for their turn.
  var waiting: Int { state.withLock { $0.waiting.values.reduce(0) { $0 + $1.count } } }

  private func enter(_ organization: String) async {
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
      let now = state.withLock { state in
        if !state.busy {
          state.busy = true
          return true
        }
        if state.waiting[organization] == nil { state.turns.append(organization) }
        state.waiting[organization, default: []].append(continuation)
        return false
      }
      if now { continuation.resume() }
    }
  }

  private func leave() {
    let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
      guard !state.turns.isEmpty else {
        state.busy = false
        return nil
      }
      let organization = state.turns.removeFirst()
      var queue = state.waiting.removeValue(forKey: organization) ?? []
      let continuation = queue.removeFirst()
      if !queue.isEmpty {
        state.waiting[organization] = queue
        state.turns.append(organization)
      }
      return continuation
    }
    next?.resume()
  }
}

/// The two lanes an import's chunks pass through: the signers' resolve in
/// supporter-service, then the write in petition-service. Two lanes, so that
/// one chunk is resolved while another is written.
struct ImportLanes: Sendable {
  let resolving = BulkLane(name: "resolve")
  let writing = BulkLane(name: "write")
}
