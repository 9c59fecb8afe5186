import GRPCCore
import Testing

@testable import GatewayService

/// A watch that arrives while the gateway is connecting to petition-service's
/// counts waits for it, within a limit, instead of being turned away at once.
@Suite struct WatchStartTests {
  @Test func watchesWaitForTheGatewayToFollowTheCountsAndAreWokenTogether() async throws {
    let fanout = CountFanout()
    let waiting = (0..<500).map { _ in Task { try await fanout.awaitFollowing(within: .seconds(30)) } }
    try await Task.sleep(for: .milliseconds(100))
    fanout.set(following: true)
    for watch in waiting { try await watch.value }
    // Once following, a watch does not wait at all.
    try await fanout.awaitFollowing(within: .zero)
  }

  @Test func aWatchIsAnsweredUnavailableWhenTheGatewayDoesNotFollowInTime() async throws {
    let fanout = CountFanout()
    let refused = await #expect(throws: RPCError.self) { try await fanout.awaitFollowing(within: .milliseconds(100)) }
    #expect(refused?.code == .unavailable)
    #expect(refused?.message.contains("watch again") == true)
    // A lost backend watch makes new watches wait again.
    fanout.set(following: true)
    fanout.set(following: false)
    await #expect(throws: RPCError.self) { try await fanout.awaitFollowing(within: .milliseconds(50)) }
  }

  @Test func aWatchStopsWaitingWhenItsCallerLeaves() async throws {
    let fanout = CountFanout()
    let start = ContinuousClock.now
    let waiting = Task { try await fanout.awaitFollowing(within: .seconds(30)) }
    try await Task.sleep(for: .milliseconds(100))
    waiting.cancel()
    let refused = await #expect(throws: RPCError.self) { try await waiting.value }
    #expect(refused?.code == .unavailable)
    #expect(ContinuousClock.now - start < .seconds(10), "it did not wait out its limit")
  }
}
