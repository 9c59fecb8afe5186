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
  let changes: PetitionChanges
  let ladder: GoalLadder
  /// Keys the fingerprints of retried sign requests.
  let secret: DeploymentSecret
  /// The clock verification tokens expire by.
  let now: @Sendable () -> Date
  /// The limits past which a signature is marked suspect.
  let fraudRules: FraudRules
  /// Imports go through these a chunk at a time (`ImportSignatures`).
  let importLanes = ImportLanes()

  public init(
    repository: any PetitionRepository, resolver: any SupporterResolver, changes: PetitionChanges,
    ladder: GoalLadder = .standard, secret: DeploymentSecret, now: @escaping @Sendable () -> Date = { Date() },
    fraudRules: FraudRules = FraudRules()
  ) {
    self.fraudRules = fraudRules
    self.repository = repository
    self.resolver = resolver
    self.changes = changes
    self.ladder = ladder
    self.secret = secret
    self.now = now
  }

  /// Reads a petition the caller may see: drafts only by their organization,
  /// operators and internal services. Anything else is NOT_FOUND, so a
  /// partner cannot even learn that another organization's draft exists.
  func visiblePetition(named name: String, field: String = "name") async throws -> PetitionRecord {
    guard let petition = try await repository.petition(id: try Self.petitionID(named: name, field: field)),
      CallContext.current.canSee(petition)
    else { throw Self.petitionNotFound(name) }
    return petition
  }

  /// The id in a petition's name; INVALID_ARGUMENT on `field` when the name
  /// is not `petitions/{id}`.
  static func petitionID(named name: String, field: String) throws -> String {
    var validator = Validator()
    let id = validator.name(field, name, collection: "petitions")
    try validator.check()
    return id!
  }

  /// The answer for a petition that does not exist or that the caller may
  /// not see: the same for both.
  static func petitionNotFound(_ name: String) -> DomainError {
    .notFound("Petition `\(name)` was not found.")
  }

  /// Reads a petition the caller's organization owns, to change it.
  func ownPetition(named name: String, field: String = "name", to action: OwnerAction) async throws -> PetitionRecord {
    let petition = try await visiblePetition(named: name, field: field)
    try CallContext.current.requireActing(for: petition.organization, action)
    return petition
  }

  func proto(_ petition: PetitionRecord) -> Groundswell_Petition_V1_Petition {
    var proto = petition.proto(ladder: ladder)
    // Quiet: only operators learn that signatures were marked.
    if CallContext.current.isTrusted { proto.suspectSignatureCount = petition.suspectCount }
    return proto
  }
}

extension CallContext {
  func canSee(_ petition: PetitionRecord) -> Bool {
    canSee(organization: petition.organization, state: petition.state)
  }

  /// A draft is seen by its organization only; everything else by anyone.
  func canSee(organization owner: String, state: PetitionState) -> Bool {
    state != .draft || isTrusted || organization == owner
  }

  /// Whether the caller may see who signed `petition`.
  func seesSupporters(of petition: PetitionRecord) -> Bool {
    isTrusted || organization == petition.organization
  }
}

extension PetitionHandlers: Groundswell_Petition_V1_PetitionService.SimpleServiceProtocol {
  public func createPetition(
    request: Groundswell_Petition_V1_CreatePetitionRequest, context: ServerContext
  ) async throws -> Groundswell_Petition_V1_CreatePetitionResponse {
    let now = Date()
    var validator = Validator()
    validator.name("parent", request.parent, collection: "organizations")
    PetitionFields.validate(request.petition, paths: PetitionFields.editable, now: now, into: &validator)
    try validator.check()
    try CallContext.current.requireActing(for: request.parent, .createPetitions)
    var record = PetitionRecord(
      id: ResourceName.newID(), organization: request.parent, title: "", summary: "", body: "", state: .draft,
      signatureCount: 0, createTime: now, updateTime: now, sequence: 0)
    PetitionFields.apply(request.petition, paths: PetitionFields.editable, to: &record)
    let stored = try await repository.create(record)
    return .with { $0.petition = proto(stored) }
  }

  public func getPetition(
    request: Groundswell_Petition_V1_GetPetitionRequest, context: ServerContext
  ) async throws -> Groundswell_Petition_V1_GetPetitionResponse {
    let petition = try await visiblePetition(named: request.name)
    return .with { $0.petition = proto(petition) }
  }

