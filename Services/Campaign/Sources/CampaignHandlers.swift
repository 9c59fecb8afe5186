import Foundation
import GRPCCore
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime
import SwiftProtobuf

/// The handlers of `CampaignService`.
public struct CampaignHandlers: Sendable {
  let repository: any CampaignRepository
  let organizations: any OrganizationRepository
  let petitions: any PetitionDirectory
  /// Keys the hashes of endorsers' emails.
  let secret: DeploymentSecret

  public init(
    repository: any CampaignRepository, organizations: any OrganizationRepository, petitions: any PetitionDirectory,
    secret: DeploymentSecret
  ) {
    self.repository = repository
    self.organizations = organizations
    self.petitions = petitions
    self.secret = secret
  }

  /// The campaign, if it exists.
  func existingCampaign(_ name: String, field: String) async throws -> CampaignRecord {
    var validator = Validator()
    let id = validator.name(field, name, collection: "campaigns")
    try validator.check()
    guard let id, let campaign = try await repository.campaign(id: id) else {
      throw DomainError.notFound("Campaign `\(name)` was not found.")
    }
    return campaign
  }

  /// The campaign, if the caller may change it: its creator, its organizers
  /// and operators may, and anyone `alsoAllowed` admits (asked only of
  /// others: a member leaving, an owner taking its petition back).
  func changeableCampaign(
    _ name: String, field: String = "campaign", alsoAllowed: () async throws -> Bool = { false }
  ) async throws -> CampaignRecord {
    let campaign = try await existingCampaign(name, field: field)
    let call = CallContext.current
    if call.isTrusted || campaign.isChangeable(by: call.organization) { return campaign }
    guard try await alsoAllowed() else {
      throw DomainError.permissionDenied(
        "Your API key belongs to \(call.organization ?? "no organization"), which is not the creator or an organizer of `\(name)`; only they may change it.")
    }
    return campaign
  }

  /// Checks that the petitions SIGN_PETITION actions name exist and are
  /// visible to `organization`.
  func checkActionPetitions(_ actions: [Groundswell_Campaign_V1_Action], organization: String) async throws {
    var validator = Validator()
    for (index, action) in actions.enumerated() where action.kind == .signPetition {
      let petition = try await petitions.petition(named: action.petition)
      if !(petition?.isVisible(to: organization) ?? false) {
        validator.add("campaign.actions[\(index)].petition", "campaign.actions[\(index)].petition `\(action.petition)` was not found.")
      }
    }
    try validator.check()
  }
}

extension CampaignHandlers: Groundswell_Campaign_V1_CampaignService.SimpleServiceProtocol {
  public func createCampaign(
    request: Groundswell_Campaign_V1_CreateCampaignRequest, context: ServerContext
  ) async throws -> Groundswell_Campaign_V1_CreateCampaignResponse {
    var validator = Validator()
    validator.name("parent", request.parent, collection: "organizations")
    CampaignFields.validate(request.campaign, paths: CampaignFields.editable, into: &validator)
    if !request.campaignID.isEmpty && !ResourceName.isValidID(request.campaignID) {
      validator.add("campaign_id", "campaign_id must be 3 to 63 lower-case letters, digits and hyphens, starting with a letter.")
    }
    try validator.check()
    try CallContext.current.requireActing(for: request.parent, .createCampaigns)
    try await checkActionPetitions(request.campaign.actions, organization: request.parent)
    let id = request.campaignID.isEmpty ? ResourceName.newID() : request.campaignID
    let now = Date()
    var record = CampaignRecord(
      id: id, organization: request.parent, title: "", description: "", petitions: [], createTime: now, updateTime: now,
      sequence: 0)
    try CampaignFields.apply(request.campaign, paths: CampaignFields.editable, to: &record)
    guard let created = try await repository.create(record) else {
      throw DomainError.alreadyExists("Campaign `campaigns/\(id)` exists already.")
    }
    return .with { $0.campaign = created.proto }
  }

  public func getCampaign(
    request: Groundswell_Campaign_V1_GetCampaignRequest, context: ServerContext
  ) async throws -> Groundswell_Campaign_V1_GetCampaignResponse {
    let campaign = try await existingCampaign(request.name, field: "name")
    return .with { $0.campaign = campaign.proto }
  }

  public func listCampaigns(
    request: Groundswell_Campaign_V1_ListCampaignsRequest, context: ServerContext
  ) async throws -> Groundswell_Campaign_V1_ListCampaignsResponse {
    var validator = Validator()
    if !request.parent.isEmpty { validator.name("parent", request.parent, collection: "organizations") }
    let page = PageRequest.parse(size: request.pageSize, token: request.pageToken, query: request.parent, into: &validator)
    try validator.check()
    let (campaigns, hasMore) = try await repository.campaigns(
      organization: request.parent.isEmpty ? nil : request.parent, after: page.after, limit: page.size)
    return .with {
      $0.campaigns = campaigns.map(\.proto)
      $0.nextPageToken = PageToken.next(lastPosition: campaigns.last?.sequence, hasMore: hasMore, query: request.parent)
    }
  }

