import Foundation
import Logging
import Synchronization
import Testing

@testable import GatewayService

/// The gateway's feed reconnects: the wait doubles while attempts fail
/// without a message, and is back to the shortest after a connection that
/// delivered one — so a service restarted twice within 30 s is followed
/// again within about 100 ms, not the 5 s the backoff had grown to.
@Suite struct FeedBackoffTests {
  /// What each attempt does: fail at once, or deliver a message then fail.
  enum Attempt { case refused, deliversThenDrops }

  @Test func aConnectionThatDeliveredResetsTheBackoff() async {
    let script: [Attempt] = Array(repeating: .refused, count: 7) + [.deliversThenDrops, .refused, .refused]
    let attempts = Mutex(0)
    let waits = Mutex<[Duration]>([])
    var follower = FeedFollower(source: .signatures, view: LiveView(), logger: Logger(label: "test")) { pulse in
      let attempt = attempts.withLock { n -> Attempt in
        defer { n += 1 }
        return script[min(n, script.count - 1)]
      }
      if attempt == .deliversThenDrops { pulse.beat() }
      throw CancellationError()
    }
    follower.pause = { wait in
      let count = waits.withLock { $0.append(wait); return $0.count }
      // The run ends after the scripted attempts.
      if count == script.count { withUnsafeCurrentTask { $0?.cancel() } }
    }
    try? await follower.run()
    let recorded = waits.withLock { $0 }
    #expect(recorded.count == script.count)
    func near(_ wait: Duration, _ milliseconds: Double) -> Bool {
      wait >= .milliseconds(milliseconds * 0.8) && wait <= .milliseconds(milliseconds * 1.2)
    }
    // 100, 200, 400 … ms while refused (±20 % jitter), capped at 5 s.
    for (index, expected) in [100.0, 200, 400, 800, 1600, 3200, 5000].enumerated() {
      #expect(near(recorded[index], expected), "wait \(index): \(recorded[index])")
    }
    // The connection that delivered: the next wait is the shortest again.
    #expect(near(recorded[7], 100), "after a delivering connection: \(recorded[7])")
    #expect(near(recorded[8], 200) && near(recorded[9], 400), "\(recorded[8...])")
  }
}
