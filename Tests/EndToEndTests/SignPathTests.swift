import Foundation
import GRPCCore
import GRPCProtobuf
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime
import Testing

/// The sign path and the totals, called through the gateway as a partner would.
@Suite struct SignPathTests {
  @Test func signingMovesTheCountAndTheCampaignTotal() async throws {
    // Its own stack: the grand total must not see other tests' signatures.
    let stack = try await Stack.start()
    let (organization, key) = try await stack.makeOrganization()
    let first = try await stack.makeOpenPetition(organization: organization, key: key)
    let second = try await stack.makeOpenPetition(organization: organization, key: key, title: "Second look")
    let campaign = try await stack.makeCampaign(organization: organization, key: key, petitions: [first, second])
    try await stack.withGateway { api in
      let before = try await liveTotals(api, campaign, key: key) { $0.petitionCount == 2 }
      #expect(before.signatureCount == 0)
      #expect(before.petitionCount == 2)
      let grandBefore = try await api.totals.getGrandTotal(.init(), metadata: bearer(key))

      let start = Date()
      let signed = try await sign(api, first, email: "rosa@example.org", key: key)
      let end = Date()
      #expect(!signed.alreadySigned)
      #expect(signed.signatureCount == 1)
      #expect(signed.signature.name.hasPrefix(first + "/signatures/"))
      // A signature's id begins with the time it was recorded, then 16
      // random characters, so that ids sort in the order they were written.
      expectRecorded(signed.signature.name, in: first, between: start, and: end)
      _ = try await sign(api, second, email: "rosa@example.org", key: key)
      _ = try await sign(api, second, email: "lee@example.org", key: key)

      let petition = try await api.petitions.getPetition(.with { $0.name = second }, metadata: bearer(key)).petition
      #expect(petition.signatureCount == 2)
      // The gateway's live view follows petition-service's feed within a second.
      let after = try await liveTotals(api, campaign, key: key) { $0.signatureCount == 3 }
      #expect(after.signatureCount == 3)
      #expect(after.uniqueSupporterCount == 2)
      #expect(after.computeTime.seconds > 0)
      let grandAfter = try await eventually {
        try await api.totals.getGrandTotal(.init(), metadata: bearer(key))
      } until: { $0.signatureCount == grandBefore.signatureCount + 3 }
      #expect(grandAfter.signatureCount == grandBefore.signatureCount + 3)
      #expect(grandAfter.campaignCount == grandBefore.campaignCount)

      let counts = try await api.petitions.batchGetSignatureCounts(.with { $0.petitions = [first, second] }, metadata: bearer(key))
      #expect(counts.counts.map(\.signatureCount) == [1, 2])
    }
    try await stack.stop()
  }

