import NIOCore
import NIOSSL
import NIOTLS
import Synchronization

/// The limits a server puts on connections before any gRPC is involved.
public struct ConnectionLimits: Sendable {
  /// The most TCP connections the server holds; later ones are closed at once.
  public var maximumConnections: Int
  /// How long a client may take to finish the TLS handshake.
  public var handshakeTimeout: Duration
  /// How long a connection with no open stream is kept.
  public var idleTimeout: Duration
  /// The most concurrent streams one connection may open (HTTP/2 setting).
  public var streamsPerConnection: Int
  /// The largest request message, in bytes.
  public var maximumMessageBytes: Int

  /// The public listener: partners over the internet.
  public static let publicListener = ConnectionLimits(
    maximumConnections: 2_000, handshakeTimeout: .seconds(10), idleTimeout: .seconds(5 * 60),
    streamsPerConnection: 256, maximumMessageBytes: 4 * 1024 * 1024)

  /// An internal listener: only the deployment's own services connect (by
  /// certificate), over few connections that carry many streams each.
  public static let internalListener = ConnectionLimits(
    maximumConnections: 500, handshakeTimeout: .seconds(10), idleTimeout: .seconds(5 * 60),
    streamsPerConnection: 4_096, maximumMessageBytes: 4 * 1024 * 1024)
}

/// Counts a server's open connections.
public final class ConnectionCounter: Sendable {
  private let open = Atomic<Int>(0)

  public init() {}

  public var count: Int { open.load(ordering: .relaxed) }

  /// Counts one more connection; false (and not counted) when `maximum` are open.
  func admit(maximum: Int) -> Bool {
    while true {
      let current = open.load(ordering: .relaxed)
      guard current < maximum else { return false }
      if open.compareExchange(expected: current, desired: current + 1, ordering: .relaxed).exchanged { return true }
    }
  }

  func release() { open.subtract(1, ordering: .relaxed) }
}

/// Sits right after the TLS handler of each accepted connection: closes the
/// connection when the server holds its maximum already, or when the TLS
/// handshake has not finished in time (a TCP connection that never starts
/// TLS would otherwise be held forever).
final class ConnectionGuard: ChannelInboundHandler, RemovableChannelHandler {
  typealias InboundIn = NIOAny

  private let counter: ConnectionCounter
  private let limits: ConnectionLimits
  private let awaitsHandshake: Bool
  private var admitted = false
  private var started = false
  private var handshakeTimer: Scheduled<Void>?

  init(counter: ConnectionCounter, limits: ConnectionLimits, awaitsHandshake: Bool) {
    self.counter = counter
    self.limits = limits
    self.awaitsHandshake = awaitsHandshake
  }

  /// Adds a guard after the channel's TLS handler (or first, without TLS).
  static func install(on channel: any Channel, counter: ConnectionCounter, limits: ConnectionLimits) -> EventLoopFuture<Void> {
    channel.eventLoop.makeCompletedFuture {
      let operations = channel.pipeline.syncOperations
      if let tls = try? operations.handler(type: NIOSSLServerHandler.self) {
        try operations.addHandler(ConnectionGuard(counter: counter, limits: limits, awaitsHandshake: true), position: .after(tls))
      } else {
        try operations.addHandler(ConnectionGuard(counter: counter, limits: limits, awaitsHandshake: false), position: .first)
      }
    }
  }

  func handlerAdded(context: ChannelHandlerContext) {
    if context.channel.isActive { start(context: context) }
  }

  func channelActive(context: ChannelHandlerContext) {
    start(context: context)
    context.fireChannelActive()
  }

  private func start(context: ChannelHandlerContext) {
    guard !started else { return }
    started = true
    guard counter.admit(maximum: limits.maximumConnections) else {
      context.close(promise: nil)
      return
    }
    admitted = true
    guard awaitsHandshake else { return }
    let channel = context.channel
    handshakeTimer = context.eventLoop.scheduleTask(in: TimeAmount(limits.handshakeTimeout)) {
      channel.close(promise: nil)
    }
  }

  func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
    if case TLSUserEvent.handshakeCompleted = event {
      handshakeTimer?.cancel()
      handshakeTimer = nil
    }
    context.fireUserInboundEventTriggered(event)
  }

  func channelInactive(context: ChannelHandlerContext) {
    handshakeTimer?.cancel()
    handshakeTimer = nil
    if admitted {
      admitted = false
      counter.release()
    }
    context.fireChannelInactive()
  }
}
