import Foundation
import GRPCCore
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime
import SwiftProtobuf

/// The handlers of `AuditService`: operators read the audit log.
public struct AuditHandlers: Groundswell_Gateway_V1_AuditService.SimpleServiceProtocol {
  let log: any AuditLog

  public init(log: any AuditLog) {
    self.log = log
  }

  public func listAuditEvents(
    request: Groundswell_Gateway_V1_ListAuditEventsRequest, context: ServerContext
  ) async throws -> Groundswell_Gateway_V1_ListAuditEventsResponse {
    var validator = Validator()
    let page = PageRequest.parse(size: request.pageSize, token: request.pageToken, query: "audit", into: &validator)
    try validator.check()
    guard CallContext.current.isOperator else {
      throw DomainError.permissionDenied("Only an operator key may read the audit log.")
    }
    let (events, hasMore) = try await log.events(before: page.after, limit: page.size)
    return .with {
      $0.events = events.map { event in
        .with {
          $0.time = Google_Protobuf_Timestamp(clamping: event.time)
          $0.apiKey = "apiKeys/\(event.keyID)"
          $0.organization = event.organization ?? ""
          $0.operator = event.isOperator
          $0.method = event.method
          $0.target = event.target
          $0.status = event.status
        }
      }
      $0.nextPageToken = PageToken.next(lastPosition: events.last?.sequence, hasMore: hasMore, query: "audit")
    }
  }
}
