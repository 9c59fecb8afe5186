import Foundation
import GRPCCore
import GRPCProtobuf
import GroundswellAPI
import GroundswellRuntime
import SwiftProtobuf
import Testing

@testable import PetitionService

/// `ImportSignatures`: signatures collected offline, through the gateway over
/// TLS as a partner sends them.
@Suite struct ImportTests {
  static func item(
    _ email: String, at time: Date, givenName: String = "Paper", country: String = "US", postalCode: String = "10001"
  ) -> Groundswell_Petition_V1_ImportedSignature {
    .with {
      $0.signer = .with {
        $0.email = email
        $0.givenName = givenName
        $0.familyName = "Signer"
        $0.country = country
        $0.postalCode = postalCode
      }
      $0.signTime = .init(date: time)
      $0.source = "town hall"
      $0.showName = true
    }
  }

  @Test func itemsAreCheckedDedupedAndCountedApart() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: organization, key: key)
    let signedOn = Date(timeIntervalSince1970: 1_790_000_000)  // 2026-09-21, before the call
    try await stack.withGateway { api in
      _ = try await sign(api, petition, email: "online@example.org", key: key)
      var noTime = Self.item("notime@example.org", at: signedOn)
      noTime.clearSignTime()
      let request = Groundswell_Petition_V1_ImportSignaturesRequest.with {
        $0.petition = petition
        $0.signatures = [
          Self.item("ada@example.org", at: signedOn),
          Self.item("not-an-address", at: signedOn),
          Self.item("ONLINE@example.org", at: signedOn),
          Self.item("bo@example.org", at: signedOn.addingTimeInterval(60), postalCode: "94110"),
          Self.item(" Ada@EXAMPLE.org", at: signedOn),
          noTime,
          Self.item("future@example.org", at: Date().addingTimeInterval(86_400)),
          Self.item("noname@example.org", at: signedOn, givenName: ""),
        ]
      }
      let start = Date()
      let response = try await api.petitions.importSignatures(request, metadata: bearer(key))
      let end = Date()
      #expect(response.results.map(\.index) == Array(0..<8))
      #expect(response.results.map(\.outcome) == [.signed, .invalid, .alreadySigned, .signed, .alreadySigned, .invalid, .invalid, .invalid])
      #expect(response.results[1].violations.map(\.field) == ["signer.email"])
      #expect(response.results[5].violations.map(\.field) == ["sign_time"])
      #expect(response.results[6].violations.map(\.field) == ["sign_time"])
      #expect(response.results[6].violations.first?.description_p.contains("future") == true)
      #expect(response.results[7].violations.map(\.field) == ["signer.given_name"])
      #expect(response.results[4].signature == response.results[0].signature, "a repeat within the call names the first")
      #expect(response.results[0].signature.hasPrefix(petition + "/signatures/"))
      // An imported signature's id begins with when it was recorded, not
      // with the sign_time the partner gave.
      expectRecorded(response.results[0].signature, in: petition, between: start, and: end)
      #expect(response.results[2].supporter.hasPrefix("supporters/"))
      #expect((response.signedCount, response.alreadySignedCount, response.invalidCount) == (2, 2, 4))
      #expect(response.signatureCount == 3)
      #expect(response.offlineSignatureCount == 2)

      let stored = try await api.petitions.getPetition(.with { $0.name = petition }, metadata: bearer(key)).petition
      #expect(stored.signatureCount == 3)
      #expect(stored.offlineSignatureCount == 2)
      let list = try await api.petitions.listSignatures(.with { $0.parent = petition }, metadata: bearer(key)).signatures
      let offline = list.filter(\.offline)
      #expect(offline.count == 2)
      #expect(Set(offline.map(\.createTime.seconds)) == [Int64(signedOn.timeIntervalSince1970), Int64(signedOn.timeIntervalSince1970) + 60])
      #expect(offline.allSatisfy { $0.source == "town hall" && $0.publicName == "Paper S." && $0.collectedBy == organization })
      let regions = try await api.petitions.getRegionCounts(.with { $0.petition = petition }, metadata: bearer(key)).regions
      #expect(regions.contains { $0.subdivision == "US-CA" && $0.signatureCount == 1 })
      let ledger = try await api.petitions.getPetitionLedger(.with { $0.petition = petition }, metadata: bearer(key))
      #expect(ledger.countedSignatures == 3)
      #expect(ledger.entryCount == 3)

      // The same call again: nothing counts twice.
      let retry = try await api.petitions.importSignatures(request, metadata: bearer(key))
      #expect(retry.results.map(\.outcome) == [.alreadySigned, .invalid, .alreadySigned, .alreadySigned, .alreadySigned, .invalid, .invalid, .invalid])
      #expect(retry.results[0].signature == response.results[0].signature)
      #expect(retry.signatureCount == 3 && retry.offlineSignatureCount == 2)

      // An imported signature signed online later is already there.
      let online = try await sign(api, petition, email: "bo@example.org", key: key)
      #expect(online.alreadySigned)
      #expect(online.signature.offline)

      // Withdrawing one takes it out of both counts.
      _ = try await api.petitions.withdrawSignature(
        .with {
          $0.petition = petition
          $0.supporter = response.results[3].supporter
        }, metadata: bearer(key))
      let after = try await api.petitions.getPetition(.with { $0.name = petition }, metadata: bearer(key)).petition
      #expect(after.signatureCount == 2)
      #expect(after.offlineSignatureCount == 1)
    }
  }

  @Test func theWholeCallIsRefusedWithTheRightStatus() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    let (_, otherKey) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: organization, key: key)
    let now = Date()
    try await stack.withGateway { api in
      func importing(_ petition: String, _ items: [Groundswell_Petition_V1_ImportedSignature], key: String) async -> RPCError? {
        await rpcError {
          _ = try await api.petitions.importSignatures(
            .with {
              $0.petition = petition
              $0.signatures = items
            }, metadata: bearer(key))
        }
      }
      let one = [Self.item("one@example.org", at: now)]
      let empty = await importing(petition, [], key: key)
      #expect(empty?.code == .invalidArgument)
      #expect(badFields(empty) == ["signatures"])
      let tooMany = await importing(petition, (0..<1_001).map { Self.item("m\($0)@example.org", at: now) }, key: key)
      #expect(tooMany?.code == .invalidArgument)
      #expect(tooMany?.message.contains("1001") == true || badFields(tooMany) == ["signatures"])
      let badName = await importing("petitions/", one, key: key)
      #expect(badName?.code == .invalidArgument)
      #expect(badFields(badName) == ["petition"])
      let missing = await importing("petitions/nothing-here", one, key: key)
      #expect(missing?.code == .notFound)
      let notTheirs = await importing(petition, one, key: otherKey)
      #expect(notTheirs?.code == .permissionDenied)
      #expect(notTheirs?.message.contains("import signatures into") == true)

      // Hostile items fail alone: a time past year 9999, a comment far over
      // its limit, a control character in a name.
      var extreme = Self.item("extreme@example.org", at: now)
      extreme.signTime = .init(seconds: .max, nanos: 0)
      var long = Self.item("long@example.org", at: now)
      long.comment = String(repeating: "é", count: 200_000)
      let control = Self.item("control@example.org", at: now, givenName: "Ana\u{0}")
      let hostile = try await api.petitions.importSignatures(
        .with {
          $0.petition = petition
          $0.signatures = [extreme, long, control, Self.item("fine@example.org", at: now)]
        }, metadata: bearer(key))
      #expect(hostile.results.map(\.outcome) == [.invalid, .invalid, .invalid, .signed])
      #expect(hostile.results.map { $0.violations.map(\.field) } == [["sign_time"], ["comment"], ["signer.given_name"], []])
      #expect(hostile.results.allSatisfy { $0.violations.allSatisfy { $0.description_p.utf8.count < 300 } }, "no echo of the input")
      #expect(hostile.signatureCount == 1)

      _ = try await api.petitions.closePetition(.with { $0.name = petition }, metadata: bearer(key))
      let closed = await importing(petition, one, key: key)
      #expect(closed?.code == .failedPrecondition)
      #expect(closed?.message.contains("CLOSED") == true)
      let count = try await api.petitions.getPetition(.with { $0.name = petition }, metadata: bearer(key)).petition.signatureCount
      #expect(count == 1, "only the one good item of the hostile call")
    }
  }

  /// A call is resolved and written in chunks of `importChunk`: a person
  /// in two chunks of one call still counts once, and the results stay in
  /// request order.
  @Test func aCallLongerThanAChunkCountsEachPersonOnce() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: organization, key: key)
    let now = Date()
    let count = PetitionHandlers.importChunk + 10
    let last = count - 1
    var items = (0..<count).map { Self.item("chunk\($0)@example.org", at: now) }
    items[last] = Self.item(" CHUNK3@Example.org", at: now)  // the same person as item 3, in the next chunk
    items[PetitionHandlers.importChunk] = Self.item("not an address", at: now)
    try await stack.withGateway { api in
      let response = try await api.petitions.importSignatures(
        .with {
          $0.petition = petition
          $0.signatures = items
        }, metadata: bearer(key))
      #expect(response.results.map(\.index) == (0..<count).map(Int32.init))
      #expect(response.signedCount == Int32(count - 2))
      #expect(response.alreadySignedCount == 1)
      #expect(response.invalidCount == 1)
      #expect(response.results[PetitionHandlers.importChunk].outcome == .invalid)
      #expect(response.results[last].outcome == .alreadySigned)
      #expect(response.results[last].signature == response.results[3].signature)
      #expect(Set(response.results.map(\.signature)).count == count - 1, "one signature per person, none for the bad item")
      #expect(response.signatureCount == Int64(count - 2) && response.offlineSignatureCount == Int64(count - 2))
    }
  }

  @Test func aFullBatchIsStoredAndCountedOnce() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: organization, key: key)
    let now = Date()
    try await stack.withGateway { api in
      // Two calls at once that overlap by half: each person counts once.
      let batches = [0..<1_000, 500..<1_500].map { range in
        Groundswell_Petition_V1_ImportSignaturesRequest.with {
          $0.petition = petition
          $0.signatures = range.map { Self.item("bulk\($0)@example.org", at: now.addingTimeInterval(-Double($0))) }
        }
      }
      let responses = try await withThrowingTaskGroup(of: Groundswell_Petition_V1_ImportSignaturesResponse.self) { group in
        for batch in batches { group.addTask { try await api.petitions.importSignatures(batch, metadata: bearer(key)) } }
        return try await group.reduce(into: []) { $0.append($1) }
      }
      #expect(responses.map(\.signedCount).reduce(0, +) == 1_500)
      #expect(responses.map(\.alreadySignedCount).reduce(0, +) == 500)
      let stored = try await api.petitions.getPetition(.with { $0.name = petition }, metadata: bearer(key)).petition
      #expect(stored.signatureCount == 1_500)
      #expect(stored.offlineSignatureCount == 1_500)
      let ledger = try await api.petitions.getPetitionLedger(.with { $0.petition = petition }, metadata: bearer(key))
      #expect(ledger.entryCount == 1_500)
    }
  }
}
