import Foundation
import Synchronization
import Testing

@testable import PetitionService

/// The lane an import's chunks take turns in: one at a time, organizations
/// in rotation, a caller that went away skipped.
@Suite struct BulkLaneTests {
  /// Holds the lane for organization `a` until `open()`; meanwhile callers
  /// queue in a known order.
  final class Gate: Sendable {
    let opened = Mutex<CheckedContinuation<Void, Never>?>(nil)
    let entered = Mutex(false)
    func hold(_ lane: BulkLane) -> Task<Void, any Error> {
      Task {
        try await lane.run(for: "a") {
          await withCheckedContinuation { continuation in
            opened.withLock { $0 = continuation }
            entered.withLock { $0 = true }
          }
        }
      }
    }
    func open() { opened.withLock { $0.take() }?.resume() }
  }

  /// What ran, in order, and how many at most at once.
  final class Record: Sendable {
    let state = Mutex<(order: [String], running: Int, most: Int)>(([], 0, 0))
    func run(_ piece: String) async throws {
      state.withLock {
        $0.order.append(piece)
        $0.running += 1
        $0.most = max($0.most, $0.running)
      }
      try await Task.sleep(for: .milliseconds(5))
      state.withLock { $0.running -= 1 }
    }
  }

  /// A lane held by `a` behind a gate, and a record for what runs in it.
  static func heldLane() async throws -> (lane: BulkLane, gate: Gate, holder: Task<Void, any Error>, record: Record) {
    let lane = BulkLane(name: "test")
    let gate = Gate()
    let holder = gate.hold(lane)
    try await until { gate.entered.withLock { $0 } }
    return (lane, gate, holder, Record())
  }

  static func until(_ condition: () -> Bool) async throws {
    for _ in 0..<1_000 where !condition() { try await Task.sleep(for: .milliseconds(2)) }
    try #require(condition())
  }

  @Test func organizationsTakeTurnsOneAtATime() async throws {
    let (lane, gate, holder, record) = try await Self.heldLane()
    var callers: [Task<Void, any Error>] = []
    // Three pieces of `a`'s, then one of `b`'s and one of `c`'s arrive.
    for (index, piece) in ["a1", "a2", "a3", "b1", "c1"].enumerated() {
      callers.append(
        Task {
          try await lane.run(for: String(piece.prefix(1))) { try await record.run(piece) }
        })
      try await Self.until { lane.waiting == index + 1 }
    }
    gate.open()
    try await holder.value
    for caller in callers { try await caller.value }
    let (order, _, most) = record.state.withLock { $0 }
    // `a` was first in line; its next pieces wait until `b` and `c` had a turn.
    #expect(order == ["a1", "b1", "c1", "a2", "a3"])
    #expect(most == 1)
    #expect(lane.waiting == 0)
  }

  @Test func aCallerThatWentAwayIsSkipped() async throws {
    let (lane, gate, holder, record) = try await Self.heldLane()
    let gone = Task { try await lane.run(for: "b") { try await record.run("gone") } }
    try await Self.until { lane.waiting == 1 }
    let next = Task { try await lane.run(for: "c") { try await record.run("next") } }
    try await Self.until { lane.waiting == 2 }
    gone.cancel()
    gate.open()
    try await holder.value
    await #expect(throws: CancellationError.self) { try await gone.value }
    try await next.value
    #expect(record.state.withLock { $0.order } == ["next"])
    #expect(lane.waiting == 0)
  }
}
