import GRPCCore
import GRPCNIOTransportHTTP2
import GroundswellAPI
import GroundswellRuntime

/// What supporter-service needs of the service that keeps signatures: a
/// person's signatures for an export, and their anonymising for an erasure.
/// petition-service in production; tests may substitute their own.
public protocol SignatureKeeper: Sendable {
  /// Calls `page` with each page of the supporter's signatures (on one
  /// organization's petitions, or all with nil), newest first; returns how
  /// many there were.
  func signatures(
    of supporter: String, organization: String?,
    _ page: @escaping @Sendable ([Groundswell_Petition_V1_SignatureOfSupporter]) async throws -> Void
  ) async throws -> Int
  /// Makes those signatures anonymous; returns how many changed.
  func anonymize(_ supporter: String, organization: String?) async throws -> Int64
}

/// petition-service's `PetitionPrivacyService` over mutual TLS.
public struct RemoteSignatureKeeper: SignatureKeeper {
  let client: Groundswell_Petition_V1_PetitionPrivacyService.Client<HTTP2ClientTransport.Posix>

  public init(client: GRPCClient<HTTP2ClientTransport.Posix>) {
    self.client = .init(wrapping: client)
  }

  public func signatures(
    of supporter: String, organization: String?,
    _ page: @escaping @Sendable ([Groundswell_Petition_V1_SignatureOfSupporter]) async throws -> Void
  ) async throws -> Int {
    let request = Groundswell_Petition_V1_ListSignaturesOfSupporterRequest.with {
      $0.supporter = supporter
      $0.organization = organization ?? ""
    }
    return try await callingBackend(ServiceName.petition, consequence: "the export is incomplete.") {
      try await client.listSignaturesOfSupporter(request, options: CallContext.current.callOptions(limit: .seconds(300))) {
        var count = 0
        for try await message in $0.messages {
          try await page(message.signatures)
          count += message.signatures.count
        }
        return count
      }
    }
  }

  public func anonymize(_ supporter: String, organization: String?) async throws -> Int64 {
    let request = Groundswell_Petition_V1_AnonymizeSupporterRequest.with {
      $0.supporter = supporter
      $0.organization = organization ?? ""
    }
    return try await callingBackend(ServiceName.petition, consequence: "the erasure is pending and will be retried.") {
      try await client.anonymizeSupporter(request, options: CallContext.current.callOptions(limit: .seconds(30)))
        .signaturesAnonymized
    }
  }
}
