import Foundation
import GRPCCore
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime

// The signature ledger, readable by whoever may see the petition.
extension PetitionHandlers {
  public func getPetitionLedger(
    request: Groundswell_Petition_V1_GetPetitionLedgerRequest, context: ServerContext
  ) async throws -> Groundswell_Petition_V1_GetPetitionLedgerResponse {
    let petition = try await visiblePetition(named: request.petition, field: "petition")
    let head = try await repository.ledgerHead(petitionID: petition.id)
    return .with {
      $0.petition = request.petition
      $0.head = head.head
      $0.entryCount = head.entryCount
      $0.countedSignatures = head.counted
    }
  }

  public func listPetitionLedgerEntries(
    request: Groundswell_Petition_V1_ListPetitionLedgerEntriesRequest, context: ServerContext
  ) async throws -> Groundswell_Petition_V1_ListPetitionLedgerEntriesResponse {
    var validator = Validator()
    var size = 100
    if request.pageSize < 0 {
      validator.add("page_size", "page_size must not be negative.")
    } else if request.pageSize > 0 {
      size = min(Int(request.pageSize), 1_000)
    }
    var after: Int64 = 0
    if !request.pageToken.isEmpty {
      if let position = PageToken.decode(request.pageToken, query: request.petition) {
        after = position
      } else {
        validator.add("page_token", "page_token is not one this petition's listing returned; start again with an empty token.")
      }
    }
    try validator.check()
    let petition = try await visiblePetition(named: request.petition, field: "petition")
    let (entries, hasMore) = try await repository.ledgerEntries(petitionID: petition.id, after: after, limit: size)
    return .with {
      $0.entries = entries.map { entry in
        .with {
          $0.position = entry.position
          $0.kind = entry.kind == .signature ? .signature : .tombstone
          $0.signature = entry.signatureID
          $0.timeUnixMillis = entry.timeMillis
          $0.signerHash = entry.signerHash
          $0.commitment = entry.commitment
          $0.head = entry.head
        }
      }
      $0.nextPageToken = PageToken.next(lastPosition: entries.last?.position, hasMore: hasMore, query: request.petition)
    }
  }
}
