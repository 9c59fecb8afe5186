import Foundation
import GroundswellModel

@testable import PetitionService

/// A petition repository on a fresh database in a folder of its own, with
/// one open petition: for tests of the store without a stack.
struct ScratchPetitionStore {
  let directory: String
  let repository: SQLitePetitionRepository
  let petition: PetitionRecord

  static func open(created: Date = Date()) async throws -> ScratchPetitionStore {
    let directory = NSTemporaryDirectory() + "groundswell-store-" + UUID().uuidString
    let repository = try SQLitePetitionRepository(directory: directory)
    let petition = try await repository.create(
      PetitionRecord(
        id: ResourceName.newID(), organization: "organizations/scratch", title: "Scratch", summary: "", body: "", state: .open,
        signatureCount: 0, createTime: created, updateTime: created, sequence: 0))
    return ScratchPetitionStore(directory: directory, repository: repository, petition: petition)
  }

  /// Removes the folder.
  func remove() {
    try? FileManager.default.removeItem(atPath: directory)
  }
}
