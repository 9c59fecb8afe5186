import Foundation
import GRPCCore
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime

/// The lifecycle: DRAFT → OPEN → CLOSED | VICTORY | WITHDRAWN, and REMOVED
/// by an operator from any state. A refused move names the current state.
extension PetitionHandlers {
  /// Moves a petition of the caller's organization from one of `from` to
  /// `to`, in one transaction with `change` (which may refuse by throwing).
  func transition(
    _ name: String, from: Set<PetitionState>, to: PetitionState, move: PetitionMove,
    change: @escaping @Sendable (inout PetitionRecord, Date) throws -> Void = { _, _ in }
  ) async throws -> Groundswell_Petition_V1_Petition {
    let petition = try await ownPetition(named: name, to: .move(name, move))
    let now = Date()
    let updated = try await repository.modify(id: petition.id, now: now) { record in
      let current = record.state(at: now)
      guard from.contains(current) else {
        let allowed = PetitionState.allCases.filter(from.contains).map(\.label)
        throw DomainError.failedPrecondition(
          Refusal.wrongState(petition: name, current: current.label, allowed: allowed, move: move))
      }
      try change(&record, now)
      record.state = to
    }
    return proto(updated)
  }

  public func publishPetition(
    request: Groundswell_Petition_V1_PublishPetitionRequest, context: ServerContext
  ) async throws -> Groundswell_Petition_V1_PublishPetitionResponse {
    let name = request.name
    let petition = try await transition(name, from: [.draft], to: .open, move: .publish) { record, now in
      guard !record.targets.isEmpty else {
        throw DomainError.failedPrecondition("Petition `\(name)` has no targets; add the decision makers it addresses with UpdatePetition first.")
      }
      if let deadline = record.deadline, deadline <= now {
        throw DomainError.failedPrecondition("Petition `\(name)` has a deadline in the past; move it with UpdatePetition first.")
      }
      record.publishTime = now
    }
    return .with { $0.petition = petition }
  }

  public func closePetition(
    request: Groundswell_Petition_V1_ClosePetitionRequest, context: ServerContext
  ) async throws -> Groundswell_Petition_V1_ClosePetitionResponse {
    let petition = try await transition(request.name, from: [.open], to: .closed, move: .close)
    return .with { $0.petition = petition }
  }

  public func declareVictory(
    request: Groundswell_Petition_V1_DeclareVictoryRequest, context: ServerContext
  ) async throws -> Groundswell_Petition_V1_DeclareVictoryResponse {
    var validator = Validator()
    validator.name("name", request.name, collection: "petitions")
    validator.text("note", request.note, minimum: 1, maximum: Limits.outcome)
    try validator.check()
    let note = request.note.trimmingWhitespace()
    let petition = try await transition(request.name, from: [.open, .closed], to: .victory, move: .declareVictory) { record, now in
      record.victoryNote = note
      record.victoryTime = now
    }
    return .with { $0.petition = petition }
  }

  public func withdrawPetition(
    request: Groundswell_Petition_V1_WithdrawPetitionRequest, context: ServerContext
  ) async throws -> Groundswell_Petition_V1_WithdrawPetitionResponse {
    let petition = try await transition(request.name, from: [.draft, .open, .closed], to: .withdrawn, move: .withdraw)
    return .with { $0.petition = petition }
  }

  public func removePetition(
    request: Groundswell_Petition_V1_RemovePetitionRequest, context: ServerContext
  ) async throws -> Groundswell_Petition_V1_RemovePetitionResponse {
    guard CallContext.current.isTrusted else {
      throw DomainError.permissionDenied("Only an operator key may remove petitions; withdraw your own with WithdrawPetition.")
    }
    var validator = Validator()
    validator.name("name", request.name, collection: "petitions")
    validator.text("reason", request.reason, minimum: 1, maximum: Limits.reason)
    try validator.check()
    let reason = request.reason.trimmingWhitespace()
    let everyState = Set(PetitionState.allCases).subtracting([.removed])
    let petition = try await transition(request.name, from: everyState, to: .removed, move: .remove) { record, now in
      record.removalReason = reason
      record.removeTime = now
    }
    changes.publish(
      PetitionChange(
        removed: ResourceName.id(of: request.name, in: "petitions")!, organization: petition.organization,  // validated above
        at: petition.removal.removeTime.date))
    return .with { $0.petition = petition }
  }

  public func createPetitionUpdate(
    request: Groundswell_Petition_V1_CreatePetitionUpdateRequest, context: ServerContext
  ) async throws -> Groundswell_Petition_V1_CreatePetitionUpdateResponse {
    var validator = Validator()
    validator.name("parent", request.parent, collection: "petitions")
    validator.text("update.title", request.update.title, minimum: 1, maximum: Limits.title)
    validator.text("update.body", request.update.body, minimum: 1, maximum: Limits.updateBody)
    try validator.check()
    let petition = try await ownPetition(named: request.parent, field: "parent", to: .postUpdates(on: request.parent))
    let state = petition.state(at: Date())
    guard state != .draft && state != .removed else {
      throw DomainError.failedPrecondition("Petition `\(request.parent)` is \(state.label); updates are for published petitions.")
    }
    let update = try await repository.addUpdate(
      PetitionUpdateRecord(
        id: ResourceName.newID(), petitionID: petition.id, title: request.update.title.trimmingWhitespace(),
        body: request.update.body, createTime: Date(), sequence: 0))
    return .with { $0.update = update.proto }
  }

  public func listPetitionUpdates(
    request: Groundswell_Petition_V1_ListPetitionUpdatesRequest, context: ServerContext
  ) async throws -> Groundswell_Petition_V1_ListPetitionUpdatesResponse {
    var validator = Validator()
    validator.name("parent", request.parent, collection: "petitions")
    let page = PageRequest.parse(size: request.pageSize, token: request.pageToken, query: request.parent, into: &validator)
    try validator.check()
    let petition = try await visiblePetition(named: request.parent, field: "parent")
    let (updates, hasMore) = try await repository.updates(petitionID: petition.id, before: page.after, limit: page.size)
    return .with {
      $0.updates = updates.map(\.proto)
      $0.nextPageToken = PageToken.next(lastPosition: updates.last?.sequence, hasMore: hasMore, query: request.parent)
    }
  }
}
