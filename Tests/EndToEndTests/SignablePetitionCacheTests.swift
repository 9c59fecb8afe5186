import Foundation
import GroundswellModel
import Testing

@testable import PetitionService

/// The sign path's petitions kept in memory: a change to a petition is seen
/// by the next signature, and a read that began before a change is never
/// kept after it.
@Suite struct SignablePetitionCacheTests {
  @Test func theSignPathSeesEveryChangeToAPetition() async throws {
    let directory = NSTemporaryDirectory() + "groundswell-signables-" + UUID().uuidString
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let repository = try SQLitePetitionRepository(directory: directory)
    let now = Date()
    let petition = try await repository.create(
      PetitionRecord(
        id: ResourceName.newID(), organization: "organizations/cache", title: "Kept", summary: "", body: "", state: .open,
        signatureCount: 0, createTime: now, updateTime: now, sequence: 0))
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
}
