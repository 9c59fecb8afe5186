import Foundation
import GRPCCore
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime
import Logging
import SwiftProtobuf
import Synchronization

/// Records in the audit log, when it ends, every call made with an operator
/// key, every call that manages API keys, and every call that finds, exports
/// or erases a person. Runs after authentication (it reads the caller from
/// `CallContext.current`). A call whose event cannot be stored still
/// answers; the failure is logged.
public struct AuditInterceptor: ServerInterceptor {
  let log: any AuditLog
  let logger: Logger

  /// The methods audited whoever calls them.
  static let alwaysAudited: Set<String> = Set(
    Groundswell_Gateway_V1_ApiKeyService.Method.descriptors.map(\.fullyQualifiedMethod) + [
      Groundswell_Supporter_V1_SupporterService.Method.FindSupporter.descriptor.fullyQualifiedMethod,
      Groundswell_Supporter_V1_SupporterService.Method.ExportSupporter.descriptor.fullyQualifiedMethod,
      Groundswell_Supporter_V1_SupporterService.Method.EraseSupporter.descriptor.fullyQualifiedMethod,
    ])

  public init(log: any AuditLog, logger: Logger) {
    self.log = log
    self.logger = logger
  }

  public func intercept<Input: Sendable, Output: Sendable>(
    request: StreamingServerRequest<Input>,
    context: ServerContext,
    next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
  ) async throws -> StreamingServerResponse<Output> {
    let call = CallContext.current
    let method = context.descriptor.fullyQualifiedMethod
    guard let keyID = call.keyID, call.isOperator || Self.alwaysAudited.contains(method) else {
      return try await next(request, context)
    }
    // The target is read from the first request message as it passes.
    let target = Mutex("")
    var request = request
    let messages = request.messages
    request.messages = RPCAsyncSequence(
      wrapping: messages.map { message in
        target.withLock { if $0.isEmpty { $0 = Self.target(of: message) } }
        return message
      })
    return try await observingEnd({ [request] in try await next(request, context) }) { [log, logger] code in
      let event = AuditEventRecord(
        time: Date(), keyID: keyID, organization: call.organization, isOperator: call.isOperator, method: method,
        target: target.withLock { $0 }, status: code.map(RPCMetricsInterceptor.name) ?? "OK")
      do {
        try await log.append(event)
      } catch {
        logger.error("an audit event was not stored", metadata: ["method": "\(method)", "error": "\(error)"])
      }
    }
  }

  /// The resource name in field 1 of a request message, if it holds one
  /// (`collection/id`, optionally nested); empty otherwise. Only names are
  /// ever kept, so no personal data can enter the log.
  static func target<Message>(of message: Message) -> String {
    let bytes: [UInt8]
    if let raw = message as? [UInt8] {
      bytes = raw
    } else if let proto = message as? any SwiftProtobuf.Message, let serialized: [UInt8] = try? proto.serializedBytes() {
      bytes = serialized
    } else {
      return ""
    }
    // Field 1, length-delimited: tag 0x0a, then a one-byte length.
    guard bytes.count >= 2, bytes[0] == 0x0a, bytes[1] < 0x80, bytes.count >= 2 + Int(bytes[1]) else { return "" }
    let value = String(decoding: bytes[2..<(2 + Int(bytes[1]))], as: UTF8.self)
    let parts = value.split(separator: "/", omittingEmptySubsequences: false)
    let isName = parts.count >= 2 && parts.count % 2 == 0
      && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) } }
    return isName ? String(value.prefix(200)) : ""
  }
}