  @Test func signingTwiceCountsOnceInAnyLetterCase() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: organization, key: key)
    try await stack.withGateway { api in
      let first = try await sign(api, petition, email: "Maya.Ortiz@Example.org", key: key)
      let again = try await sign(api, petition, email: "  maya.ortiz@EXAMPLE.ORG ", key: key)
      let once_more = try await sign(api, petition, email: "maya.ortiz@example.org", key: key)
      #expect(!first.alreadySigned)
      #expect(again.alreadySigned && once_more.alreadySigned)
      #expect(again.signature.name == first.signature.name)
      #expect(again.signature.supporter == first.signature.supporter)
      #expect(once_more.signatureCount == 1)
      let stored = try await api.petitions.getPetition(.with { $0.name = petition }, metadata: bearer(key)).petition
      #expect(stored.signatureCount == 1)
    }
  }

  @Test func concurrentDuplicateSignaturesCountOnce() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: organization, key: key)
    try await stack.withGateway { api in
      let results = try await withThrowingTaskGroup(of: Groundswell_Petition_V1_SignPetitionResponse.self) { group in
        for index in 0..<20 {
          group.addTask { try await sign(api, petition, email: index % 2 == 0 ? "sam@example.org" : "SAM@example.org", key: key) }
        }
        return try await group.reduce(into: []) { $0.append($1) }
      }
      #expect(results.filter { !$0.alreadySigned }.count == 1)
      #expect(Set(results.map(\.signature.name)).count == 1)
      let stored = try await api.petitions.getPetition(.with { $0.name = petition }, metadata: bearer(key)).petition
      #expect(stored.signatureCount == 1)
    }
  }

  /// Retries that arrive together are looked up together: each still gets
  /// its own first answer, and a different request under a used id is
  /// refused among them.
  @Test func concurrentRetriesEachGetTheirOwnFirstAnswer() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: organization, key: key)
    let requests = (0..<40).map { index in
      signRequest(petition, email: "retry-\(index)@example.org") { $0.requestID = "retry-\(index)" }
    }
    try await stack.withGateway { api in
      func signAll(_ requests: [Groundswell_Petition_V1_SignPetitionRequest]) async -> [Int: Result<Groundswell_Petition_V1_SignPetitionResponse, RPCError>] {
        await withTaskGroup(of: (Int, Result<Groundswell_Petition_V1_SignPetitionResponse, RPCError>).self) { group in
          for (index, request) in requests.enumerated() {
            group.addTask {
              do {
                return (index, .success(try await api.petitions.signPetition(request, metadata: bearer(key))))
              } catch let error as RPCError {
                return (index, .failure(error))
              } catch {
                return (index, .failure(RPCError(code: .unknown, message: "\(error)")))
              }
            }
          }
          return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
      }
      let first = await signAll(requests).mapValues { try? $0.get() }
      #expect(first.values.allSatisfy { $0 != nil })
      #expect(Set(first.values.compactMap { $0?.signature.name }).count == 40)
      // The same 40 again, with a different signer under the first id.
      let stranger = signRequest(petition, email: "stranger@example.org") { $0.requestID = "retry-0" }
      let again = await signAll(requests + [stranger])
      for index in 0..<40 {
        let retried = try? again[index]?.get()
        #expect(retried?.signature.name == first[index]??.signature.name, "retry \(index)")
        #expect(retried?.signatureCount == first[index]??.signatureCount, "retry \(index)")
      }
      guard case .failure(let refused) = again[40] else {
        Issue.record("a different request under a used request_id was accepted")
        return
      }
      #expect(refused.code == .invalidArgument && badFields(refused) == ["request_id"])
      let stored = try await api.petitions.getPetition(.with { $0.name = petition }, metadata: bearer(key)).petition
      #expect(stored.signatureCount == 40)
    }
  }

  @Test func signingErrorsSayWhatToFix() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    let open = try await stack.makeOpenPetition(organization: organization, key: key)
    try await stack.withGateway { api in
      // Unknown petition.
      let unknown = await rpcError { _ = try await sign(api, "petitions/doesnotexist", email: "a@example.org", key: key) }
      #expect(unknown?.code == .notFound)
      #expect(unknown?.message.contains("petitions/doesnotexist") == true)

      // A draft and a closed petition cannot be signed.
      let draft = try await api.petitions.createPetition(
        .with {
          $0.parent = organization
          $0.petition = .with { $0.title = "Draft" }
        }, metadata: bearer(key)
      ).petition.name
      let draftError = await rpcError { _ = try await sign(api, draft, email: "a@example.org", key: key) }
      #expect(draftError?.code == .failedPrecondition)
      #expect(draftError?.message.contains("DRAFT") == true)
      _ = try await api.petitions.closePetition(.with { $0.name = open }, metadata: bearer(key))
      let closed = await rpcError { _ = try await sign(api, open, email: "a@example.org", key: key) }
      #expect(closed?.code == .failedPrecondition)
      #expect(closed?.message.contains("CLOSED") == true)
      let reclose = await rpcError { _ = try await api.petitions.closePetition(.with { $0.name = open }, metadata: bearer(key)) }
      #expect(reclose?.code == .failedPrecondition)

      // Bad fields, each named in the BadRequest details.
      let another = try await stack.makeOpenPetition(organization: organization, key: key)
      let cases: [(email: String, given: String, family: String, fields: Set<String>)] = [
        ("", "Ana", "", ["signer.email"]),
        ("not-an-email", "Ana", "", ["signer.email"]),
        ("ana@", "Ana", "", ["signer.email"]),
        ("ana@example.org", "", "", ["signer.given_name"]),
        ("ana@example.org", "   ", "", ["signer.given_name"]),
        ("ana@example.org", String(repeating: "a", count: 101), "", ["signer.given_name"]),
        ("ana@example.org", "Ana", String(repeating: "b", count: 101), ["signer.family_name"]),
        (String(repeating: "c", count: 250) + "@example.org", "Ana", "", ["signer.email"]),
        ("bad", "", "", ["signer.email", "signer.given_name"]),
      ]
      for bad in cases {
        let error = await rpcError {
          _ = try await api.petitions.signPetition(
            .with {
              $0.petition = another
              $0.signer = .with {
                $0.email = bad.email
                $0.givenName = bad.given
                $0.familyName = bad.family
              }
            }, metadata: bearer(key))
        }
        #expect(error?.code == .invalidArgument, "\(bad)")
        let violations = try error?.unpackGoogleRPCStatus()?.details.compactMap(\.badRequest).flatMap(\.violations) ?? []
        #expect(Set(violations.map(\.field)) == bad.fields, "\(bad)")
        #expect(violations.allSatisfy { !$0.violationDescription.isEmpty })
      }
      let malformedName = await rpcError { _ = try await sign(api, "petition/x", email: "a@example.org", key: key) }
      #expect(malformedName?.code == .invalidArgument)
      let stored = try await api.petitions.getPetition(.with { $0.name = another }, metadata: bearer(key)).petition
      #expect(stored.signatureCount == 0)
    }
  }

  @Test func watchStreamsTheCurrentCountThenEachChange() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: organization, key: key)
    try await stack.withGateway { api in
      _ = try await sign(api, petition, email: "first@example.org", key: key)
      let seen = try await api.petitions.watchSignatureCounts(
        .with { $0.petitions = [petition] }, metadata: bearer(key)
      ) { response in
        var counts: [Int64] = []
        for try await message in response.messages {
          counts += message.counts.map(\.signatureCount)
          if counts.count == 1 {
            _ = try await sign(api, petition, email: "second@example.org", key: key)
          }
          if counts.count == 2 { break }
        }
        return counts
      }
      #expect(seen == [1, 2])
    }
  }

  @Test func listsArePaginatedWithOpaqueTokens() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    var created: [String] = []
    for index in 0..<5 { created.append(try await stack.makeOpenPetition(organization: organization, key: key, title: "P\(index)")) }
    try await stack.withGateway { api in
      var listed: [String] = []
      var token = ""
      var pages = 0
      repeat {
        let page = try await api.petitions.listPetitions(
          .with {
            $0.parent = organization
            $0.pageSize = 2
            $0.pageToken = token
          }, metadata: bearer(key))
        listed += page.petitions.map(\.name)
        token = page.nextPageToken
        pages += 1
      } while !token.isEmpty
      #expect(listed == created.reversed())
      #expect(pages == 3)
      let bad = await rpcError {
        _ = try await api.petitions.listPetitions(.with { $0.pageToken = "garbage" }, metadata: bearer(key))
      }
      #expect(bad?.code == .invalidArgument)
    }
  }
}

/// Checks that `name` is a signature of `petition` whose id begins with a
/// time from `start` to `end` (ids sort in the order they were recorded).
func expectRecorded(
  _ name: String, in petition: String, between start: Date, and end: Date, sourceLocation: SourceLocation = #_sourceLocation
) {
  let id = String(name.dropFirst(petition.count + "/signatures/".count))
  #expect(id.utf8.count == 25 && ResourceName.isValidID(id), sourceLocation: sourceLocation)
  #expect(ResourceName.newTimeOrderedID(at: start).prefix(9) <= id.prefix(9), sourceLocation: sourceLocation)
  #expect(id.prefix(9) <= ResourceName.newTimeOrderedID(at: end).prefix(9), sourceLocation: sourceLocation)
}

@discardableResult
func sign(_ api: GatewayAPI, _ petition: String, email: String, key: String) async throws -> Groundswell_Petition_V1_SignPetitionResponse {
  try await api.petitions.signPetition(
    .with {
      $0.petition = petition
      $0.signer = .with {
        $0.email = email
        $0.givenName = "Test"
        $0.familyName = "Signer"
      }
    }, metadata: bearer(key))
}
