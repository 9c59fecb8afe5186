import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// An endpoint URL, checked: `https://host[:port]/path?query`.
public struct WebhookURL: Sendable, Equatable {
  public var host: String
  public var port: Int
  /// Path and query, starting with `/`.
  public var target: String

  public static let maximumBytes = 2_000

  /// nil with the reason when `text` is not an acceptable endpoint.
  public static func parse(_ text: String) -> Result<WebhookURL, WebhookURLError> {
    guard text.utf8.count <= maximumBytes else { return .failure(.tooLong) }
    guard let components = URLComponents(string: text), components.scheme?.lowercased() == "https" else {
      return .failure(.notHTTPS)
    }
    guard let host = components.host, !host.isEmpty else { return .failure(.noHost) }
    guard components.user == nil, components.password == nil else { return .failure(.credentials) }
    let port = components.port ?? 443
    guard (1...65_535).contains(port) else { return .failure(.badPort) }
    var target = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
    if let query = components.percentEncodedQuery { target += "?" + query }
    let bareHost = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
    return .success(WebhookURL(host: bareHost, port: port, target: target))
  }
}

/// Why a URL is not an acceptable endpoint.
public enum WebhookURLError: Error, Sendable, CustomStringConvertible {
  case tooLong, notHTTPS, noHost, credentials, badPort

  public var description: String {
    switch self {
    case .tooLong: "is longer than \(WebhookURL.maximumBytes) bytes"
    case .notHTTPS: "must be an https:// URL"
    case .noHost: "has no host"
    case .credentials: "may not carry a user name or password"
    case .badPort: "has a port outside 1 to 65535"
    }
  }
}

/// Which addresses webhooks may reach. By default none of the deployment's
/// own kind: loopback, private (RFC 1918, fc00::/7), shared (100.64/10),
/// link-local (169.254/16 — cloud metadata — and fe80::/10), unspecified,
/// multicast and reserved ranges, and IPv4 mapped into IPv6 the same way.
public struct WebhookAddressPolicy: Sendable {
  public var allowInternal: Bool

  public init(allowInternal: Bool = false) {
    self.allowInternal = allowInternal
  }

  public func permits(_ address: SocketAddress) -> Bool {
    allowInternal || !Self.isInternal(address)
  }

  static func isInternal(_ address: SocketAddress) -> Bool {
    switch address {
    case .v4(let v4):
      return isInternal(v4: UInt32(bigEndian: v4.address.sin_addr.s_addr))
    case .v6(let v6):
      var address = v6.address.sin6_addr
      let bytes = withUnsafeBytes(of: &address) { Array($0) }
      return isInternal(v6: bytes)
    case .unixDomainSocket:
      return true
    }
  }

  static func isInternal(v4 ip: UInt32) -> Bool {
    func within(_ prefix: UInt32, _ length: UInt32) -> Bool {
      let mask: UInt32 = length == 0 ? 0 : ~UInt32(0) << (32 - length)
      return ip & mask == prefix & mask
    }
    let ranges: [(UInt32, UInt32)] = [
      (0x0000_0000, 8), (0x0A00_0000, 8), (0x6440_0000, 10), (0x7F00_0000, 8), (0xA9FE_0000, 16), (0xAC10_0000, 12),
      (0xC000_0000, 24), (0xC0A8_0000, 16), (0xC612_0000, 15), (0xE000_0000, 4), (0xF000_0000, 4),
    ]
    return ranges.contains { within($0.0, $0.1) }
  }

  static func isInternal(v6 bytes: [UInt8]) -> Bool {
    guard bytes.count == 16 else { return true }
    if bytes.allSatisfy({ $0 == 0 }) { return true }  // ::
    if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return true }  // ::1
    if bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80 { return true }  // fe80::/10
    if bytes[0] & 0xFE == 0xFC { return true }  // fc00::/7
    if bytes[0] == 0xFF { return true }  // multicast
    let v4 = UInt32(bytes[12]) << 24 | UInt32(bytes[13]) << 16 | UInt32(bytes[14]) << 8 | UInt32(bytes[15])
    if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF { return isInternal(v4: v4) }  // ::ffff:v4
    if bytes[0..<12] == [0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0] { return isInternal(v4: v4) }  // 64:ff9b::/96
    return false
  }
}

/// What one POST came to.
public enum PostResult: Error, Sendable, Equatable {
  /// The endpoint answered with this status.
  case answered(Int)
  /// No answer: the reason, in our words.
  case failed(String)
  /// The address is one webhooks may not reach.
  case refused(String)
}

/// POSTs a body over HTTPS to one endpoint: resolves the host once, checks
/// the address against the policy and connects to that very address (so a
/// DNS answer cannot change between the check and the connection), with
/// the certificate verified for the host name. One request per connection;
/// the whole exchange is bounded by `timeout`.
public struct WebhookPoster: Sendable {
  let policy: WebhookAddressPolicy
  /// nil when no CA certificates could be loaded: deliveries then fail,
  /// saying why, and the rest of the gateway runs.
  let tls: NIOSSLContext?
  let timeout: TimeAmount
  let group: any EventLoopGroup

