import Foundation
import Synchronization

/// A changed signature count, as `WatchSignatureCounts` streams it.
public struct CountChange: Sendable, Equatable {
  public var petitionID: String
  public var count: Int64
  public var updateTime: Date
}

/// Fans committed count changes out to the open `WatchSignatureCounts`
/// streams. Each subscriber has a bounded buffer that keeps the newest
/// changes, so a slow reader never slows the sign path.
public final class CountBroadcaster: Sendable {
  private struct Subscriber {
    var filter: Set<String>?
    var continuation: AsyncStream<CountChange>.Continuation
  }

  private struct State {
    var subscribers: [Int: Subscriber] = [:]
    var next = 0
    var finished = false
  }

  private let state = Mutex(State())

  public init() {}

  /// A stream of the changes to `petitions` (all petitions when nil), and a
  /// function that ends it.
  public func subscribe(to petitions: Set<String>?) -> (changes: AsyncStream<CountChange>, cancel: @Sendable () -> Void) {
    let (stream, continuation) = AsyncStream.makeStream(of: CountChange.self, bufferingPolicy: .bufferingNewest(4096))
    let finished = state.withLock { state in
      guard !state.finished else { return true }
      let id = state.next
      state.next += 1
      state.subscribers[id] = Subscriber(filter: petitions, continuation: continuation)
      continuation.onTermination = { [weak self] _ in
        self?.state.withLock { _ = $0.subscribers.removeValue(forKey: id) }
      }
      return false
    }
    if finished { continuation.finish() }
    return (stream, { continuation.finish() })
  }

  public func publish(_ change: CountChange) {
    state.withLock { state in
      for subscriber in state.subscribers.values where subscriber.filter?.contains(change.petitionID) ?? true {
        subscriber.continuation.yield(change)
      }
    }
  }

  /// Ends every stream, so that graceful shutdown is not held open by them.
  public func finishAll() {
    // Finish outside the lock: finishing runs `onTermination`, which locks.
    let subscribers = state.withLock { state in
      state.finished = true
      defer { state.subscribers = [:] }
      return Array(state.subscribers.values)
    }
    for subscriber in subscribers { subscriber.continuation.finish() }
  }
}
