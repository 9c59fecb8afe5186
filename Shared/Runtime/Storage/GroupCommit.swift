import GRDB

/// What the callers of one shared transaction gather between them and write
/// once, after the last caller's work and before the commit (the sign
/// path's counters, for example: one update per petition, not one per
/// signature).
public protocol GroupCommitState: Sendable {
  /// The state of a new transaction: nothing gathered.
  init()
  /// Writes what was gathered. Throwing fails the whole transaction.
  mutating func finish(_ db: Database) throws
}

/// For writers whose callers share nothing but the transaction.
public struct NothingShared: GroupCommitState {
  public init() {}
  public mutating func finish(_ db: Database) throws {}
}

/// Group commit: concurrent callers' writes share one durable transaction.
///
/// Each caller's work runs in its own savepoint inside the shared
/// transaction, so an error (a closed petition, a bad row) rolls back that
/// caller's changes alone and is thrown to that caller alone. Every caller is
/// answered only after the transaction that holds its work has committed
/// (with `synchronous=FULL`, after the fsync); if the commit itself fails,
/// every caller in it gets that error and nothing of theirs is stored.
///
/// Callers may also gather into the transaction's `State`: each works on a
/// copy, kept only if its savepoint is released, so a failed caller's
/// gathering goes with its rows; `State.finish` writes the rest.
///
/// While one transaction commits, new callers queue; the next transaction
/// takes all of them (up to `maximumBatch`). One caller alone waits no longer
/// than with a transaction of its own; many share the fsync and the writer's
/// turn.
public final class GroupCommitWriter<State: GroupCommitState>: Sendable {
  private let batcher: CallBatcher<Job<State>, Void>

  /// `committed` is told the number of callers each committed transaction
  /// served.
  public init(
    pool: DatabasePool, name: String, maximumBatch: Int = 512, state: State.Type, committed: (@Sendable (Int) -> Void)? = nil
  ) {
    batcher = CallBatcher(maximumBatch: maximumBatch) { jobs in
      try await pool.tracedWrite(function: name) { db in
        var state = State()
        for job in jobs { job.run(db, &state) }
        try state.finish(db)
      }
      committed?(jobs.count)
      return jobs.map { _ in .success(()) }
    }
  }

  /// Runs `work` in a savepoint of the next shared write transaction, with
  /// the transaction's state, and returns its value once that transaction
  /// is durable.
  public func write<T: Sendable>(_ work: @escaping @Sendable (Database, inout State) throws -> T) async throws -> T {
    var value: T?
    let job = Job<State> { db, state in
      var gathered = state
      try db.inCallerSavepoint { value = try work(db, &gathered) }
      state = gathered
    }
    try await batcher.submit(job)
    return try job.outcome!.map { value! }.get()
  }

  /// Runs `work` in a savepoint of the next shared write transaction and
  /// returns its value once that transaction is durable.
  public func write<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
    try await write { db, _ in try work(db) }
  }
}

extension GroupCommitWriter where State == NothingShared {
  public convenience init(
    pool: DatabasePool, name: String, maximumBatch: Int = 512, committed: (@Sendable (Int) -> Void)? = nil
  ) {
    self.init(pool: pool, name: name, maximumBatch: maximumBatch, state: NothingShared.self, committed: committed)
  }
}

extension Database {
  /// `inSavepoint` for one caller of a shared transaction, with its
  /// statements prepared once per connection (GRDB's `inSavepoint` parses
  /// SAVEPOINT and RELEASE again for every caller). GRDB still sees each
  /// one, so transaction observers learn of a rollback to it; a transaction
  /// SQLite aborted fails the next statement, as inside `inSavepoint`. Runs
  /// inside a transaction only.
  func inCallerSavepoint(_ work: () throws -> Void) throws {
    try cachedStatement(sql: "SAVEPOINT caller").execute()
    do {
      try work()
    } catch {
      // Rolling back to it is not enough to take it off SQLite's stack.
      // When that fails too, the transaction is gone and the next
      // statement says so; the caller hears its own error.
      try? cachedStatement(sql: "ROLLBACK TRANSACTION TO SAVEPOINT caller").execute()
      try? cachedStatement(sql: "RELEASE SAVEPOINT caller").execute()
      throw error
    }
    try cachedStatement(sql: "RELEASE SAVEPOINT caller").execute()
  }
}

/// One caller's work. Its outcome is written on the writer's queue inside
/// the transaction and read by the caller after the transaction committed,
/// never both at once.
private final class Job<State>: @unchecked Sendable {
  let work: (Database, inout State) throws -> Void
  var outcome: Result<Void, any Error>?

  init(work: @escaping (Database, inout State) throws -> Void) {
    self.work = work
  }

  func run(_ db: Database, _ state: inout State) {
    do {
      try work(db, &state)
      outcome = .success(())
    } catch {
      outcome = .failure(error)
    }
  }
}