  public func updateCampaign(
    request: Groundswell_Campaign_V1_UpdateCampaignRequest, context: ServerContext
  ) async throws -> Groundswell_Campaign_V1_UpdateCampaignResponse {
    var validator = Validator()
    validator.name("campaign.name", request.campaign.name, collection: "campaigns")
    let paths = Set(request.updateMask.paths)
    if paths.isEmpty { validator.add("update_mask", "update_mask must name the fields to change, e.g. `demands`.") }
    for path in paths.subtracting(CampaignFields.editable).sorted() {
      validator.add("update_mask", "update_mask names `\(path)`, which cannot be changed; changeable: \(CampaignFields.editable.sorted().joined(separator: ", ")).")
    }
    CampaignFields.validate(request.campaign, paths: paths, into: &validator)
    try validator.check()
    let campaign = try await changeableCampaign(request.campaign.name, field: "campaign.name")
    if paths.contains("actions") {
      try await checkActionPetitions(request.campaign.actions, organization: campaign.organization)
    }
    guard let updated = try await repository.modify(id: campaign.id, now: Date(), { record in
      try CampaignFields.apply(request.campaign, paths: paths, to: &record)
    }) else {
      throw DomainError.notFound("Campaign `\(request.campaign.name)` was not found.")
    }
    return .with { $0.campaign = updated.proto }
  }

  public func addCampaignPetition(
    request: Groundswell_Campaign_V1_AddCampaignPetitionRequest, context: ServerContext
  ) async throws -> Groundswell_Campaign_V1_AddCampaignPetitionResponse {
    var validator = Validator()
    validator.name("petition", request.petition, collection: "petitions")
    try validator.check()
    let campaign = try await changeableCampaign(request.campaign)
    let held = campaign.petitions + campaign.proposedPetitions
    if !held.contains(request.petition) && held.count >= Limits.petitionsPerCampaign {
      throw DomainError.failedPrecondition(
        "Campaign `\(request.campaign)` has \(Limits.petitionsPerCampaign) petitions, the most a campaign may have.")
    }
    guard let petition = try await petitions.petition(named: request.petition), petition.isVisible(to: campaign.organization) else {
      throw DomainError.notFound("Petition `\(request.petition)` was not found.")
    }
    // Lending a petition takes its organization's acceptance.
    let call = CallContext.current
    let accepted = call.isTrusted || petition.organization == call.organization
    guard let updated = try await repository.setPetition(
      request.petition, in: campaign.id, member: true, accepted: accepted, petitionOrganization: petition.organization, now: Date())
    else {
      throw DomainError.notFound("Campaign `\(request.campaign)` was not found.")
    }
    return .with { $0.campaign = updated.proto }
  }

  public func removeCampaignPetition(
    request: Groundswell_Campaign_V1_RemoveCampaignPetitionRequest, context: ServerContext
  ) async throws -> Groundswell_Campaign_V1_RemoveCampaignPetitionResponse {
    var validator = Validator()
    validator.name("petition", request.petition, collection: "petitions")
    try validator.check()
    // A petition's own organization may always take it back.
    let owner = try await petitions.petition(named: request.petition)?.organization
    let campaign = try await changeableCampaign(request.campaign) { owner == CallContext.current.organization }
    guard let updated = try await repository.setPetition(
      request.petition, in: campaign.id, member: false, accepted: false, petitionOrganization: owner, now: Date())
    else {
      throw DomainError.notFound("Campaign `\(request.campaign)` was not found.")
    }
    return .with { $0.campaign = updated.proto }
  }

  public func acceptCampaignPetition(
    request: Groundswell_Campaign_V1_AcceptCampaignPetitionRequest, context: ServerContext
  ) async throws -> Groundswell_Campaign_V1_AcceptCampaignPetitionResponse {
    var validator = Validator()
    validator.name("campaign", request.campaign, collection: "campaigns")
    validator.name("petition", request.petition, collection: "petitions")
    try validator.check()
    let campaign = try await existingCampaign(request.campaign, field: "campaign")
    let call = CallContext.current
    guard let petition = try await petitions.petition(named: request.petition), petition.isVisible(to: call.organization ?? "") else {
      throw DomainError.notFound("Petition `\(request.petition)` was not found.")
    }
    try call.requireActing(for: petition.organization, .lend(request.petition))
    if campaign.petitions.contains(request.petition) { return .with { $0.campaign = campaign.proto } }
    guard campaign.proposedPetitions.contains(request.petition) else {
      throw DomainError.notFound("Petition `\(request.petition)` has not been proposed to `\(request.campaign)`.")
    }
    guard let updated = try await repository.setPetition(
      request.petition, in: campaign.id, member: true, accepted: true, petitionOrganization: petition.organization, now: Date())
    else {
      throw DomainError.notFound("Campaign `\(request.campaign)` was not found.")
    }
    return .with { $0.campaign = updated.proto }
  }
}
