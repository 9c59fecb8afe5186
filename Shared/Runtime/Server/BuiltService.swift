import ServiceLifecycle

/// What a composition root returns: the services to run in one
/// `ServiceGroup`, dependencies first and the server last (a group stops them
/// in reverse order, so the server drains before its clients close).
public struct BuiltService: Sendable {
  public let server: ServerHost
  public let services: [any Service]

  public init(server: ServerHost, dependencies: [any Service] = []) {
    self.server = server
    self.services = dependencies + [server]
  }
}
