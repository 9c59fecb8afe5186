import Foundation
import GroundswellModel
import Testing

@testable import PetitionService

/// The sign path's petitions kept in memory: a change to a petition is seen
/// by the next signature, and a read that began before a change is never
/// kept after it.
@Suite struct SignablePetitionCacheTests {
  @Test func theSignPathSeesEveryChangeToAPetition() async throws {
    let now = Date()
    let store = try await ScratchPetitionStore.open(created: now)
    defer { store.remove() }
    let (repository, petition) = (store.repository, store.petition)
    #expect(try await repository.signablePetition(id: petition.id)?.state == .open)
    #expect(repository.signables.petition(id: petition.id)?.requireVerification == false, "kept after the first read")

    _ = try await repository.modify(id: petition.id, now: now) { $0.requireVerification = true }
    #expect(repository.signables.petition(id: petition.id) == nil, "dropped when the petition changed")
    #expect(try await repository.signablePetition(id: petition.id)?.requireVerification == true)

    _ = try await repository.modify(id: petition.id, now: now) { $0.state = .closed }
    #expect(try await repository.signablePetition(id: petition.id)?.state == .closed)

    // A read that started before a change, finishing after it, is not kept.
    let stale = try #require(try await repository.signablePetition(id: petition.id))
    let startedAt = repository.signables.generation
    _ = try await repository.modify(id: petition.id, now: now) { $0.title = "Changed" }
    repository.signables.keep(stale, readAt: startedAt)
    #expect(repository.signables.petition(id: petition.id) == nil)

    // Nothing is kept for a petition that does not exist.
    #expect(try await repository.signablePetition(id: "missing") == nil)
    #expect(repository.signables.petition(id: "missing") == nil)
  }

  /// The sign transaction takes the petition from the cache when it holds
  /// it, and a change that closes the petition is seen by the next one.
  @Test func theSignTransactionSeesAPetitionClosedAfterItWasKept() async throws {
    let now = Date()
    let store = try await ScratchPetitionStore.open(created: now)
    defer { store.remove() }
    let (repository, petition) = (store.repository, store.petition)
    func sign(_ supporter: String) async throws -> SignResult {
      try await repository.sign(
        SignatureRecord(id: ResourceName.newID(), petitionID: petition.id, supporter: supporter, createTime: now),
        key: nil, verification: nil, marks: nil, now: Date()
      ) { _ in Data() }
    }
    // What the cache holds is what the transaction goes by (a made-up
    // closed entry for an open petition, to show it is consulted).
    let kept = try #require(try await repository.signablePetition(id: petition.id))
    var madeUp = kept
    madeUp.state = .closed
    repository.signables.keep(madeUp, readAt: repository.signables.generation)
    await #expect(throws: PetitionStoreError.wrongState(current: .closed)) { _ = try await sign("supporters/x") }
    repository.signables.keep(kept, readAt: repository.signables.generation)
    guard case .signed(let first) = try await sign("supporters/a") else { Issue.record("not signed"); return }
    #expect(first.signatureCount == 1)

    _ = try await repository.modify(id: petition.id, now: now) { $0.state = .closed }
    await #expect(throws: PetitionStoreError.wrongState(current: .closed)) { _ = try await sign("supporters/b") }
    // Kept again, closed: still refused, now from the cache.
    #expect(try await repository.signablePetition(id: petition.id)?.state == .closed)
    #expect(repository.signables.petition(id: petition.id)?.state == .closed)
    await #expect(throws: PetitionStoreError.wrongState(current: .closed)) { _ = try await sign("supporters/c") }
  }
}
