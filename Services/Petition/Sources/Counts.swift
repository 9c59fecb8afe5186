import Foundation
import GRPCCore
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime
import SwiftProtobuf

/// Counters for other services and dashboards: signature counts (batched and
/// streamed) and petitions started per organization.
extension PetitionHandlers {
  public func batchGetSignatureCounts(
    request: Groundswell_Petition_V1_BatchGetSignatureCountsRequest, context: ServerContext
  ) async throws -> Groundswell_Petition_V1_BatchGetSignatureCountsResponse {
    let ids = try Self.ids(request.petitions, field: "petitions", collection: "petitions")
    let counts = try await repository.counts(ids: ids)
    if let missing = ids.firstIndex(where: { counts[$0] == nil }) {
      throw DomainError.notFound("Petition `\(request.petitions[missing])` was not found.")
    }
    return .with {
      $0.counts = ids.map { id in
        let count = counts[id]!
        return .with {
          $0.petition = "petitions/\(id)"
          $0.signatureCount = count.count
          $0.updateTime = Google_Protobuf_Timestamp(date: count.updateTime)
        }
      }
    }
  }

  public func watchSignatureCounts(
    request: Groundswell_Petition_V1_WatchSignatureCountsRequest,
    response: RPCWriter<Groundswell_Petition_V1_WatchSignatureCountsResponse>,
    context: ServerContext
  ) async throws {
    let ids = try Self.ids(request.petitions, field: "petitions", collection: "petitions")
    // Subscribe before reading the current counts, so no change falls between.
    let (changes, cancel) = broadcaster.subscribe(to: ids.isEmpty ? nil : Set(ids))
    if !ids.isEmpty {
      let current = try await batchGetSignatureCounts(request: .with { $0.petitions = request.petitions }, context: context)
      try await response.write(.with { $0.counts = current.counts })
    }
    try await withRPCCancellationHandler {
      for await change in changes {
        try await response.write(.with { $0.counts = [change.proto] })
      }
    } onCancelRPC: {
      cancel()
    }
  }

  public func batchGetPetitionsStarted(
    request: Groundswell_Petition_V1_BatchGetPetitionsStartedRequest, context: ServerContext
  ) async throws -> Groundswell_Petition_V1_BatchGetPetitionsStartedResponse {
    _ = try Self.ids(request.organizations, field: "organizations", collection: "organizations")
    let started = try await repository.petitionsStarted(organizations: request.organizations)
    return .with { $0.petitionsStarted = request.organizations.map { started[$0] ?? 0 } }
  }

  /// Validates a batch of resource names and returns their ids.
  static func ids(_ names: [String], field: String, collection: String) throws -> [String] {
    var validator = Validator()
    if names.count > Limits.batchSize {
      validator.add(field, "\(field) may name at most \(Limits.batchSize) \(collection); it names \(names.count).")
    }
    let ids = names.enumerated().compactMap { index, name in
      validator.name("\(field)[\(index)]", name, collection: collection)
    }
    try validator.check()
    return ids
  }
}
