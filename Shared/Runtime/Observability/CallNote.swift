import Synchronization

/// What the request log needs to know about a call that only interceptors
/// further in learn: who the caller turned out to be. `RequestLogInterceptor`
/// binds one per call; authentication writes to it.
public final class CallNote: Sendable {
  private let state = Mutex<String?>(nil)

  public init() {}

  /// The note of the call the current task serves, if any.
  @TaskLocal public static var current: CallNote?

  /// The caller: `organizations/{id}`, `operator`, or a peer service's name.
  public var caller: String? {
    get { state.withLock { $0 } }
    set { state.withLock { $0 = newValue } }
  }

  /// Records the caller on the current call's note, if one is bound.
  public static func noteCaller(_ caller: String) {
    current?.caller = caller
  }
}
