import Foundation
import GRPCCore
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime
import SwiftProtobuf

/// The handlers of `CampaignService`.
public struct CampaignHandlers: Sendable {
  let repository: any CampaignRepository
  let petitions: any PetitionDirectory

  /// The campaign, if the caller may change it: only its organization (or an
  /// operator) may.
  func changeableCampaign(_ name: String, petition: String) async throws -> (campaignID: String, record: CampaignRecord) {
    var validator = Validator()
    let id = validator.name("campaign", name, collection: "campaigns")
    validator.name("petition", petition, collection: "petitions")
    try validator.check()
    guard let id, let campaign = try await repository.campaign(id: id) else {
      throw DomainError.notFound("Campaign `\(name)` was not found.")
    }
    try CallContext.current.requireActing(for: campaign.organization, to: "change `\(name)`")
    return (id, campaign)
  }
}

extension CampaignHandlers: Groundswell_Campaign_V1_CampaignService.SimpleServiceProtocol {
  public func createCampaign(
    request: Groundswell_Campaign_V1_CreateCampaignRequest, context: ServerContext
  ) async throws -> Groundswell_Campaign_V1_CreateCampaignResponse {
    var validator = Validator()
    validator.name("parent", request.parent, collection: "organizations")
    validator.text("campaign.title", request.campaign.title, minimum: 1, maximum: Limits.title)
    validator.text("campaign.description", request.campaign.description_p, maximum: Limits.campaignDescription)
    if !request.campaignID.isEmpty && !ResourceName.isValidID(request.campaignID) {
      validator.add("campaign_id", "campaign_id must be 3 to 63 lower-case letters, digits and hyphens, starting with a letter.")
    }
    try validator.check()
    try CallContext.current.requireActing(for: request.parent, to: "create campaigns")
    let id = request.campaignID.isEmpty ? ResourceName.newID() : request.campaignID
    let now = Date()
    guard
      let created = try await repository.create(
        CampaignRecord(
          id: id, organization: request.parent, title: request.campaign.title.trimmingWhitespace(),
          description: request.campaign.description_p, petitions: [], createTime: now, updateTime: now, sequence: 0))
    else {
      throw DomainError.alreadyExists("Campaign `campaigns/\(id)` exists already.")
    }
    return .with { $0.campaign = created.proto }
  }

  public func getCampaign(
    request: Groundswell_Campaign_V1_GetCampaignRequest, context: ServerContext
  ) async throws -> Groundswell_Campaign_V1_GetCampaignResponse {
    var validator = Validator()
    let id = validator.name("name", request.name, collection: "campaigns")
    try validator.check()
    guard let id, let campaign = try await repository.campaign(id: id) else {
      throw DomainError.notFound("Campaign `\(request.name)` was not found.")
    }
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

  public func addCampaignPetition(
    request: Groundswell_Campaign_V1_AddCampaignPetitionRequest, context: ServerContext
  ) async throws -> Groundswell_Campaign_V1_AddCampaignPetitionResponse {
    let (id, campaign) = try await changeableCampaign(request.campaign, petition: request.petition)
    if !campaign.petitions.contains(request.petition) && campaign.petitions.count >= Limits.petitionsPerCampaign {
      throw DomainError.failedPrecondition(
        "Campaign `\(request.campaign)` has \(Limits.petitionsPerCampaign) petitions, the most a campaign may have.")
    }
    guard let petition = try await petitions.petition(named: request.petition),
      !petition.isDraft || petition.organization == campaign.organization
    else {
      throw DomainError.notFound("Petition `\(request.petition)` was not found.")
    }
    guard let updated = try await repository.setPetition(request.petition, in: id, member: true, now: Date()) else {
      throw DomainError.notFound("Campaign `\(request.campaign)` was not found.")
    }
    return .with { $0.campaign = updated.proto }
  }

  public func removeCampaignPetition(
    request: Groundswell_Campaign_V1_RemoveCampaignPetitionRequest, context: ServerContext
  ) async throws -> Groundswell_Campaign_V1_RemoveCampaignPetitionResponse {
    let (id, _) = try await changeableCampaign(request.campaign, petition: request.petition)
    guard let updated = try await repository.setPetition(request.petition, in: id, member: false, now: Date()) else {
      throw DomainError.notFound("Campaign `\(request.campaign)` was not found.")
    }
    return .with { $0.campaign = updated.proto }
  }
}

extension CampaignRecord {
  var proto: Groundswell_Campaign_V1_Campaign {
    .with {
      $0.name = "campaigns/\(id)"
      $0.organization = organization
      $0.title = title
      $0.description_p = description
      $0.petitions = petitions
      $0.createTime = Google_Protobuf_Timestamp(date: createTime)
      $0.updateTime = Google_Protobuf_Timestamp(date: updateTime)
    }
  }
}
