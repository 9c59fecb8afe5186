import GRDB

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
  private let batcher: CallBatcher<any GroupCommitJob, Void>

  /// `committed` is told the number of callers each committed transaction
  /// served.
  public init(pool: DatabasePool, name: String, maximumBatch: Int = 512, committed: (@Sendable (Int) -> Void)? = nil) {
    batcher = CallBatcher(maximumBatch: maximumBatch) { jobs in
      try await pool.tracedWrite(function: name) { db in
        for job in jobs { job.run(db) }
      }
      committed?(jobs.count)
      return jobs.map { _ in .success(()) }
    }
  }

  /// Runs `work` in a savepoint of the next shared write transaction and
  /// returns its value once that transaction is durable.
  public func write<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
    let job = Job(work: work)
    try await batcher.submit(job)
    return try job.result!.get()
  }
}

private protocol GroupCommitJob: Sendable {
  /// Runs the work in a savepoint, keeping its value or error.
  func run(_ db: Database)
}

/// One caller's work. Its result is written on the writer's queue inside
/// the transaction and read by the caller after the transaction committed,
/// never both at once.
private final class Job<T: Sendable>: GroupCommitJob, @unchecked Sendable {
  let work: @Sendable (Database) throws -> T
  var result: Result<T, any Error>?

  init(work: @escaping @Sendable (Database) throws -> T) {
    self.work = work
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
}
