import Foundation
import GroundswellAPI
import SwiftProtobuf

/// What the live view knows about one of its feeds.
struct SourceStatus: Sendable {
  /// Figures older than this are stale.
  static let staleAfter: TimeInterval = 3

  let service: String
  /// The feed's clock at its last message after a complete snapshot: every
  /// figure from this feed is current as of then.
  var asOf: Date?
  /// Whether the current connection has delivered a complete snapshot.
  var synced = false
  /// Why the feed is down, while it is.
  var failure: String?

  init(service: String) {
    self.service = service
  }

  func isFresh(at now: Date) -> Bool {
    guard synced, failure == nil, let asOf else { return false }
    return now.timeIntervalSince(asOf) <= Self.staleAfter
  }

  func freshness(at now: Date) -> Groundswell_Gateway_V1_Freshness {
    .with {
      if let asOf { $0.asOfTime = Google_Protobuf_Timestamp(clamping: asOf) }
      guard !isFresh(at: now) else { return }
      $0.stale = true
      if let asOf { $0.staleSinceTime = Google_Protobuf_Timestamp(clamping: asOf) }
      $0.staleReason =
        if let failure { "\(service) is unreachable: \(failure)" }
        else if !synced { "the gateway is reloading figures from \(service)" }
        else { "\(service) has sent nothing for \(Int(now.timeIntervalSince(asOf ?? now))) s" }
    }
  }
}
