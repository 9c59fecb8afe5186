import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Histogram

/// What one phase of load produced.
struct LoadResult: Sendable {
  var seconds: Double
  /// Latencies of successful calls, in microseconds.
  var latencies = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
  /// Calls by final status ("OK", "UNAVAILABLE", …).
  var statuses: [String: Int] = [:]
  /// Items that succeeded (signatures for an import, calls otherwise).
  var items = 0

  var succeeded: Int { statuses["OK", default: 0] }
  var callRate: Double { Double(succeeded) / seconds }
  var itemRate: Double { Double(items) / seconds }

  mutating func add(_ other: LoadResult) {
    latencies.add(other.latencies)
    for (status, count) in other.statuses { statuses[status, default: 0] += count }
    items += other.items
  }

  func percentile(_ p: Double) -> String {
    guard latencies.totalCount > 0 else { return "-" }
    return String(format: "%.2f ms", Double(latencies.valueAtPercentile(p)) / 1000)
  }

  var latencyLine: String {
    "p50 \(percentile(50)), p90 \(percentile(90)), p99 \(percentile(99)), p99.9 \(percentile(99.9)), max \(percentile(100))"
  }

  var statusLine: String {
    statuses.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
  }
}

/// The outcome of one call: its status, and how many items it carried that
/// succeeded.
struct CallOutcome: Sendable {
  var status: String
  var items: Int

  static func ok(items: Int = 1) -> CallOutcome { CallOutcome(status: "OK", items: items) }

  static func failed(_ error: any Error) -> CallOutcome {
    if let error = error as? RPCError { return CallOutcome(status: "\(error.code)".uppercased(), items: 0) }
    return CallOutcome(status: "CLIENT_ERROR", items: 0)
  }
}

/// Runs `call` from `concurrency` workers spread over `clients` for
/// `duration`. With `rate`, the workers together start calls at that many
/// per second (open loop: a late call's latency counts from when it should
/// have started, so a stall is not hidden); without, each starts its next
/// call as soon as the last one answers.
func runLoad(
  clients: [GRPCClient<HTTP2ClientTransport.Posix>], concurrency: Int, duration: Duration, rate: Double? = nil,
  call: @escaping @Sendable (_ client: GRPCClient<HTTP2ClientTransport.Posix>, _ worker: Int, _ sequence: Int) async -> CallOutcome
) async -> LoadResult {
  let clock = ContinuousClock()
  let start = clock.now
  let end = start + duration
  let merged = await withTaskGroup(of: LoadResult.self) { group in
    for worker in 0..<concurrency {
      group.addTask {
        var result = LoadResult(seconds: 0)
        let client = clients[worker % clients.count]
        let interval: Duration? = rate.map { .nanoseconds(Int64(Double(concurrency) / $0 * 1e9)) }
        var intended = start + (interval.map { $0 * Double(worker) / Double(concurrency) } ?? .zero)
        var sequence = 0
        while clock.now < end {
          if interval != nil {
            if intended > clock.now { try? await Task.sleep(until: intended, clock: clock) }
            if intended >= end { break }
          } else {
            intended = clock.now
          }
          let outcome = await call(client, worker, sequence)
          sequence += 1
          result.statuses[outcome.status, default: 0] += 1
          result.items += outcome.items
          if outcome.status == "OK" {
            let elapsed = intended.duration(to: clock.now)
            _ = result.latencies.record(UInt64(max(0, elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000)))
          }
          if let interval { intended += interval }
        }
        return result
      }
    }
    var total = LoadResult(seconds: 0)
    for await part in group { total.add(part) }
    return total
  }
  var result = merged
  result.seconds = Double(start.duration(to: clock.now).components.attoseconds) / 1e18
    + Double(start.duration(to: clock.now).components.seconds)
  return result
}
