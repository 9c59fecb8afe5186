import GRDB
import Synchronization

/// Group commit: concurrent callers' writes share one durable transaction.
///
/// Each caller's work runs in its own savepoint inside the shared
/// transaction, so an error (a closed petition, a bad row) rolls back that
/// caller's changes alone and is thrown to that caller alone. Every caller is
/// answered only after the transaction that holds its work has committed
/// (with `synchronous=FULL`, after the fsync); if the commit itself fails,
/// every caller in it gets that error and nothing of theirs is stored.
///
/// While one transaction commits, new callers queue; the next transaction
/// takes all of them (up to `maximumBatch`). One caller alone waits no longer
/// than with a transaction of its own; many share the fsync and the writer's
/// turn.
public final class GroupCommitWriter: Sendable {
  private let pool: DatabasePool
  private let maximumBatch: Int
  private let name: String
  /// Told the number of callers each committed transaction served.
  private let committed: (@Sendable (Int) -> Void)?
  private let state = Mutex(State())

  private struct State {
    var queue: [any GroupCommitJob] = []
    var draining = false
  }

  public init(pool: DatabasePool, name: String, maximumBatch: Int = 512, committed: (@Sendable (Int) -> Void)? = nil) {
    precondition(maximumBatch > 0)
    self.pool = pool
    self.name = name
    self.maximumBatch = maximumBatch
    self.committed = committed
  }

  /// Runs `work` in a savepoint of the next shared write transaction and
  /// returns its value once that transaction is durable.
  public func write<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
      let job = Job(work: work, continuation: continuation)
      let lead = state.withLock { state in
        state.queue.append(job)
        if state.draining { return false }
        state.draining = true
        return true
      }
      if lead { Task { await self.drain() } }
    }
  }

  /// Writes batches until the queue is empty.
  private func drain() async {
    while true {
      let batch = state.withLock { state -> [any GroupCommitJob] in
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
      do {
        try await pool.tracedWrite(function: name) { db in
          for job in batch { job.run(db) }
        }
        committed?(batch.count)
        for job in batch { job.finish(commitError: nil) }
      } catch {
        for job in batch { job.finish(commitError: error) }
      }
    }
  }
}

private protocol GroupCommitJob: Sendable {
  /// Runs the work in a savepoint, keeping its value or error.
  func run(_ db: Database)
  /// Answers the caller: the kept value or error, or `commitError` when the
  /// shared transaction did not commit.
  func finish(commitError: (any Error)?)
}

/// One caller's work. Its result is written on the writer's queue inside
/// the transaction and read after the transaction returned, never both at
/// once.
private final class Job<T: Sendable>: GroupCommitJob, @unchecked Sendable {
  let work: @Sendable (Database) throws -> T
  let continuation: CheckedContinuation<T, any Error>
  var result: Result<T, any Error>?

  init(work: @escaping @Sendable (Database) throws -> T, continuation: CheckedContinuation<T, any Error>) {
    self.work = work
    self.continuation = continuation
  }

  func run(_ db: Database) {
    do {
      var value: T?
      try db.inSavepoint {
        value = try work(db)
        return .commit
      }
      result = .success(value!)
    } catch {
      result = .failure(error)
    }
  }

  func finish(commitError: (any Error)?) {
    if let commitError {
      continuation.resume(throwing: commitError)
    } else {
      continuation.resume(with: result ?? .failure(CancellationError()))
    }
  }
}
