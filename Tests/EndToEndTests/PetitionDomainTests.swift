import Foundation
import GRPCCore
import GroundswellAPI
import GroundswellRuntime
import SwiftProtobuf
import Testing

/// Petitions with targets, lifecycle, updates, goals, milestones and search,
/// called through the gateway as a partner would.
@Suite struct PetitionDomainTests {
  static let governor = Groundswell_Petition_V1_Target.with {
    $0.displayName = "Pat Example"
    $0.office = "Governor"
    $0.jurisdiction = "US-CT"
    $0.contact = "Office of the Governor, Hartford"
  }

  @Test func aPetitionCarriesItsStoryLetterTargetsAndTags() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    try await stack.withGateway { api in
      let created = try await api.petitions.createPetition(
        .with {
          $0.parent = organization
          $0.petition = .with {
            $0.title = "Grant clemency to a reformed elder"
            $0.summary = "Thirty years served."
            $0.body = "The story."
            $0.letter = "Dear Governor, …"
            $0.tags = ["clemency", "elders"]
            $0.imageUri = "https://example.org/photo.jpg"
            $0.targets = [Self.governor]
            $0.milestones = [.with { $0.threshold = 10_000; $0.label = "response due" }]
          }
        }, metadata: bearer(key)
      ).petition
      #expect(created.state == .draft)
      #expect(created.letter == "Dear Governor, …")
      #expect(created.tags == ["clemency", "elders"])
      #expect(created.targets == [Self.governor])
      #expect(created.goal == 100)
      #expect(created.milestones.map(\.threshold) == [10_000])
      #expect(!created.hasPublishTime)

      let published = try await api.petitions.publishPetition(.with { $0.name = created.name }, metadata: bearer(key)).petition
      #expect(published.state == .open)
      #expect(published.hasPublishTime)

      let bad = await rpcError {
        _ = try await api.petitions.createPetition(
          .with {
            $0.parent = organization
            $0.petition = .with {
              $0.title = ""
              $0.tags = ["Not A Tag"]
              $0.imageUri = "javascript:alert(1)"
              $0.deadlineTime = Google_Protobuf_Timestamp(date: Date(timeIntervalSinceNow: -60))
              $0.letter = String(repeating: "x", count: 5_001)
              $0.targets = [.with { $0.displayName = "Someone"; $0.office = "DA"; $0.jurisdiction = "Texas" }]
              $0.milestones = [.with { $0.threshold = 0 }, .with { $0.threshold = 0 }]
            }
          }, metadata: bearer(key))
      }
      #expect(bad?.code == .invalidArgument)
      #expect(badFields(bad) == [
        "petition.title", "petition.tags[0]", "petition.image_uri", "petition.deadline_time", "petition.letter",
        "petition.targets[0].jurisdiction", "petition.milestones[0].threshold", "petition.milestones[1].threshold",
        "petition.milestones",
      ])
    }
  }

  @Test func theLifecycleRefusesIllegalMovesNamingTheState() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    try await stack.withGateway { api in
      let draft = try await api.petitions.createPetition(
        .with {
          $0.parent = organization
          $0.petition = .with { $0.title = "No targets yet" }
        }, metadata: bearer(key)
      ).petition.name
      let noTargets = await rpcError { _ = try await api.petitions.publishPetition(.with { $0.name = draft }, metadata: bearer(key)) }
      #expect(noTargets?.code == .failedPrecondition)
      #expect(noTargets?.message.contains("no targets") == true)
      let closeDraft = await rpcError { _ = try await api.petitions.closePetition(.with { $0.name = draft }, metadata: bearer(key)) }
      #expect(closeDraft?.code == .failedPrecondition)
      #expect(closeDraft?.message.contains("is DRAFT") == true)
      let early = await rpcError {
        _ = try await api.petitions.declareVictory(.with { $0.name = draft; $0.note = "Won" }, metadata: bearer(key))
      }
      #expect(early?.message.contains("is DRAFT") == true)

      let open = try await stack.makeOpenPetition(organization: organization, key: key)
      try await sign(api, open, email: "lifecycle@example.org", key: key)
      let noNote = await rpcError { _ = try await api.petitions.declareVictory(.with { $0.name = open }, metadata: bearer(key)) }
      #expect(badFields(noNote) == ["note"])
      let won = try await api.petitions.declareVictory(
        .with {
          $0.name = open
          $0.note = "The sentence was commuted."
        }, metadata: bearer(key)
      ).petition
      #expect(won.state == .victory)
      #expect(won.victory.note == "The sentence was commuted.")
      #expect(won.victory.hasDeclareTime)
      #expect(won.signatureCount == 1)
      let signAfter = await rpcError { try await sign(api, open, email: "late@example.org", key: key) }
      #expect(signAfter?.code == .failedPrecondition)
      #expect(signAfter?.message.contains("VICTORY") == true)
      let withdrawWon = await rpcError { _ = try await api.petitions.withdrawPetition(.with { $0.name = open }, metadata: bearer(key)) }
      #expect(withdrawWon?.message.contains("is VICTORY") == true)

      let withdrawn = try await api.petitions.withdrawPetition(.with { $0.name = draft }, metadata: bearer(key)).petition
      #expect(withdrawn.state == .withdrawn)

      // Only operators remove; reads then say it was removed.
      let partnerRemove = await rpcError {
        _ = try await api.petitions.removePetition(.with { $0.name = open; $0.reason = "spam" }, metadata: bearer(key))
      }
      #expect(partnerRemove?.code == .permissionDenied)
      let removed = try await api.petitions.removePetition(
        .with {
          $0.name = open
          $0.reason = "Violates the terms of use."
        }, metadata: bearer(stack.operatorKey)
      ).petition
      #expect(removed.state == .removed)
      let read = try await api.petitions.getPetition(.with { $0.name = open }, metadata: bearer(key)).petition
      #expect(read.state == .removed)
      #expect(read.removal.reason == "Violates the terms of use.")
      #expect(read.title.isEmpty && read.body.isEmpty)
      let again = await rpcError {
        _ = try await api.petitions.removePetition(.with { $0.name = open; $0.reason = "x" }, metadata: bearer(stack.operatorKey))
      }
      #expect(again?.message.contains("is REMOVED") == true)
      let unknown = await rpcError { _ = try await api.petitions.getPetition(.with { $0.name = "petitions/nosuchpetition" }, metadata: bearer(key)) }
      #expect(unknown?.code == .notFound)
    }
  }

  @Test func signedTextIsFrozenAndUpdatesAddToIt() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    let (_, otherKey) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: organization, key: key)
    try await stack.withGateway { api in
      func update(_ fields: [String], key: String, _ change: (inout Groundswell_Petition_V1_Petition) -> Void) async throws -> Groundswell_Petition_V1_Petition {
        var changed = Groundswell_Petition_V1_Petition.with { $0.name = petition }
        change(&changed)
        return try await api.petitions.updatePetition(
          .with {
            $0.petition = changed
            $0.updateMask = .with { $0.paths = fields }
          }, metadata: bearer(key)
        ).petition
      }
      // Before anyone signs, the title may still change.
      let retitled = try await update(["title"], key: key) { $0.title = "A better title" }
      #expect(retitled.title == "A better title")
      try await sign(api, petition, email: "frozen@example.org", key: key)
      let title = await rpcError { _ = try await update(["title"], key: key) { $0.title = "Changed after signing" } }
      #expect(title?.code == .failedPrecondition)
      #expect(title?.message.contains("signers signed") == true)
      let letter = await rpcError { _ = try await update(["letter"], key: key) { $0.letter = "A different ask" } }
      #expect(letter?.code == .failedPrecondition)
      let summary = try await update(["summary", "tags"], key: key) {
        $0.summary = "Now with more detail."
        $0.tags = ["clemency"]
      }
      #expect(summary.summary == "Now with more detail.")
      #expect(summary.title == "A better title")
      let badMask = await rpcError { _ = try await update(["state", "signature_count"], key: key) { _ in } }
      #expect(badFields(badMask) == ["update_mask"])
      let emptyMask = await rpcError { _ = try await update([], key: key) { _ in } }
      #expect(badFields(emptyMask) == ["update_mask"])
      let stranger = await rpcError { _ = try await update(["summary"], key: otherKey) { $0.summary = "hijack" } }
      #expect(stranger?.code == .permissionDenied)

      // Updates (addenda) are dated and listed newest first.
      for title in ["First addendum", "Health addendum"] {
        _ = try await api.petitions.createPetitionUpdate(
          .with {
            $0.parent = petition
            $0.update = .with {
              $0.title = title
              $0.body = "What changed."
            }
          }, metadata: bearer(key))
      }
      let updates = try await api.petitions.listPetitionUpdates(.with { $0.parent = petition; $0.pageSize = 1 }, metadata: bearer(otherKey))
      #expect(updates.updates.map(\.title) == ["Health addendum"])
      #expect(updates.updates[0].name.hasPrefix(petition + "/updates/"))
      #expect(updates.updates[0].hasCreateTime)
      let rest = try await api.petitions.listPetitionUpdates(
        .with {
          $0.parent = petition
          $0.pageToken = updates.nextPageToken
        }, metadata: bearer(otherKey))
      #expect(rest.updates.map(\.title) == ["First addendum"])
      #expect(rest.nextPageToken.isEmpty)
      let foreign = await rpcError {
        _ = try await api.petitions.createPetitionUpdate(
          .with {
            $0.parent = petition
            $0.update = .with { $0.title = "Not yours"; $0.body = "x" }
          }, metadata: bearer(otherKey))
      }
      #expect(foreign?.code == .permissionDenied)
      let empty = await rpcError {
        _ = try await api.petitions.createPetitionUpdate(.with { $0.parent = petition }, metadata: bearer(key))
      }
      #expect(badFields(empty) == ["update.title", "update.body"])
    }
  }

  @Test func milestonesAreReachedClearedAndReachedAgain() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: organization, key: key)
    try await stack.withGateway { api in
      _ = try await api.petitions.updatePetition(
        .with {
          $0.petition = .with {
            $0.name = petition
            $0.milestones = [.with { $0.threshold = 2; $0.label = "delivery" }, .with { $0.threshold = 1; $0.label = "first" }]
          }
          $0.updateMask = .with { $0.paths = ["milestones"] }
        }, metadata: bearer(key))
      func milestones() async throws -> [Groundswell_Petition_V1_Milestone] {
        try await api.petitions.getPetition(.with { $0.name = petition }, metadata: bearer(key)).petition.milestones
      }
      let configured = try await milestones()
      #expect(configured.map(\.threshold) == [1, 2])
      #expect(configured.allSatisfy { !$0.hasReachTime })
      let first = try await sign(api, petition, email: "m1@example.org", key: key)
      #expect(first.goal == 100)
      try await sign(api, petition, email: "m2@example.org", key: key)
      let reached = try await milestones()
      #expect(reached.allSatisfy { $0.hasReachTime })

      let supporter = try await sign(api, petition, email: "m2@example.org", key: key).signature.supporter
      let withdrawn = try await api.petitions.withdrawSignature(
        .with {
          $0.petition = petition
          $0.supporter = supporter
        }, metadata: bearer(key))
      #expect(withdrawn.signatureCount == 1)
      let afterWithdrawal = try await milestones()
      #expect(afterWithdrawal[0].hasReachTime)
      #expect(!afterWithdrawal[1].hasReachTime)
      try await sign(api, petition, email: "m3@example.org", key: key)
      let again = try await milestones()
      #expect(again[1].hasReachTime)
      #expect(again[1].reachTime.date > reached[1].reachTime.date || again[1].reachTime == reached[1].reachTime)
    }
  }

  @Test func aDeadlineEndsSigning() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    try await stack.withGateway { api in
      let petition = try await api.petitions.createPetition(
        .with {
          $0.parent = organization
          $0.petition = .with {
            $0.title = "Short window"
            $0.targets = [Self.governor]
            // Long enough to create, publish and sign on a loaded machine.
            $0.deadlineTime = Google_Protobuf_Timestamp(date: Date(timeIntervalSinceNow: 15))
          }
        }, metadata: bearer(key)
      ).petition.name
      _ = try await api.petitions.publishPetition(.with { $0.name = petition }, metadata: bearer(key))
      try await sign(api, petition, email: "intime@example.org", key: key)
      try await Task.sleep(for: .seconds(15.5))
      let late = await rpcError { try await sign(api, petition, email: "late@example.org", key: key) }
      #expect(late?.code == .failedPrecondition)
      #expect(late?.message.contains("CLOSED") == true)
      let read = try await api.petitions.getPetition(.with { $0.name = petition }, metadata: bearer(key)).petition
      #expect(read.state == .closed)
      #expect(read.signatureCount == 1)
    }
  }

  @Test func listsFilterAndOrder() async throws {
    let stack = try await Stack.start()
    let (organization, key) = try await stack.makeOrganization()
    try await stack.withGateway { api in
      func create(_ title: String, tag: String, jurisdiction: String, signers: Int) async throws -> String {
        let name = try await api.petitions.createPetition(
          .with {
            $0.parent = organization
            $0.petition = .with {
              $0.title = title
              $0.tags = [tag]
              $0.targets = [.with { $0.displayName = "X"; $0.office = "DA"; $0.jurisdiction = jurisdiction }]
            }
          }, metadata: bearer(key)
        ).petition.name
        _ = try await api.petitions.publishPetition(.with { $0.name = name }, metadata: bearer(key))
        for index in 0..<signers { try await sign(api, name, email: "s\(index)@example.org", key: key) }
        return name
      }
      let texas = try await create("Free the Dallas two", tag: "exoneration", jurisdiction: "US-TX", signers: 3)
      let connecticut = try await create("Clemency in Hartford", tag: "clemency", jurisdiction: "US-CT", signers: 1)
      let ontario = try await create("Review the Ontario case", tag: "clemency", jurisdiction: "CA-ON", signers: 2)
      _ = try await api.petitions.closePetition(.with { $0.name = ontario }, metadata: bearer(key))

      func list(_ change: (inout Groundswell_Petition_V1_ListPetitionsRequest) -> Void) async throws -> [String] {
        var request = Groundswell_Petition_V1_ListPetitionsRequest()
        change(&request)
        return try await api.petitions.listPetitions(request, metadata: bearer(key)).petitions.map(\.name)
      }
      #expect(try await list { _ in } == [ontario, connecticut, texas])
      #expect(try await list { $0.orderBy = .mostSignatures } == [texas, ontario, connecticut])
      #expect(try await list { $0.tag = "clemency" } == [ontario, connecticut])
      #expect(try await list { $0.jurisdiction = "US" } == [connecticut, texas])
      #expect(try await list { $0.jurisdiction = "US-TX" } == [texas])
      #expect(try await list { $0.titleContains = "HARTFORD" } == [connecticut])
      #expect(try await list { $0.state = .closed } == [ontario])
      #expect(try await list { $0.state = .open; $0.orderBy = .mostSignatures } == [texas, connecticut])

      // Pages of one, by signatures, walk the whole order exactly once.
      var seen: [String] = []
      var token = ""
      repeat {
        let page = try await api.petitions.listPetitions(
          .with {
            $0.orderBy = .mostSignatures
            $0.pageSize = 1
            $0.pageToken = token
          }, metadata: bearer(key))
        seen += page.petitions.map(\.name)
        token = page.nextPageToken
      } while !token.isEmpty
      #expect(seen == [texas, ontario, connecticut])

      let bad = await rpcError {
        _ = try await list {
          $0.jurisdiction = "Texas"
          $0.tag = "Bad Tag"
          $0.titleContains = String(repeating: "x", count: 201)
        }
      }
      #expect(badFields(bad) == ["jurisdiction", "tag[0]", "title_contains"])
      let wrongToken = await rpcError {
        let first = try await api.petitions.listPetitions(.with { $0.pageSize = 1 }, metadata: bearer(key))
        _ = try await list { $0.tag = "clemency"; $0.pageToken = first.nextPageToken }
      }
      #expect(badFields(wrongToken) == ["page_token"])
    }
    try await stack.stop()
  }
}
