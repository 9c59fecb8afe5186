import Foundation
import GRPCCore
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime
import SwiftProtobuf

/// The handlers of `PetitionService`.
public struct PetitionHandlers: Sendable {
  let repository: any PetitionRepository
  let resolver: any SupporterResolver
  let broadcaster: CountBroadcaster

  public init(repository: any PetitionRepository, resolver: any SupporterResolver, broadcaster: CountBroadcaster) {
    self.repository = repository
    self.resolver = resolver
    self.broadcaster = broadcaster
  }

  /// Reads a petition the caller may see: drafts only by their organization,
  /// operators and internal services. Anything else is NOT_FOUND, so a
  /// partner cannot even learn that another organization's draft exists.
  func visiblePetition(named name: String, field: String = "name") async throws -> PetitionRecord {
    var validator = Validator()
    let id = validator.name(field, name, collection: "petitions")
    try validator.check()
    guard let id, let petition = try await repository.petition(id: id), CallContext.current.canSee(petition) else {
      throw DomainError.notFound("Petition `\(name)` was not found.")
    }
    return petition
  }

  /// Changes the state of a petition the caller's organization owns.
  func transition(_ name: String, from: PetitionState, to: PetitionState, verb: String) async throws -> PetitionRecord {
    let petition = try await visiblePetition(named: name)
    try CallContext.current.requireActing(for: petition.organization, to: verb)
    do {
      return try await repository.transition(id: petition.id, from: from, to: to, now: Date())
    } catch PetitionStoreError.wrongState(let current) {
      throw DomainError.failedPrecondition(
        "Petition `\(name)` is \(current.label); only a \(from.label) petition can be \(verb)ed.")
    }
  }
}

extension CallContext {
  func canSee(_ petition: PetitionRecord) -> Bool {
    petition.state != .draft || isTrusted || organization == petition.organization
  }
}

extension PetitionHandlers: Groundswell_Petition_V1_PetitionService.SimpleServiceProtocol {
  public func createPetition(
    request: Groundswell_Petition_V1_CreatePetitionRequest, context: ServerContext
  ) async throws -> Groundswell_Petition_V1_CreatePetitionResponse {
    var validator = Validator()
    validator.name("parent", request.parent, collection: "organizations")
    let petition = request.petition
    validator.text("petition.title", petition.title, minimum: 1, maximum: Limits.title)
    validator.text("petition.summary", petition.summary, maximum: Limits.summary)
    validator.text("petition.body", petition.body, maximum: Limits.petitionBody)
    try validator.check()
    try CallContext.current.requireActing(for: request.parent, to: "create petitions")
    let now = Date()
    let record = try await repository.create(
      PetitionRecord(
        id: ResourceName.newID(), organization: request.parent, title: petition.title.trimmingWhitespace(),
        summary: petition.summary, body: petition.body, state: .draft, signatureCount: 0,
        createTime: now, updateTime: now, sequence: 0))
    return .with { $0.petition = record.proto }
  }

  public func getPetition(
    request: Groundswell_Petition_V1_GetPetitionRequest, context: ServerContext
  ) async throws -> Groundswell_Petition_V1_GetPetitionResponse {
    let petition = try await visiblePetition(named: request.name)
    return .with { $0.petition = petition.proto }
  }

  public func listPetitions(
    request: Groundswell_Petition_V1_ListPetitionsRequest, context: ServerContext
  ) async throws -> Groundswell_Petition_V1_ListPetitionsResponse {
    var validator = Validator()
    if !request.parent.isEmpty { validator.name("parent", request.parent, collection: "organizations") }
    let page = PageRequest.parse(size: request.pageSize, token: request.pageToken, query: request.parent, into: &validator)
    try validator.check()
    let call = CallContext.current
    let (petitions, hasMore) = try await repository.petitions(
      organization: request.parent.isEmpty ? nil : request.parent,
      includeDraftsOf: call.organization, before: page.after, limit: page.size)
    return .with {
      $0.petitions = petitions.map(\.proto)
      $0.nextPageToken = PageToken.next(lastPosition: petitions.last?.sequence, hasMore: hasMore, query: request.parent)
    }
  }

  public func publishPetition(
    request: Groundswell_Petition_V1_PublishPetitionRequest, context: ServerContext
  ) async throws -> Groundswell_Petition_V1_PublishPetitionResponse {
    let petition = try await transition(request.name, from: .draft, to: .open, verb: "publish")
    return .with { $0.petition = petition.proto }
  }

  public func closePetition(
    request: Groundswell_Petition_V1_ClosePetitionRequest, context: ServerContext
  ) async throws -> Groundswell_Petition_V1_ClosePetitionResponse {
    let petition = try await transition(request.name, from: .open, to: .closed, verb: "close")
    return .with { $0.petition = petition.proto }
  }

  public func batchGetSignatureCounts(
    request: Groundswell_Petition_V1_BatchGetSignatureCountsRequest, context: ServerContext
  ) async throws -> Groundswell_Petition_V1_BatchGetSignatureCountsResponse {
    let ids = try Self.petitionIDs(request.petitions, field: "petitions")
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
    let ids = try Self.petitionIDs(request.petitions, field: "petitions")
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

  /// Validates a list of petition names and returns their ids.
  static func petitionIDs(_ names: [String], field: String) throws -> [String] {
    var validator = Validator()
    if names.count > Limits.batchSize {
      validator.add(field, "\(field) may name at most \(Limits.batchSize) petitions; it names \(names.count).")
    }
    let ids = names.enumerated().compactMap { index, name in
      validator.name("\(field)[\(index)]", name, collection: "petitions")
    }
    try validator.check()
    return ids
  }
}
