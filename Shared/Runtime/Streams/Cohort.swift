import Synchronization

/// Calls that reached a service together (the signatures of one
/// `SignBatchService/SignPetitions` call) and go through the same batchers.
///
/// A `CallBatcher` holding a member does not take its next batch while
/// other members are still running — working towards it, or towards another
/// batcher, or about to answer — so that they go in one batch, not the first
/// alone and the rest in the next (a round trip, a transaction and an fsync
/// more, and the whole cohort answered a batch later). A member waiting in
/// any batcher is not running, so batchers never wait for each other; a
/// member stops running when it is done, whatever the outcome.
public final class Cohort: Sendable {
  /// The cohort of the calls this task works for, if any.
  @TaskLocal public static var current: Cohort?

  private struct State {
    var running: Int
    var waiters: [CheckedContinuation<Void, Never>] = []
  }

  private let state: Mutex<State>

  /// A cohort of `members` calls, all running.
  public init(members: Int) {
    state = Mutex(State(running: members))
  }

  /// Runs one member's call: `Cohort.current` is this cohort inside, and the
  /// member stops running when `body` returns.
  public func member<T: Sendable>(_ body: () async -> T) async -> T {
    let value = await Self.$current.withValue(self) { await body() }
    stopped()
    return value
  }

  /// Whether every member is waiting in a batcher or done.
  var isSettled: Bool { state.withLock { $0.running <= 0 } }

  /// Returns once every member is waiting in a batcher or done.
  func settled() async {
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
      let now = state.withLock { state in
        if state.running <= 0 { return true }
        state.waiters.append(continuation)
        return false
      }
      if now { continuation.resume() }
    }
  }

  /// A member began to wait in a batcher, or is done.
  func stopped() {
    let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
      state.running -= 1
      guard state.running <= 0 else { return [] }
      defer { state.waiters = [] }
      return state.waiters
    }
    for waiter in woken { waiter.resume() }
  }

  /// A member was answered by a batcher and runs again.
  func resumed() {
    state.withLock { $0.running += 1 }
  }
}
