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

  /// The signer a request describes, or the violations that refuse it.
  static func signer(_ request: Groundswell_Supporter_V1_ResolveSupporterRequest) -> Result<SignerInput, DomainError> {
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
    let identifiers = validator.identifiers("identifiers", request.identifiers, maximum: PartnerIdentifier.perSigner)
    do {
      try validator.check()
    } catch {
      return .failure(error)
    }
    return .success(
      SignerInput(
        canonicalEmail: email!, givenName: request.givenName.trimmingWhitespace(),
        familyName: request.familyName.trimmingWhitespace(), postalCode: request.postalCode, country: request.country,
        region: request.region, organization: request.organization,
        petitionOrganization: request.petitionOrganization.isEmpty ? nil : request.petitionOrganization,
        optInOrganization: request.optInOrganization.isEmpty ? nil : request.optInOrganization,
        optInSource: request.optInSource, identifiers: identifiers))
  }
}

extension SupporterResolverHandlers: Groundswell_Supporter_V1_SupporterResolverService.SimpleServiceProtocol {
  public func resolveSupporter(
    request: Groundswell_Supporter_V1_ResolveSupporterRequest, context: ServerContext
  ) async throws -> Groundswell_Supporter_V1_ResolveSupporterResponse {
    let signer = try Self.signer(request).get()
    let supporter: SupporterRecord
    let created: Bool
    do {
      (supporter, created) = try await repository.resolve(signer, now: Date())
    } catch let refusal as IdentifierRefusal {
      throw refusal.domainError
    }
    return .with {
      $0.supporter = supporter.proto
      $0.created = created
    }
  }

  public func resolveSupporters(
    request: Groundswell_Supporter_V1_ResolveSupportersRequest, context: ServerContext
  ) async throws -> Groundswell_Supporter_V1_ResolveSupportersResponse {
    guard (1...Limits.signaturesPerBatch).contains(request.signers.count) else {
      throw DomainError.invalidArgument([
        FieldViolation(
          field: "signers", description: "signers must hold 1 to \(Limits.signaturesPerBatch) signers; it has \(request.signers.count).")
      ])
    }
    let checked = request.signers.map(Self.signer)
    let valid = checked.compactMap { try? $0.get() }
    let resolved = valid.isEmpty ? [] : try await repository.resolveMany(valid, now: Date())
    var next = resolved.makeIterator()
    return .with {
      $0.results = checked.map { item in
        switch item {
        case .success:
          switch next.next()! {
          case .success(let resolved):
            return .with {
              $0.supporter = "supporters/\(resolved.id)"
              $0.created = resolved.created
            }
          case .failure(let refusal):
            return .with {
              $0.error = refusal.message
              if case .taken = refusal { $0.identifierTaken = true }
            }
          }
        case .failure(.invalidArgument(let violations)):
          return .with { $0.error = violations.map(\.description).joined(separator: " ") }
        case .failure:
          return .with { $0.error = "The signer was refused." }
        }
      }
    }
  }

  public func listIdentifiers(
    request: Groundswell_Supporter_V1_ListIdentifiersRequest, context: ServerContext
  ) async throws -> Groundswell_Supporter_V1_ListIdentifiersResponse {
    var validator = Validator()
    validator.name("organization", request.organization, collection: "organizations")
    if request.supporters.count > Limits.batchSize {
      validator.add("supporters", "supporters holds \(request.supporters.count) names; at most \(Limits.batchSize).")
    }
    try validator.check()
    let ids = request.supporters.compactMap { ResourceName.id(of: $0, in: "supporters") }
    let found = try await repository.identifiers(of: Array(Set(ids)), organization: request.organization)
    return .with {
      $0.supporters = found.sorted { $0.key < $1.key }.map { id, identifiers in
        .with {
          $0.supporter = "supporters/\(id)"
          $0.identifiers = identifiers
        }
      }
    }
  }
}

extension IdentifierRefusal {
  /// The status a caller gets: ALREADY_EXISTS for another supporter's
  /// identifier, FAILED_PRECONDITION for one too many.
  var domainError: DomainError {
    switch self {
    case .taken: .alreadyExists(message)
    case .tooMany: .failedPrecondition(message)
    }
  }
}
