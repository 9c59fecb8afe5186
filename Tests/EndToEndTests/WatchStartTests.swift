import GRPCCore
import Synchronization
import Testing

@testable import GatewayService

/// A watch that arrives while the gateway is connecting to petition-service's
/// counts waits for it, within a limit, instead of being turned away at once.
@Suite struct WatchStartTests {
  @Test func aWatchWaitsForTheGatewayToFollowTheCounts() async throws {
    let fanout = CountFanout()
    let waiting = Task { try await fanout.awaitFollowing(within: .seconds(30)) }
    try await Task.sleep(for: .milliseconds(100))
    fanout.set(following: true)
    try await waiting.value
    // Once following, a watch does not wait at all.
    try await fanout.awaitFollowing(within: .zero)
  }

  @Test func aWatchIsAnsweredUnavailableWhenTheGatewayDoesNotFollowInTime() async throws {
    let fanout = CountFanout()
    let refused = await #expect(throws: RPCError.self) { try await fanout.awaitFollowing(within: .milliseconds(100)) }
    #expect(refused?.code == .unavailable)
    #expect(refused?.message.contains("watch again") == true)
  }

  @Test func aWatchStopsWaitingWhenItsCallerLeaves() async throws {
    let fanout = CountFanout()
    let left = Atomic(false)
    let waiting = Task { try await fanout.awaitFollowing(within: .seconds(30)) { left.load(ordering: .relaxed) } }
    try await Task.sleep(for: .milliseconds(100))
    left.store(true, ordering: .relaxed)
    let refused = await #expect(throws: RPCError.self) { try await waiting.value }
    #expect(refused?.code == .unavailable)
  }
}
