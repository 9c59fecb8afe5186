import ServiceLifecycle

/// What a composition root returns: the services to run in one
/// `ServiceGroup`, dependencies first and the server last (a group stops them
/// in reverse order, so the server drains before its clients close).
public struct BuiltService: Sendable {
  public let server: ServerHost
  public let services: [any Service]
  /// The port of the service's HTTP admin listener, once bound.
  public let adminPort: @Sendable () async -> Int
  /// How many long-lived streams (watches, forwarded streams) the service
  /// holds open now, for tests and metrics.
  public let openStreams: (@Sendable () -> Int)?

  public init(
    server: ServerHost, dependencies: [any Service] = [], admin: AdminListener, openStreams: (@Sendable () -> Int)? = nil
  ) {
    self.openStreams = openStreams
    self.server = server
    self.services = [admin] + dependencies + [server]
    self.adminPort = { await admin.port.value() }
  }
}
