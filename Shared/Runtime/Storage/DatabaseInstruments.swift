import GRDB
import Tracing

/// Every transaction of the services' repositories goes through these: a
/// span (child of the call's) named for the repository method, and its
/// latency — from asking for the connection to commit, so waiting for the
/// writer counts — in `groundswell_db_transaction_seconds{kind,outcome}`.
extension DatabaseWriter {
  /// `write` (one IMMEDIATE transaction), traced and timed.
  public func tracedWrite<T: Sendable>(
    function: String = #function, _ updates: @Sendable (Database) throws -> T
  ) async throws -> T {
    try await DatabaseInstruments.measure(kind: "write", function: function) { try await write(updates) }
  }
}

extension DatabaseReader {
  /// `read` (one snapshot), traced and timed.
  public func tracedRead<T: Sendable>(
    function: String = #function, _ value: @Sendable (Database) throws -> T
  ) async throws -> T {
    try await DatabaseInstruments.measure(kind: "read", function: function) { try await read(value) }
  }
}

enum DatabaseInstruments {
  static func measure<T>(kind: String, function: String, _ body: () async throws -> T) async throws -> T {
    let start = ContinuousClock.now
    let name = function.prefix { $0 != "(" }
    do {
      let value = try await withSpan("sqlite \(kind) \(name)", ofKind: .client) { span in
        if span.isRecording { span.attributes["db.system"] = "sqlite" }
        return try await body()
      }
      ProcessMetrics.recordTransaction(kind: kind, outcome: "ok", duration: start.duration(to: .now))
      return value
    } catch {
      ProcessMetrics.recordTransaction(kind: kind, outcome: "error", duration: start.duration(to: .now))
      throw error
    }
  }
}
