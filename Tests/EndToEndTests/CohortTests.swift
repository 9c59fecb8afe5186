import GroundswellRuntime
import Synchronization
import Testing

/// Calls that reached a service together go through its batchers together:
/// a batch is not taken while a member of a queued call's cohort is still
/// running, and members waiting elsewhere or done hold nothing.
@Suite struct CohortTests {
  /// A batcher that answers each input with itself and records the size of
  /// each batch; `before` runs at the start of every batch.
  final class Recorder: Sendable {
    final class Sizes: Sendable {
      let list = Mutex<[Int]>([])
    }
    let sizes = Sizes()
    let batcher: CallBatcher<Int, Int>

    init(before: @escaping @Sendable () async -> Void = {}) {
      let sizes = sizes
      batcher = CallBatcher(maximumBatch: 1_000) { inputs in
        sizes.list.withLock { $0.append(inputs.count) }
        await before()
        return inputs.map { .success($0) }
      }
    }

    var batches: [Int] { sizes.list.withLock { $0 } }
  }

  /// A gate tasks wait at until it opens.
  final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiting: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
      await withCheckedContinuation { continuation in
        let now = state.withLock { state in
          if state.open { return true }
          state.waiting.append(continuation)
          return false
        }
        if now { continuation.resume() }
      }
    }

    func open() {
      for waiter in state.withLock({ state in
        state.open = true
        defer { state.waiting = [] }
        return state.waiting
      }) { waiter.resume() }
    }
  }

  /// Runs `count` members of one cohort, each through `body`.
  static func cohort(_ count: Int, _ body: @escaping @Sendable (Int) async throws -> Void) async throws {
    let cohort = Cohort(members: count)
    try await withThrowingTaskGroup(of: Void.self) { group in
      for member in 0..<count {
        group.addTask {
          try await cohort.member {
            do {
              try await body(member)
              return Result<Void, any Error>.success(())
            } catch {
              return .failure(error)
            }
          }.get()
        }
      }
      try await group.waitForAll()
    }
  }

  @Test func theFirstMemberDoesNotGoAlone() async throws {
    let recorder = Recorder()
    let late = Gate()
    try await Self.cohort(20) { member in
      // The others are still working while the first reaches the batcher.
      if member > 0 { await late.wait() }
      if member == 0 { Task { try? await Task.sleep(for: .milliseconds(20)); late.open() } }
      let answer = try await recorder.batcher.submit(member)
      #expect(answer == member)
    }
    #expect(recorder.batches == [20])
  }

  @Test func membersThatLeaveEarlyHoldNothing() async throws {
    let recorder = Recorder()
    let late = Gate()
    try await Self.cohort(10) { member in
      if member == 0 { Task { try? await Task.sleep(for: .milliseconds(10)); late.open() } }
      if member > 0 { await late.wait() }
      // Half are refused before reaching the batcher (a bad request, say).
      guard member % 2 == 0 else { return }
      _ = try await recorder.batcher.submit(member)
    }
    #expect(recorder.batches == [5])
  }

  @Test func membersWaitingInAnotherBatcherHoldNothing() async throws {
    // The first batcher answers only once the second has run a batch: were
    // its members counted as running, the second would wait for them and
    // neither would ever answer.
    let secondRan = Gate()
    let second = Recorder()
    let first = Recorder(before: { await secondRan.wait() })
    try await Self.cohort(10) { member in
      if member < 5 { _ = try await first.batcher.submit(member) }
      _ = try await second.batcher.submit(member)
      if member >= 5 { secondRan.open() }
    }
    #expect(first.batches == [5])
    #expect(second.batches == [5, 5])
  }

  @Test func membersAnsweredTogetherGoOnTogether() async throws {
    let first = Recorder()
    let second = Recorder()
    let late = Gate()
    try await Self.cohort(50) { member in
      _ = try await first.batcher.submit(member)
      // The first answered goes on at once, the others a moment later.
      if member == 0 { Task { try? await Task.sleep(for: .milliseconds(10)); late.open() } }
      if member > 0 { await late.wait() }
      _ = try await second.batcher.submit(member)
    }
    #expect(first.batches == [50])
    #expect(second.batches == [50])
  }

  @Test func callsOutsideACohortGoAsTheyCome() async throws {
    let recorder = Recorder()
    #expect(try await recorder.batcher.submit(7) == 7)
    #expect(try await recorder.batcher.submit(8) == 8)
    #expect(recorder.batches == [1, 1])
  }
}
