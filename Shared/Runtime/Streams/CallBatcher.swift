import ServiceContextModule
import Synchronization

/// Gathers concurrent calls into batches: while one batch runs, new calls
/// queue, and the next batch takes all of them (up to `maximumBatch`). A
/// call alone runs at once, in a batch of one; many in flight share one
/// round trip, transaction or fsync.
///
/// `run` answers one result per input, in order; when it throws, every call
/// in that batch gets the error. Each batch runs on behalf of its first
/// call: with that call's identity, deadline, request id and trace, so that
/// one call alone is traced and logged exactly as if it had not waited, and
/// a batch's work appears once, in its first call's trace.
///
/// Calls that reached the service together (a `Cohort`) are not split: a
/// batch is not taken while a member of a queued call's cohort is still
/// running towards it.
public final class CallBatcher<Input: Sendable, Output: Sendable>: Sendable {
  public typealias Run = @Sendable ([Input]) async throws -> [Result<Output, any Error>]

  private let maximumBatch: Int
  private let run: Run
  private let state = Mutex(State())

  private struct Waiting {
    var input: Input
    var continuation: CheckedContinuation<Output, any Error>
    var locals: CallLocals
    var cohort: Cohort?
  }

  private struct State {
    var queue: [Waiting] = []
    var draining = false
  }

  public init(maximumBatch: Int, run: @escaping Run) {
    precondition(maximumBatch > 0)
    self.maximumBatch = maximumBatch
    self.run = run
  }

  /// Queues `input` for the next batch and returns its result.
  public func submit(_ input: Input) async throws -> Output {
    let locals = CallLocals()
    let cohort = Cohort.current
    return try await withCheckedThrowingContinuation { continuation in
      let lead = state.withLock { state in
        state.queue.append(Waiting(input: input, continuation: continuation, locals: locals, cohort: cohort))
        if state.draining { return false }
        state.draining = true
        return true
      }
      cohort?.stopped()
      if lead { Task.detached { await self.drain() } }
    }
  }

  /// Runs batches until the queue is empty.
  private func drain() async {
    while true {
      await settle()
      let batch = state.withLock { state -> [Waiting] in
        guard !state.queue.isEmpty else {
          state.draining = false
          return []
        }
        let count = min(state.queue.count, maximumBatch)
        let batch = Array(state.queue.prefix(count))
        state.queue.removeFirst(count)
        return batch
      }
      guard !batch.isEmpty else { return }
      let outcome: Result<[Result<Output, any Error>], any Error>
      do {
        outcome = .success(try await batch[0].locals.run { try await run(batch.map(\.input)) })
      } catch {
        outcome = .failure(error)
      }
      // Every member answered runs again before any of them does, so that
      // none reaches the next batcher while the others still count as waiting.
      for waiting in batch { waiting.cohort?.resumed() }
      switch outcome {
      case .success(let results):
        precondition(results.count == batch.count, "a batch answers one result per input")
        for (waiting, result) in zip(batch, results) { waiting.continuation.resume(with: result) }
      case .failure(let error):
        for waiting in batch { waiting.continuation.resume(throwing: error) }
      }
    }
  }

  /// Waits while a queued call's cohort has members still running.
  private func settle() async {
    while let cohort = state.withLock({ $0.queue.lazy.compactMap(\.cohort).first { !$0.isSettled } }) {
      await cohort.settled()
    }
  }
}

/// The task-local values of a call (its identity and deadline, request id
/// and trace), to run work on its behalf from another task.
struct CallLocals: Sendable {
  let call = CallContext.current
  let requestID = RequestID.current
  let service = ServiceContext.current

  func run<T>(_ body: () async throws -> T) async throws -> T {
    try await CallContext.$current.withValue(call) {
      try await RequestID.$current.withValue(requestID) {
        if let service { return try await ServiceContext.withValue(service) { try await body() } }
        return try await body()
      }
    }
  }
}
