import Crypto
import Foundation
import GRPCCore
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime

/// The coalition behind a campaign and the endorsements it gathers.
extension CampaignHandlers {
  public func addCoalitionMember(
    request: Groundswell_Campaign_V1_AddCoalitionMemberRequest, context: ServerContext
  ) async throws -> Groundswell_Campaign_V1_AddCoalitionMemberResponse {
    var validator = Validator()
    validator.name("campaign", request.campaign, collection: "campaigns")
    let member = request.member
    let organizationID = validator.name("member.organization", member.organization, collection: "organizations")
    let role = CoalitionRole(rawValue: member.role.rawValue)
    if role == nil || role == .creator {
      validator.add("member.role", "member.role must be ORGANIZER, PARTNER or ENDORSER; a campaign has one CREATOR, set when it is created.")
    }
    validator.jurisdiction("member.jurisdiction", member.jurisdiction, required: false)
    try validator.check()
    let campaign = try await changeableCampaign(request.campaign)
    let call = CallContext.current
    guard let organizationID, try await organizations.organization(id: organizationID) != nil else {
      throw DomainError.notFound("Organization `\(member.organization)` was not found.")
    }
    let name = request.campaign
    let updated = try await repository.modify(id: campaign.id, now: Date()) { record in
      let now = Date()
      if let index = record.members.firstIndex(where: { $0.organization == member.organization }) {
        guard record.members[index].role != .creator else {
          throw DomainError.failedPrecondition("`\(member.organization)` created `\(name)`; the creator's role cannot change.")
        }
        record.members[index].role = role!
        record.members[index].jurisdiction = member.jurisdiction
      } else {
        guard record.members.count < Limits.members else {
          throw DomainError.failedPrecondition("Campaign `\(name)` has \(Limits.members) coalition members, the most a campaign may have.")
        }
        // Another organization is invited: it joins when it accepts.
        record.members.append(
          MemberRecord(
            organization: member.organization, role: role!, jurisdiction: member.jurisdiction, joinTime: now,
            joined: call.isTrusted || member.organization == call.organization))
      }
    }
    guard let updated else { throw DomainError.notFound("Campaign `\(name)` was not found.") }
    return .with { $0.campaign = updated.proto }
  }

  public func removeCoalitionMember(
    request: Groundswell_Campaign_V1_RemoveCoalitionMemberRequest, context: ServerContext
  ) async throws -> Groundswell_Campaign_V1_RemoveCoalitionMemberResponse {
    var validator = Validator()
    validator.name("campaign", request.campaign, collection: "campaigns")
    validator.name("organization", request.organization, collection: "organizations")
    try validator.check()
    // A member may always leave (or decline an invitation); organizers may
    // remove anyone.
    let campaign = try await changeableCampaign(request.campaign) { request.organization == CallContext.current.organization }
    let name = request.campaign
    let organization = request.organization
    let updated = try await repository.modify(id: campaign.id, now: Date()) { record in
      guard let index = record.members.firstIndex(where: { $0.organization == organization }) else {
        throw DomainError.notFound("`\(organization)` is not a member of `\(name)`.")
      }
      guard record.members[index].role != .creator else {
        throw DomainError.failedPrecondition("`\(organization)` created `\(name)`; the creator cannot leave its coalition.")
      }
      record.members.remove(at: index)
    }
    guard let updated else { throw DomainError.notFound("Campaign `\(name)` was not found.") }
    return .with { $0.campaign = updated.proto }
  }

  public func acceptCoalitionInvitation(
    request: Groundswell_Campaign_V1_AcceptCoalitionInvitationRequest, context: ServerContext
  ) async throws -> Groundswell_Campaign_V1_AcceptCoalitionInvitationResponse {
    let campaign = try await existingCampaign(request.campaign, field: "campaign")
    let name = request.campaign
    guard let organization = CallContext.current.organization,
      let member = campaign.members.first(where: { $0.organization == organization })
    else {
      throw DomainError.notFound("Your organization has no invitation to `\(name)`.")
    }
    if member.joined { return .with { $0.campaign = campaign.proto } }
    let updated = try await repository.modify(id: campaign.id, now: Date()) { record in
      guard let index = record.members.firstIndex(where: { $0.organization == organization }) else {
        throw DomainError.notFound("Your organization has no invitation to `\(name)`.")
      }
      record.members[index].joined = true
      record.members[index].joinTime = Date()
    }
    guard let updated else { throw DomainError.notFound("Campaign `\(name)` was not found.") }
    return .with { $0.campaign = updated.proto }
  }

  public func endorseCampaign(
    request: Groundswell_Campaign_V1_EndorseCampaignRequest, context: ServerContext
  ) async throws -> Groundswell_Campaign_V1_EndorseCampaignResponse {
    var validator = Validator()
    let campaignID = validator.name("campaign", request.campaign, collection: "campaigns")
    let call = CallContext.current
    let person = !request.displayName.isEmpty || !request.email.isEmpty
    var endorserKey = ""
    var legacyKey: String?
    if person {
      validator.text("display_name", request.displayName, minimum: 1, maximum: Limits.personName)
      if let email = Email.canonical(request.email) {
        // Keyed with the deployment's secret: not reversible by guessing
        // addresses. Endorsements stored before under a plain SHA-256 move
        // to the keyed hash when their endorser comes again.
        endorserKey = "person-hmac:" + secret.hexTag(email)
        legacyKey = "person:" + Hex.lowercase(SHA256.hash(data: Data(email.utf8)))
      } else {
        validator.add("email", "email is required with display_name, as an address like name@example.org.")
      }
    } else if let organization = call.organization {
      endorserKey = "organization:" + organization
    } else {
      validator.add("display_name", "display_name is required: this key has no organization to endorse as.")
    }
    try validator.check()
    let endorsement = EndorsementRecord(
      id: ResourceName.newID(), campaignID: campaignID!, organization: person ? "" : call.organization ?? "",
      displayName: person ? request.displayName.trimmingWhitespace() : "", createTime: Date(), sequence: 0)
    guard let (stored, already, count) = try await repository.endorse(endorsement, endorserKey: endorserKey, legacyKey: legacyKey) else {
      throw DomainError.notFound("Campaign `\(request.campaign)` was not found.")
    }
    return .with {
      $0.endorsement = stored.proto
      $0.alreadyEndorsed = already
      $0.endorsementCount = count
    }
  }

  public func listEndorsements(
    request: Groundswell_Campaign_V1_ListEndorsementsRequest, context: ServerContext
  ) async throws -> Groundswell_Campaign_V1_ListEndorsementsResponse {
    var validator = Validator()
    validator.name("parent", request.parent, collection: "campaigns")
    let page = PageRequest.parse(size: request.pageSize, token: request.pageToken, query: request.parent, into: &validator)
    try validator.check()
    let campaign = try await existingCampaign(request.parent, field: "parent")
    let (endorsements, hasMore) = try await repository.endorsements(campaignID: campaign.id, after: page.after, limit: page.size)
    return .with {
      $0.endorsements = endorsements.map(\.proto)
      $0.nextPageToken = PageToken.next(lastPosition: endorsements.last?.sequence, hasMore: hasMore, query: request.parent)
    }
  }
}
