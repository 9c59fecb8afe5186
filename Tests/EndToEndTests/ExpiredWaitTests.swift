import Foundation
import GroundswellModel
import Testing

@testable import PetitionService

/// A signature that waited for verification past its expiry makes way for
/// the signer's next attempt; one still waiting answers that attempt as a
/// repeat. The waiting count moves once either way.
@Suite struct ExpiredWaitTests {
  @Test func aSignatureWaitingPastItsExpiryMakesWayForTheNextAttempt() async throws {
    let start = Date(timeIntervalSince1970: 1_790_000_000)
    let store = try await ScratchPetitionStore.open(created: start)
    defer { store.remove() }
    let (repository, petition) = (store.repository, store.petition)
    func attempt(at time: Date, token: UInt8) async throws -> SignOutcome {
      let result = try await repository.sign(
        SignatureRecord(id: ResourceName.newID(), petitionID: petition.id, supporter: "supporters/s1", createTime: time),
        key: nil, verification: PendingVerification(tokenHash: Data([token]), expireTime: time.addingTimeInterval(3_600)),
        marks: nil, now: time
      ) { _ in Data() }
      guard case .signed(let outcome) = result else { throw Unexpected() }
      return outcome
    }
    struct Unexpected: Error {}

    let first = try await attempt(at: start, token: 1)
    #expect(!first.alreadySigned)
    #expect(first.signature.pending)

    // Within the hour it still waits: the same signature, a repeat.
    let early = try await attempt(at: start.addingTimeInterval(1_800), token: 2)
    #expect(early.alreadySigned)
    #expect(early.signature.id == first.signature.id)

    // Past it, the old one goes and the new attempt is a first signature.
    let late = try await attempt(at: start.addingTimeInterval(7_200), token: 3)
    #expect(!late.alreadySigned)
    #expect(late.signature.id != first.signature.id)
    let stored = try #require(try await repository.petition(id: petition.id))
    #expect(stored.pendingCount == 1, "one signature waits: the expired one left the count")
    #expect(stored.signatureCount == 0)
  }
}
