import Foundation
import GRPCCore
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime
import SwiftProtobuf

/// The handlers of the internal `PetitionFeedService`, which the gateway
/// follows to keep its live view of signature totals.
public struct PetitionFeedHandlers: Sendable {
  let repository: any PetitionRepository
  let changes: PetitionChanges

  /// Changes to one petition within this window are sent as one.
  static let window = Duration.milliseconds(100)
  /// A heartbeat is sent when nothing changed for this long.
  static let heartbeat = Duration.seconds(1)
  /// Petitions read per snapshot query, and supporters per message (a
  /// message stays near 300 KB: well under gRPC's 4 MB limit, and small
  /// enough that the receiver never holds much of the snapshot decoded).
  static let petitionsPerRead = 500
  static let supportersPerMessage = 10_000

  public init(repository: any PetitionRepository, changes: PetitionChanges) {
    self.repository = repository
    self.changes = changes
  }
}

extension PetitionFeedHandlers: Groundswell_Petition_V1_PetitionFeedService.SimpleServiceProtocol {
  public func watchPetitionFeed(
    request: Groundswell_Petition_V1_WatchPetitionFeedRequest,
    response: RPCWriter<Groundswell_Petition_V1_WatchPetitionFeedResponse>,
    context: ServerContext
  ) async throws {
    // Subscribe before reading the snapshot, so no change falls between; a
    // change that the snapshot already holds carries a version the receiver
    // has, and is ignored or re-applied harmlessly.
    let subscription = changes.subscribe()
    defer { subscription.cancel() }
    try await withRPCCancellationHandler {
      try await sendSnapshot(recentMinutes: request.includeRecentMinutes, to: response)
      try await subscription.deliver(every: Self.window, heartbeat: Self.heartbeat) { pending, asOf in
        var batch = Groundswell_Petition_V1_WatchPetitionFeedResponse()
        batch.asOfTime = Google_Protobuf_Timestamp(clamping: asOf)
        for change in pending {
          batch.petitions.append(change.figures)
          if batch.petitions.count == 1_000 {
            try await response.write(batch)
            batch.petitions = []
          }
        }
        if !batch.petitions.isEmpty || pending.isEmpty { try await response.write(batch) }
      }
    } onCancelRPC: {
      subscription.cancel()
    }
  }

  /// Every petition's figures, in messages of bounded size; the last one
  /// says the snapshot is complete.
  func sendSnapshot(
    recentMinutes: Bool, to response: RPCWriter<Groundswell_Petition_V1_WatchPetitionFeedResponse>
  ) async throws {
    let asOf = Google_Protobuf_Timestamp(clamping: Date())
    let since = recentMinutes ? Date().addingTimeInterval(-86_400) : nil
    var message = Groundswell_Petition_V1_WatchPetitionFeedResponse()
    var supportersInMessage = 0
    func flush() async throws {
      message.asOfTime = asOf
      try await response.write(message)
      message = .init()
      supportersInMessage = 0
    }
    var after = ""
    while true {
      let records = try await repository.figures(after: after, limit: Self.petitionsPerRead, minutesSince: since)
      for record in records {
        var figures = record.figures
        // A petition with many signers spans messages: its first entry has
        // its figures, the next ones only more supporters.
        var remaining = record.supporters[...]
        repeat {
          let room = max(Self.supportersPerMessage - supportersInMessage, 1_000)
          figures.supporters = Array(remaining.prefix(room))
          remaining = remaining.dropFirst(room)
          supportersInMessage += figures.supporters.count
          message.petitions.append(figures)
          if supportersInMessage >= Self.supportersPerMessage || message.petitions.count >= 1_000 { try await flush() }
          figures = .with { $0.petition = figures.petition }
        } while !remaining.isEmpty
      }
      guard records.count == Self.petitionsPerRead, let last = records.last else { break }
      after = last.petitionID
      try Task.checkCancellation()
    }
    message.snapshotComplete = true
    try await flush()
  }

  public func getSignatureHistory(
    request: Groundswell_Petition_V1_GetSignatureHistoryRequest, context: ServerContext
  ) async throws -> Groundswell_Petition_V1_GetSignatureHistoryResponse {
    var validator = Validator()
    let ids = validator.names("petitions", request.petitions, collection: "petitions")
    if request.petitions.isEmpty { validator.add("petitions", "petitions must name at least one petition.") }
    let checked = HistoryRange(
      validating: &validator, granularity: request.granularity.rawValue,
      start: request.hasStartTime ? request.startTime : nil, end: request.hasEndTime ? request.endTime : nil)
    try validator.check()
    let range = checked!  // nil only with a violation, which check() threw
    let counts = try await repository.history(
      petitionIDs: ids, size: range.size, start: range.firstBucket, end: range.endSeconds)
    return .with {
      $0.buckets = range.bucketStarts.map { start in
        .with {
          $0.startTime = Google_Protobuf_Timestamp(seconds: start, nanos: 0)
          $0.signatureCount = counts[start] ?? 0
        }
      }
    }
  }
}

extension PetitionFiguresRecord {
  var figures: Groundswell_Petition_V1_PetitionFigures {
    .with {
      $0.petition = "petitions/\(petitionID)"
      $0.organization = organization
      $0.signatureCount = count
      $0.version = version
      if let lastSignatureTime { $0.lastSignatureTime = Google_Protobuf_Timestamp(clamping: lastSignatureTime) }
      $0.supporters = supporters
      $0.minutes = minutes.sorted { $0.key < $1.key }.map { minute in
        .with {
          $0.minuteStartSeconds = minute.key
          $0.signatureCount = minute.value
        }
      }
    }
  }
}

extension PetitionChange {
  var figures: Groundswell_Petition_V1_PetitionFigures {
    var figures = PetitionFiguresRecord(
      petitionID: petitionID, organization: organization, count: count, version: version,
      lastSignatureTime: lastSignatureTime, supporters: signed.sorted(), minutes: minutes
    ).figures
    figures.withdrawnSupporters = withdrawn.sorted()
    figures.removed = removed
    return figures
  }
}
