import Foundation
import GRPCCore
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime
import SwiftProtobuf

/// The handlers of `OrganizationService`.
public struct OrganizationHandlers: Sendable {
  let repository: any OrganizationRepository
  let stats: any OrganizationStats

  public init(repository: any OrganizationRepository, stats: any OrganizationStats) {
    self.repository = repository
    self.stats = stats
  }

  /// The organizations with their supporter and petition figures.
  func withFigures(_ organizations: [OrganizationRecord]) async throws -> [Groundswell_Campaign_V1_Organization] {
    let figures = try await stats.figures(for: organizations.map { "organizations/\($0.id)" })
    return zip(organizations, figures).map { organization, figures in
      var proto = organization.proto
      proto.supporterCount = figures.supporterCount
      proto.petitionsStarted = figures.petitionsStarted
      return proto
    }
  }
}

extension OrganizationHandlers: Groundswell_Campaign_V1_OrganizationService.SimpleServiceProtocol {
  public func createOrganization(
    request: Groundswell_Campaign_V1_CreateOrganizationRequest, context: ServerContext
  ) async throws -> Groundswell_Campaign_V1_CreateOrganizationResponse {
    if !CallContext.current.isTrusted {
      throw DomainError.permissionDenied("Only an operator key may create organizations; ask your Groundswell operator.")
    }
    var validator = Validator()
    let organization = request.organization
    validator.text("organization.display_name", organization.displayName, minimum: 1, maximum: Limits.displayName)
    validator.text("organization.description", organization.description_p, maximum: Limits.organizationDescription)
    validator.uri("organization.website_uri", organization.websiteUri)
    if !request.organizationID.isEmpty && !ResourceName.isValidID(request.organizationID) {
      validator.add("organization_id", "organization_id must be 3 to 63 lower-case letters, digits and hyphens, starting with a letter.")
    }
    try validator.check()
    let id = request.organizationID.isEmpty ? ResourceName.newID() : request.organizationID
    guard
      let created = try await repository.create(
        OrganizationRecord(
          id: id, displayName: organization.displayName.trimmingWhitespace(), description: organization.description_p,
          websiteURI: organization.websiteUri, createTime: Date(), sequence: 0))
    else {
      throw DomainError.alreadyExists("Organization `organizations/\(id)` exists already.")
    }
    return .with { $0.organization = created.proto }
  }

  public func getOrganization(
    request: Groundswell_Campaign_V1_GetOrganizationRequest, context: ServerContext
  ) async throws -> Groundswell_Campaign_V1_GetOrganizationResponse {
    var validator = Validator()
    let id = validator.name("name", request.name, collection: "organizations")
    try validator.check()
    guard let id, let organization = try await repository.organization(id: id) else {
      throw DomainError.notFound("Organization `\(request.name)` was not found.")
    }
    let figured = try await withFigures([organization])
    return .with { $0.organization = figured[0] }
  }

  public func listOrganizations(
    request: Groundswell_Campaign_V1_ListOrganizationsRequest, context: ServerContext
  ) async throws -> Groundswell_Campaign_V1_ListOrganizationsResponse {
    var validator = Validator()
    let page = PageRequest.parse(size: request.pageSize, token: request.pageToken, query: "organizations", into: &validator)
    try validator.check()
    let (organizations, hasMore) = try await repository.organizations(after: page.after, limit: page.size)
    let figured = try await withFigures(organizations)
    return .with {
      $0.organizations = figured
      $0.nextPageToken = PageToken.next(lastPosition: organizations.last?.sequence, hasMore: hasMore, query: "organizations")
    }
  }
}

extension OrganizationRecord {
  var proto: Groundswell_Campaign_V1_Organization {
    .with {
      $0.name = "organizations/\(id)"
      $0.displayName = displayName
      $0.description_p = description
      $0.websiteUri = websiteURI
      $0.createTime = Google_Protobuf_Timestamp(clamping: createTime)
    }
  }
}