  public func listPetitions(
    request: Groundswell_Petition_V1_ListPetitionsRequest, context: ServerContext
  ) async throws -> Groundswell_Petition_V1_ListPetitionsResponse {
    var validator = Validator()
    if !request.parent.isEmpty { validator.name("parent", request.parent, collection: "organizations") }
    var query = PetitionQuery()
    if request.state != .unspecified {
      query.state = PetitionState(rawValue: request.state.rawValue)
      if query.state == nil { validator.add("state", "state \(request.state.rawValue) is not a petition state.") }
    }
    if !request.tag.isEmpty {
      validator.tags("tag", [request.tag])
      query.tag = request.tag
    }
    if !request.jurisdiction.isEmpty {
      validator.jurisdiction("jurisdiction", request.jurisdiction)
      query.jurisdiction = request.jurisdiction
    }
    let text = request.titleContains.trimmingWhitespace()
    if !text.isEmpty {
      validator.text("title_contains", text, maximum: Limits.searchText)
      query.titleContains = text
    }
    switch request.orderBy {
    case .unspecified, .newest: query.order = .newest
    case .mostSignatures: query.order = .mostSignatures
    case .UNRECOGNIZED(let value): validator.add("order_by", "order_by \(value) is not an order; use NEWEST or MOST_SIGNATURES.")
    }
    let filters = [request.parent, "\(request.state.rawValue)", request.tag, request.jurisdiction, text, "\(request.orderBy.rawValue)"]
      .joined(separator: "|")
    let page = PageRequest.parse(size: request.pageSize, token: request.pageToken, query: filters, into: &validator)
    try validator.check()
    query.organization = request.parent.isEmpty ? nil : request.parent
    query.viewer = CallContext.current.organization
    query.after = page.after
    query.limit = page.size
    let (petitions, hasMore) = try await repository.petitions(query)
    let last = query.order == .newest ? petitions.last?.sequence : page.after + Int64(petitions.count)
    return .with {
      $0.petitions = petitions.map(proto)
      $0.nextPageToken = PageToken.next(lastPosition: last, hasMore: hasMore, query: filters)
    }
  }

  public func updatePetition(
    request: Groundswell_Petition_V1_UpdatePetitionRequest, context: ServerContext
  ) async throws -> Groundswell_Petition_V1_UpdatePetitionResponse {
    let now = Date()
    var validator = Validator()
    validator.name("petition.name", request.petition.name, collection: "petitions")
    let paths = Set(request.updateMask.paths)
    if paths.isEmpty {
      validator.add("update_mask", "update_mask must name the fields to change, e.g. `summary`.")
    }
    for path in paths.subtracting(PetitionFields.editable).sorted() {
      validator.add("update_mask", "update_mask names `\(path)`, which cannot be changed; changeable: \(PetitionFields.editable.sorted().joined(separator: ", ")).")
    }
    PetitionFields.validate(request.petition, paths: paths, now: now, into: &validator)
    try validator.check()
    let name = request.petition.name
    let petition = try await ownPetition(named: name, field: "petition.name", to: .change(name))
    let updated = try await repository.modify(id: petition.id, now: now) { record in
      let state = record.state(at: now)
      guard state == .draft || state == .open else {
        throw DomainError.failedPrecondition("Petition `\(name)` is \(state.label); only a DRAFT or OPEN petition can be changed.")
      }
      var changed = record
      PetitionFields.apply(request.petition, paths: paths, to: &changed)
      // Publishing needs a target; a published petition keeps one.
      if record.publishTime != nil && changed.targets.isEmpty {
        throw DomainError.invalidArgument([
          FieldViolation(
            field: "petition.targets",
            description: "petition.targets may not be empty once the petition is published; it must address at least one decision maker.")
        ])
      }
      if record.signatureCount > 0 && (changed.title != record.title || changed.letter != record.letter) {
        throw DomainError.failedPrecondition(
          "Petition `\(name)` has \(record.signatureCount) signatures; its title and letter cannot change because its signers signed them. Post an update with CreatePetitionUpdate instead.")
      }
      record = changed
    }
    return .with { $0.petition = proto(updated) }
  }
}
