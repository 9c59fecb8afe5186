import Prometheus
import Synchronization

/// The registry that metrics recorded below the composition root (database
/// transactions, signatures committed) go to: the executable's own, set by
/// `ServiceMain`; none in tests that run several stacks in one process, which
/// read the metrics of real processes instead.
public enum ProcessMetrics {
  private static let current = Mutex<Handles?>(nil)

  public static func use(_ registry: PrometheusCollectorRegistry) {
    current.withLock { $0 = Handles(registry: registry) }
  }

  static var handles: Handles? { current.withLock { $0 } }

  /// The registry's handles, each made on first use: the registry builds
  /// the name, checks it and looks the handle up under its lock every time
  /// it is asked, which the sign path would pay for every signature. The
  /// label values are a few fixed words, so the maps stay small.
  final class Handles: Sendable {
    let registry: PrometheusCollectorRegistry
    /// By kind and outcome.
    let transactions = Made<DurationHistogram>()
    /// By kind.
    let signatures = Made<Counter>()
    /// By lane.
    let importWaits = Made<DurationHistogram>()
    let commitSizes = Made<ValueHistogram>()

    init(registry: PrometheusCollectorRegistry) {
      self.registry = registry
    }
  }

  /// One metric's handles, by their labels' values.
  final class Made<Handle: Sendable>: Sendable {
    private let made = Mutex<[String: Handle]>([:])

    func handle(_ key: String, make: () -> Handle) -> Handle {
      made.withLock { made in
        if let handle = made[key] { return handle }
        let handle = make()
        made[key] = handle
        return handle
      }
    }
  }

  static let transactionBuckets: [Duration] = [
    .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
    .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1), .seconds(5),
  ]

  static var transactionSeconds: MetricNameDescriptor {
    MetricNameDescriptor(
      namespace: "groundswell", subsystem: "db", metricName: "transaction", unitName: "seconds",
      helpText: "Database transactions from asking for a connection to commit or rollback, by kind (read, write) and outcome.")
  }

  /// Records one transaction.
  public static func recordTransaction(kind: String, outcome: String, duration: Duration) {
    guard let handles else { return }
    handles.transactions.handle("\(kind) \(outcome)") {
      handles.registry.makeDurationHistogram(
        descriptor: transactionSeconds, labels: [("kind", kind), ("outcome", outcome)], buckets: transactionBuckets)
    }.record(duration)
  }

  static var signaturesCommitted: MetricNameDescriptor {
    MetricNameDescriptor(
      namespace: "groundswell", metricName: "signatures_committed", unitName: "total",
      helpText: "New signatures durably committed, by how they count: counted, pending (awaiting verification) or suspect.")
  }

  static var commitSignatures: MetricNameDescriptor {
    MetricNameDescriptor(
      namespace: "groundswell", subsystem: "db", metricName: "commit", unitName: "signatures",
      helpText: "Sign calls or imported signatures served per durable write transaction of the sign path (group commit).")
  }

  /// Records `count` new signatures of `kind`, durably committed.
  public static func recordSignaturesCommitted(_ count: Int, kind: String) {
    guard let handles else { return }
    handles.signatures.handle(kind) {
      handles.registry.makeCounter(descriptor: signaturesCommitted, labels: [("kind", kind)])
    }.increment(by: Int64(count))
  }

  static var importTurnWait: MetricNameDescriptor {
    MetricNameDescriptor(
      namespace: "groundswell", subsystem: "import", metricName: "turn_wait", unitName: "seconds",
      helpText: "How long a chunk of an import waited for its turn in a lane (resolve, write) while other imports went first.")
  }

  /// Records how long a chunk of an import waited for its turn in `lane`.
  public static func recordImportTurnWait(lane: String, duration: Duration) {
    guard let handles else { return }
    handles.importWaits.handle(lane) {
      handles.registry.makeDurationHistogram(descriptor: importTurnWait, labels: [("lane", lane)], buckets: transactionBuckets)
    }.record(duration)
  }

  /// Records one durable write transaction of the sign path that served
  /// `count` signature calls (group commit) or imported signatures.
  public static func recordCommitSize(_ count: Int) {
    guard let handles else { return }
    handles.commitSizes.handle("") {
      handles.registry.makeValueHistogram(descriptor: commitSignatures, buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000])
    }.record(Int64(count))
  }
}