  /// Why `tls` is nil.
  public let unavailable: String?

  /// Throws when `extraTrustRoots` is given and cannot be read; without
  /// the system's CA certificates (a minimal image without
  /// ca-certificates) deliveries are refused instead.
  public init(policy: WebhookAddressPolicy, extraTrustRoots: String?, timeout: Duration) throws {
    var configuration = TLSConfiguration.makeClientConfiguration()
    // A connection closed at the deadline is closed at once, without
    // waiting for the endpoint's own close_notify.
    configuration.shutdownTimeout = .milliseconds(100)
    if let extraTrustRoots {
      configuration.additionalTrustRoots = [.file(extraTrustRoots)]
      guard FileManager.default.isReadableFile(atPath: extraTrustRoots) else {
        throw WebhookSetupError("the webhook CA file \(extraTrustRoots) cannot be read")
      }
    }
    self.policy = policy
    do {
      tls = try NIOSSLContext(configuration: configuration)
      unavailable = nil
    } catch {
      tls = nil
      unavailable = "the gateway has no CA certificates to verify webhook endpoints (install ca-certificates or set --webhook-ca-file)"
    }
    self.timeout = TimeAmount(timeout)
    group = MultiThreadedEventLoopGroup.singleton
  }

  /// The address `url` resolves to, if webhooks may reach it.
  public func check(_ url: WebhookURL) async -> Result<SocketAddress, PostResult> {
    let resolved: SocketAddress
    do {
      resolved = try await NIOThreadPool.singleton.runIfActive {
        try SocketAddress.makeAddressResolvingHost(url.host, port: url.port)
      }
    } catch {
      return .failure(.failed("the host name \(url.host.prefix(60)) did not resolve"))
    }
    guard policy.permits(resolved) else {
      return .failure(.refused("\(url.host.prefix(60)) resolves to an internal address, which webhooks may not reach"))
    }
    return .success(resolved)
  }

  public func post(_ url: WebhookURL, body: [UInt8], headers: [(String, String)]) async -> PostResult {
    let address: SocketAddress
    switch await check(url) {
    case .failure(let result): return result
    case .success(let checked): address = checked
    }
    let isLiteral = (try? SocketAddress(ipAddress: url.host, port: 0)) != nil
    guard let tls else { return .failed(unavailable ?? "TLS is not available") }
    let timeout = timeout
    do {
      let channel = try await ClientBootstrap(group: group)
        .connectTimeout(timeout)
        .connect(to: address) { channel in
          channel.eventLoop.makeCompletedFuture {
            let handler = try NIOSSLClientHandler(context: tls, serverHostname: isLiteral ? nil : url.host)
            try channel.pipeline.syncOperations.addHandler(handler)
            try channel.pipeline.syncOperations.addHTTPClientHandlers()
            return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
          }
        }
      // The whole exchange within the timeout: closing the channel ends
      // it, and an answer after the deadline does not count.
      let timedOut = Flag()
      let deadline = channel.channel.eventLoop.scheduleTask(in: timeout) {
        timedOut.set()
        channel.channel.close(promise: nil)
      }
      defer { deadline.cancel() }
      let late = PostResult.failed("no answer within \(timeout.nanoseconds / 1_000_000) ms")
      let result: PostResult
      do {
        result = try await exchange(channel, url: url, body: body, headers: headers)
      } catch where timedOut.isSet {
        return late
      }
      return timedOut.isSet ? late : result
    } catch let error as NIOSSLError {
      return .failed("TLS failed: \(String(describing: error).prefix(120))")
    } catch {
      return .failed("no answer: \(String(describing: error).prefix(120))")
    }
  }

  /// Sends the request and reads the status line of the answer.
  private func exchange(
    _ channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>, url: WebhookURL, body: [UInt8],
    headers: [(String, String)]
  ) async throws -> PostResult {
    let timeout = timeout
    return try await channel.executeThenClose { inbound, outbound in
        var head = HTTPHeaders()
        head.add(name: "Host", value: url.port == 443 ? url.host : "\(url.host):\(url.port)")
        head.add(name: "Content-Length", value: "\(body.count)")
        head.add(name: "Connection", value: "close")
        head.add(name: "User-Agent", value: "Groundswell-Webhooks/1")
        for (name, value) in headers { head.add(name: name, value: value) }
        try await outbound.write(.head(HTTPRequestHead(version: .http1_1, method: .POST, uri: url.target, headers: head)))
        try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body))))
        try await outbound.write(.end(nil))
        for try await part in inbound {
          if case .head(let response) = part { return .answered(Int(response.status.code)) }
        }
        return .failed("the endpoint closed the connection without answering within \(timeout.nanoseconds / 1_000_000) ms")
    }
  }
}

/// Set once, read from any thread.
final class Flag: Sendable {
  private let value = Mutex(false)
  func set() { value.withLock { $0 = true } }
  var isSet: Bool { value.withLock { $0 } }
}

/// A webhook setting that keeps the gateway from starting.
public struct WebhookSetupError: Error, CustomStringConvertible {
  public let description: String
  init(_ description: String) { self.description = description }
}
