import Foundation
import GRPCCore
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime

/// The handlers of the internal `SupporterResolverService`.
public struct SupporterResolverHandlers: Sendable {
  let repository: any SupporterRepository

  public init(repository: any SupporterRepository) {
    self.repository = repository
  }
}

extension SupporterResolverHandlers: Groundswell_Supporter_V1_SupporterResolverService.SimpleServiceProtocol {
  public func resolveSupporter(
    request: Groundswell_Supporter_V1_ResolveSupporterRequest, context: ServerContext
  ) async throws -> Groundswell_Supporter_V1_ResolveSupporterResponse {
    var validator = Validator()
    let email = Email.canonical(request.email)
    if email == nil { validator.add("email", "email must be an address like name@example.org.") }
    validator.text("given_name", request.givenName, minimum: 1, maximum: Limits.personName)
    validator.text("family_name", request.familyName, maximum: Limits.personName)
    validator.name("organization", request.organization, collection: "organizations")
    validator.text("postal_code", request.postalCode, maximum: Limits.postalCode)
    if !request.country.isEmpty && !Region.isCountryCode(request.country) {
      validator.add("country", "country must be a two-letter ISO 3166-1 code.")
    }
    validator.jurisdiction("region", request.region, required: false)
    if !request.optInOrganization.isEmpty {
      validator.name("opt_in_organization", request.optInOrganization, collection: "organizations")
    }
    validator.text("opt_in_source", request.optInSource, maximum: Limits.source)
    if !request.petitionOrganization.isEmpty {
      validator.name("petition_organization", request.petitionOrganization, collection: "organizations")
    }
    try validator.check()
    let (supporter, created) = try await repository.resolve(
      SignerInput(
        canonicalEmail: email!, givenName: request.givenName.trimmingWhitespace(),
        familyName: request.familyName.trimmingWhitespace(), postalCode: request.postalCode, country: request.country,
        region: request.region, organization: request.organization,
        petitionOrganization: request.petitionOrganization.isEmpty ? nil : request.petitionOrganization,
        optInOrganization: request.optInOrganization.isEmpty ? nil : request.optInOrganization,
        optInSource: request.optInSource),
      now: Date())
    return .with {
      $0.supporter = supporter.proto
      $0.created = created
    }
  }
}
