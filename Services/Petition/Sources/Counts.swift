import Foundation
import GRPCCore
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime
import SwiftProtobuf

/// Signature counts for partners and dashboards, batched and streamed.
extension PetitionHandlers {
  /// Validates a batch of resource names and returns their ids.
  static func ids(_ names: [String], field: String, collection: String) throws -> [String] {
    var validator = Validator()
    let ids = validator.names(field, names, collection: collection)
    try validator.check()
    return ids
  }

  public func batchGetSignatureCounts(
    request: Groundswell_Petition_V1_BatchGetSignatureCountsRequest, context: ServerContext
  ) async throws -> Groundswell_Petition_V1_BatchGetSignatureCountsResponse {
    let ids = try Self.ids(request.petitions, field: "petitions", collection: "petitions")
    let counts = try await currentCounts(ids: ids, names: request.petitions)
    return .with { $0.counts = counts }
  }

  /// The counts of `ids` (named `names` in the request); NOT_FOUND names the
  /// first unknown one. Another organization's draft is unknown: it answers
  /// exactly as a name that does not exist.
  func currentCounts(ids: [String], names: [String]) async throws -> [Groundswell_Petition_V1_SignatureCount] {
    let call = CallContext.current
    let counts = try await repository.counts(ids: ids).filter { call.canSee(organization: $0.value.organization, state: $0.value.state) }
    if let missing = ids.firstIndex(where: { counts[$0] == nil }) {
      throw DomainError.notFound("Petition `\(names[missing])` was not found.")
    }
    return ids.map { id in
      .with {
        $0.petition = "petitions/\(id)"
        $0.signatureCount = counts[id]!.count
        $0.updateTime = Google_Protobuf_Timestamp(clamping: counts[id]!.updateTime)
      }
    }
  }

  /// How often watch streams read their pending changes: the changes to one
  /// petition within this window reach the watcher as one.
  static let watchWindow = Duration.milliseconds(100)

  public func watchSignatureCounts(
    request: Groundswell_Petition_V1_WatchSignatureCountsRequest,
    response: RPCWriter<Groundswell_Petition_V1_WatchSignatureCountsResponse>,
    context: ServerContext
  ) async throws {
    let ids = try Self.ids(request.petitions, field: "petitions", collection: "petitions")
    // Subscribe before reading the current counts, so no change falls between.
    let subscription = changes.subscribe(to: ids.isEmpty ? nil : Set(ids))
    defer { subscription.cancel() }
    if !ids.isEmpty {
      let current = try await currentCounts(ids: ids, names: request.petitions)
      try await response.write(.with { $0.counts = current })
    }
    try await withRPCCancellationHandler {
      try await subscription.deliver(every: Self.watchWindow) { pending, _ in
        try await response.write(.with { $0.counts = pending.map(\.proto) })
      }
    } onCancelRPC: {
      subscription.cancel()
    }
  }
}
