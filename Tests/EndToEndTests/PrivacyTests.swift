import Crypto
import Foundation
import GRDB
import GRPCCore
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime
import Logging
import PetitionService
import Synchronization
import Testing

/// A person's rights over the real transport: finding them by email,
/// exporting, erasing with nothing left behind, and retention.
@Suite struct PrivacyTests {
  @Test func anOrganizationFindsOnlyItsOwnPeopleByEmail() async throws {
    let stack = try await sharedStack.value
    let (owner, ownerKey) = try await stack.makeOrganization()
    let (other, otherKey) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: owner, key: ownerKey)
    let tag = UUID().uuidString.prefix(8).lowercased()
    try await stack.withGateway { api in
      let signed = try await api.petitions.signPetition(
        signRequest(petition, email: "Find.Me.\(tag)+petitions@Gmail.com"), metadata: bearer(ownerKey))
      func find(_ parent: String, _ email: String, _ key: String) async throws -> Groundswell_Supporter_V1_Supporter {
        try await api.supporters.findSupporter(
          .with {
            $0.parent = parent
            $0.email = email
          }, metadata: bearer(key)
        ).supporter
      }
      // The canonical match: case, dots and +tags at Gmail do not matter.
      let found = try await find(owner, "findme\(tag)@gmail.com", ownerKey)
      #expect(found.name == signed.signature.supporter)
      #expect(found.givenName == "Ana")
      #expect(found.consents.allSatisfy { $0.organization == owner })

      let known = await rpcError { _ = try await find(other, "findme\(tag)@gmail.com", otherKey) }
      let unknown = await rpcError { _ = try await find(other, "nobody-\(tag)@example.org", otherKey) }
      #expect(known?.code == .notFound)
      #expect(known?.message == unknown?.message, "another organization's person answers like nobody")
      let notMine = await rpcError { _ = try await find(owner, "findme\(tag)@gmail.com", otherKey) }
      #expect(notMine?.code == .permissionDenied)
      let bad = await rpcError { _ = try await find(owner, "not an address", ownerKey) }
      #expect(badFields(bad) == ["email"])
    }
  }

  @Test func anExportIsJSONLinesWithEverythingTheOrganizationHolds() async throws {
    let stack = try await sharedStack.value
    let (owner, ownerKey) = try await stack.makeOrganization()
    let (partner, partnerKey) = try await stack.makeOrganization()
    let first = try await stack.makeOpenPetition(organization: owner, key: ownerKey, title: "Open the records")
    let second = try await stack.makeOpenPetition(organization: owner, key: ownerKey, title: "Fund the clinic")
    let email = "export-\(UUID().uuidString.prefix(8).lowercased())@example.org"
    try await stack.withGateway { api in
      let supporter = try await api.petitions.signPetition(
        signRequest(first, email: email, country: "US", postal: "06511") {
          $0.comment = "For my neighbour"
          $0.optIn = true
          $0.source = "newsletter"
        }, metadata: bearer(ownerKey)
      ).signature.supporter
      _ = try await api.petitions.signPetition(signRequest(second, email: email), metadata: bearer(ownerKey))
      // The partner collects the same person on its own petition.
      let elsewhere = try await stack.makeOpenPetition(organization: partner, key: partnerKey, title: "Elsewhere")
      _ = try await api.petitions.signPetition(
        signRequest(elsewhere, email: email, given: "Annie") { $0.comment = "partner comment" }, metadata: bearer(partnerKey))

      func export(_ organization: String, _ key: String) async throws -> [[String: Any]] {
        try await api.supporters.exportSupporter(
          .with {
            $0.name = supporter
            $0.organization = organization
          }, metadata: bearer(key)
        ) { response in
          var lines: [String] = []
          for try await message in response.messages { lines.append(message.json) }
          return lines
        }.map { line in
          #expect(!line.contains("\n"), "one object per line")
          return try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
        }
      }
      let objects = try await export(owner, ownerKey)
      let records = objects.map { $0["record"] as? String }
      #expect(records == ["supporter", "consent", "signature", "signature", "end"])
      #expect(objects[0]["email"] as? String == email)
      #expect(objects[0]["given_name"] as? String == "Ana", "the owner's own record, not the partner's")
      #expect(objects[0]["postal_code"] as? String == "06511")
      #expect(objects[1]["state"] as? String == "OPTED_IN")
      let signatures = objects.filter { $0["record"] as? String == "signature" }
      #expect(Set(signatures.compactMap { $0["petition_title"] as? String }) == ["Open the records", "Fund the clinic"])
      #expect(signatures.contains { $0["comment"] as? String == "For my neighbour" })
      #expect(!objects.contains { ($0["comment"] as? String) == "partner comment" }, "nothing the partner holds")
      #expect(objects.last?["objects"] as? Int == 4)
      #expect(objects.last?["signatures"] as? Int == 2)
      #expect((signatures.first?["create_time"] as? String)?.hasSuffix("Z") == true)

      // The operator's export covers every organization.
      let everything = try await export("", stack.operatorKey)
      #expect(everything.filter { $0["record"] as? String == "supporter" }.count == 2)
      #expect(everything.last?["signatures"] as? Int == 3)

      // Someone the organization does not know, and an empty scope from a partner.
      let (stranger, strangerKey) = try await stack.makeOrganization()
      let hidden = await rpcError { _ = try await export(stranger, strangerKey) }
      #expect(hidden?.code == .notFound)
      let everywhere = await rpcError { _ = try await export("", ownerKey) }
      #expect(badFields(everywhere) == ["organization"])
    }
  }

  /// After an erasure nothing of the person is in any service's data files
  /// or WALs, the counts stay, the erasure can be asked again, and the
  /// person can sign again as someone new.
  @Test func anErasureLeavesNoResidueAndKeepsTheCount() async throws {
    let stack = try await Stack.start()
    let (owner, ownerKey) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: owner, key: ownerKey)
    let person = (email: "zebulonia.quartermaine@example.org", given: "Zebulonia", family: "Quartermaine", postal: "99501")
    let comment = "Xylophonic reasons of my own"
    try await stack.withGateway { api in
      let signed = try await api.petitions.signPetition(
        signRequest(petition, email: person.email, given: person.given, family: person.family, country: "US", postal: person.postal) {
          $0.comment = comment
          $0.showName = true
          $0.optIn = true
          $0.requestID = UUID().uuidString
        }, metadata: bearer(ownerKey))
      let supporter = signed.signature.supporter
      // Someone else signs too: their signature must stay as it is.
      _ = try await api.petitions.signPetition(signRequest(petition, email: "stays@example.org"), metadata: bearer(ownerKey))

      // Before: the scan finds every one of them.
      for needle in [person.email, person.given, person.family, person.postal, comment] {
        #expect(try !filesContaining(needle, under: stack.dataRoot).isEmpty, "the scan finds `\(needle)` before the erasure")
      }

      let erasure = try await erase(api, supporter, in: owner, key: ownerKey)
      #expect(erasure.state == .complete)
      #expect(erasure.signaturesAnonymized == 1)
      let again = try await erase(api, supporter, in: owner, key: ownerKey)
      #expect(again.state == .complete, "asking again answers with the same erasure")
      #expect(again.signaturesAnonymized == 1)

      let count = try await api.petitions.getPetition(.with { $0.name = petition }, metadata: bearer(ownerKey)).petition.signatureCount
      #expect(count == 2, "the count stays")
      let listed = try await api.petitions.listSignatures(.with { $0.parent = petition }, metadata: bearer(ownerKey)).signatures
      #expect(listed.count == 2)
      #expect(listed.filter { $0.supporter.isEmpty }.count == 1, "one signature is anonymous")
      #expect(!listed.contains { $0.comment == comment || $0.publicName.contains(person.given) })
      let gone = await rpcError { _ = try await api.supporters.getSupporter(.with { $0.name = supporter }, metadata: bearer(ownerKey)) }
      #expect(gone?.code == .notFound)

      // Nothing in any file of any service.
      for needle in [person.email, person.given, person.family, person.postal, comment] {
        let found = try filesContaining(needle, under: stack.dataRoot)
        #expect(found.isEmpty, "`\(needle)` is still in \(found)")
      }
      let files = try FileManager.default.subpathsOfDirectory(atPath: stack.dataRoot)
      #expect(files.contains { $0.hasSuffix("supporter.sqlite") }, "the scan read the databases")

      // The person can sign again, as a new supporter.
      let returning = try await api.petitions.signPetition(
        signRequest(petition, email: person.email, given: person.given, family: person.family), metadata: bearer(ownerKey))
      #expect(!returning.alreadySigned)
      #expect(returning.signature.supporter != supporter)
      #expect(returning.signatureCount == 3)
    }
    try await stack.stop()
  }

  @Test func anErasureInterruptedHalfWayFinishesAfterARestart() async throws {
    let stack = try await Stack.start(supporter: { $0.erasureRetryInterval = .milliseconds(200) })
    let (owner, ownerKey) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: owner, key: ownerKey)
    let supporter = try await stack.withGateway { api in
      try await api.petitions.signPetition(signRequest(petition, email: "halfway@example.org"), metadata: bearer(ownerKey))
        .signature.supporter
    }
    try await stack.petition.stop()
    let pending = try await stack.withGateway { api in try await erase(api, supporter, in: owner, key: ownerKey) }
    #expect(pending.state == .pending)
    // supporter-service goes down too; both come back.
    try await stack.supporter.stop()
    let petitionService = try await stack.restartPetitionService()
    let supporterService = try await stack.restartSupporterService { $0.erasureRetryInterval = .milliseconds(200) }
    // Asking again reads the erasure; UNAVAILABLE while the gateway
    // reconnects to the restarted service.
    let erasure = try await eventually(
      {
        try await stack.withGateway { api in try await whenReachable { try await erase(api, supporter, in: owner, key: ownerKey) } }
      }, until: { $0.state == .complete })
    #expect(erasure.state == .complete)
    #expect(erasure.signaturesAnonymized == 1)
    try await stack.withGateway { api in
      let listed = try await whenReachable {
        try await api.petitions.listSignatures(.with { $0.parent = petition }, metadata: bearer(ownerKey)).signatures
      }
      #expect(listed.map(\.supporter) == [""])
    }
    try await stack.gateway.stop()
    try await stack.campaign.stop()
    try await petitionService.stop()
    try await supporterService.stop()
  }

  /// Signatures on a petition closed longer than the retention period become
  /// anonymous; retry answers are forgotten after a day. The clock moves,
  /// the test does not wait.
  @Test func retentionAnonymisesOnAClockNotTheWallClock() async throws {
    let clock = DateClock()
    let stack = try await Stack.start(petition: {
      $0.now = { clock.now }
      $0.retentionInterval = .milliseconds(100)
    })
    let (owner, ownerKey) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: owner, key: ownerKey)
    try await stack.withGateway { api in
      let requestID = UUID().uuidString
      _ = try await api.petitions.signPetition(
        signRequest(petition, email: "kept-a-while@example.org") {
          $0.comment = "until it closes"
          $0.requestID = requestID
        }, metadata: bearer(ownerKey))
      let different = signRequest(petition, email: "someone-else@example.org") { $0.requestID = requestID }
      let mismatch = await rpcError { _ = try await api.petitions.signPetition(different, metadata: bearer(ownerKey)) }
      #expect(badFields(mismatch) == ["request_id"], "within a day the request id is remembered")
      _ = try await api.petitions.closePetition(.with { $0.name = petition }, metadata: bearer(ownerKey))

      func signatures() async throws -> [Groundswell_Petition_V1_Signature] {
        try await api.petitions.listSignatures(.with { $0.parent = petition }, metadata: bearer(ownerKey)).signatures
      }
      clock.advance(days: 179)
      try await Task.sleep(for: .milliseconds(500))
      #expect(try await signatures().map(\.comment) == ["until it closes"], "not yet")
      // After a day the retry answer is forgotten: the id may be used again.
      #expect(await rpcError { _ = try await api.petitions.signPetition(different, metadata: bearer(ownerKey)) }?.code == .failedPrecondition)

      clock.advance(days: 2)
      let after = try await eventually({ try await signatures() }, until: { $0.first?.supporter.isEmpty == true })
      #expect(after.count == 1)
      #expect(after.first?.supporter == "")
      #expect(after.first?.comment == "")
      let count = try await api.petitions.getPetition(.with { $0.name = petition }, metadata: bearer(ownerKey)).petition.signatureCount
      #expect(count == 1, "the count stays")
    }
    try await stack.stop()
  }
}

extension PrivacyTests {
  /// An endorser's email is kept only as a keyed hash: neither the address
  /// nor its plain SHA-256 is in campaign-service's files, a second
  /// endorsement still counts once, and an endorsement stored the old way
  /// moves to the keyed hash when its endorser comes again.
  @Test func endorsersAreKeptAsKeyedHashes() async throws {
    let stack = try await Stack.start()
    let (owner, key) = try await stack.makeOrganization()
    let campaign = try await stack.makeCampaign(organization: owner, key: key, petitions: [])
    let tag = UUID().uuidString.prefix(8).lowercased()
    let email = "endorser-\(tag)@example.org"
    let legacyEmail = "legacy-\(tag)@example.org"
    var configuration = Configuration()
    configuration.busyMode = .timeout(10)
    let database = try DatabaseQueue(path: "\(stack.dataRoot)/campaign/campaign.sqlite", configuration: configuration)
    let legacyKey = "person:" + sha256(legacyEmail)
    let campaignID = String(campaign.dropFirst("campaigns/".count))
    try await database.write { db in
      try db.execute(
        sql: """
          INSERT INTO endorsements (id, campaign_id, endorser_key, organization, display_name, create_time)
          VALUES (?, ?, ?, '', 'Legacy Endorser', 0);
          UPDATE campaigns SET endorsement_count = endorsement_count + 1 WHERE id = ?;
          """,
        arguments: [ResourceName.newID(), campaignID, legacyKey, campaignID])
    }
    try await stack.withGateway { api in
      func endorse(_ address: String) async throws -> Groundswell_Campaign_V1_EndorseCampaignResponse {
        try await api.campaigns.endorseCampaign(
          .with {
            $0.campaign = campaign
            $0.displayName = "Pat Endorser"
            $0.email = address
          }, metadata: bearer(key))
      }
      #expect(try await endorse(email).alreadyEndorsed == false)
      #expect(try await endorse(email.uppercased()).alreadyEndorsed == true)
      let legacy = try await endorse(legacyEmail)
      #expect(legacy.alreadyEndorsed, "the old hash still recognises its endorser")
      #expect(legacy.endorsementCount == 2)
    }
    let keys = try await database.read { db in try String.fetchAll(db, sql: "SELECT endorser_key FROM endorsements") }
    #expect(!keys.contains { $0.hasPrefix("person:") }, "the legacy hash was replaced")
    try await stack.stop()
    // With the service stopped, nothing holds the WAL: empty it as the
    // services do after deleting.
    try await database.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
    for needle in [email, sha256(email), sha256(legacyEmail)] {
      #expect(try filesContaining(needle, under: "\(stack.dataRoot)/campaign").isEmpty, "`\(needle)` is stored")
    }
  }
}

/// The plain SHA-256 of `text`, in hex, as endorsers were once stored.
func sha256(_ text: String) -> String { SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined() }

/// Asks the gateway to erase `supporter` from `organization`.
func erase(
  _ api: GatewayAPI, _ supporter: String, in organization: String, key: String
) async throws -> Groundswell_Supporter_V1_Erasure {
  try await api.supporters.eraseSupporter(
    .with {
      $0.name = supporter
      $0.organization = organization
    }, metadata: bearer(key)
  ).erasure
}

/// A wall clock that a test moves forward.
final class DateClock: Sendable {
  private let offset = Mutex(0.0)
  var now: Date { Date().addingTimeInterval(offset.withLock { $0 }) }
  func advance(days: Double) { offset.withLock { $0 += days * 86_400 } }
}

/// The files under `root` whose bytes contain `needle`.
func filesContaining(_ needle: String, under root: String) throws -> [String] {
  let bytes = Data(needle.utf8)
  return try FileManager.default.subpathsOfDirectory(atPath: root).filter { path in
    guard let data = FileManager.default.contents(atPath: "\(root)/\(path)") else { return false }
    return data.range(of: bytes) != nil
  }
}

extension PrivacyTests {
  /// The whole stack at debug level through a sign, a bad sign, a find, an
  /// export and an erasure: no line of any service's log, and nothing the
  /// gateway's metrics show, holds an email, name, postal code or comment.
  /// Whether `needle` stands in `text` with no letter, digit or point
  /// right before or after it.
  static func holdsWord(_ text: String, _ needle: String) -> Bool {
    var rest = text[...]
    while let range = rest.range(of: needle) {
      let before = range.lowerBound > text.startIndex ? text[text.index(before: range.lowerBound)] : " "
      let after = range.upperBound < text.endIndex ? text[range.upperBound] : " "
      let joined: (Character) -> Bool = { $0.isLetter || $0.isNumber || $0 == "." }
      if !joined(before) && !joined(after) { return true }
      rest = text[range.upperBound...]
    }
    return false
  }

  @Test func noPersonalDataInLogsOrMetrics() async throws {
    let lines = CapturedLog()
    var logger = Logger(label: "privacy-scan") { _ in lines }
    logger.logLevel = .trace
    let stack = try await Stack.start(logger: logger)
    let (owner, key) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: owner, key: key)
    let person = (email: "loggable.person@example.org", given: "Ottoline", family: "Vandersnatch", postal: "30303")
    let comment = "a comment no log may keep"
    try await stack.withGateway { api in
      let supporter = try await api.petitions.signPetition(
        signRequest(petition, email: person.email, given: person.given, family: person.family, country: "US", postal: person.postal) {
          $0.comment = comment
          $0.optIn = true
        }, metadata: bearer(key)
      ).signature.supporter
      let bad = await rpcError {
        _ = try await api.petitions.signPetition(
          signRequest(petition, email: "\(person.given)@@example.org", given: person.given, family: person.family), metadata: bearer(key))
      }
      #expect(bad?.code == .invalidArgument)
      _ = try await api.supporters.findSupporter(
        .with {
          $0.parent = owner
          $0.email = person.email
        }, metadata: bearer(key))
      _ = try await api.supporters.exportSupporter(.with {
        $0.name = supporter
        $0.organization = owner
      }, metadata: bearer(key)) { response in for try await _ in response.messages {} }
      #expect(try await erase(api, supporter, in: owner, key: key).state == .complete)
    }
    let metrics = try await stack.admin("/metrics").body
    try await stack.stop()
    let log = lines.text
    #expect(log.contains("erasure complete"), "the scan read the services' logs")
    #expect(metrics.contains("groundswell_"), "the scan read the metrics")
    for needle in [person.email, person.given, person.family, person.postal, comment] {
      #expect(!log.contains(needle), "the log holds `\(needle)`")
      // As a whole word: a sampled value like 0.533030348 holds "30303".
      #expect(!Self.holdsWord(metrics, needle), "the metrics hold `\(needle)`")
    }
  }
}

/// A log handler that keeps every line, message and metadata, in memory.
final class CapturedLog: LogHandler, Sendable {
  private let lines = Mutex<[String]>([])
  var text: String { lines.withLock { $0.joined(separator: "\n") } }

  var logLevel: Logger.Level {
    get { .trace }
    set {}
  }
  var metadata: Logger.Metadata {
    get { [:] }
    set {}
  }
  subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { nil }
    set {}
  }

  func log(event: LogEvent) {
    lines.withLock { $0.append("\(event.level) \(event.message) \(event.metadata ?? [:]) \(event.source)") }
  }
}

extension PrivacyTests {
  /// `groundswell supporters find|export|erase`: a request that arrives by
  /// email answered from a terminal.
  @Test func theCommandLineAnswersAPersonsRequest() async throws {
    let stack = try await sharedStack.value
    let (owner, key) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: owner, key: key)
    let email = "cli-\(UUID().uuidString.prefix(8).lowercased())@example.org"
    let supporter = try await stack.withGateway { api in
      try await api.petitions.signPetition(signRequest(petition, email: email) { $0.comment = "from the shell" }, metadata: bearer(key))
        .signature.supporter
    }
    let bin = repositoryRoot.appendingPathComponent(".build/debug/groundswell").path
    try #require(FileManager.default.isExecutableFile(atPath: bin), "build the executables first (scripts/test.sh does)")
    let environment = [
      "GROUNDSWELL_GATEWAY": "127.0.0.1:\(stack.gateway.port)", "GROUNDSWELL_CA_FILE": stack.pki.caFile, "GROUNDSWELL_API_KEY": key,
    ]
    let found = try await runProgram(bin, ["supporters", "find", "--organization", owner, email.uppercased()], environment: environment)
    #expect(found.status == 0, "\(found.output)")
    #expect(found.output.contains(supporter))
    let exported = try await runProgram(bin, ["supporters", "export", "--organization", owner, supporter], environment: environment)
    #expect(exported.status == 0, "\(exported.output)")
    let lines = exported.output.split(separator: "\n")
    #expect(lines.count == 3)
    #expect(lines.last?.contains("\"record\":\"end\"") == true)
    #expect(exported.output.contains("from the shell"))
    let erased = try await runProgram(bin, ["supporters", "erase", "--organization", owner, supporter], environment: environment)
    #expect(erased.status == 0, "\(erased.output)")
    #expect(erased.output.contains("erased: 1 signature made anonymous"))
    let gone = try await runProgram(bin, ["supporters", "find", "--organization", owner, email], environment: environment)
    #expect(gone.status != 0)
    #expect(gone.output.contains("not") || gone.output.contains("NOT_FOUND"), "\(gone.output)")
  }
}

extension PrivacyTests {
  /// The deployment secret is made once, kept owner-only, read back the
  /// same, and never silently replaced.
  @Test func theDeploymentSecretIsMadeOnceAndNeverReplaced() throws {
    let directory = NSTemporaryDirectory() + "groundswell-secret-" + UUID().uuidString
    let first = try DeploymentSecret.load(directory: directory)
    let again = try DeploymentSecret.load(directory: directory)
    #expect(first.hexTag("a@example.org") == again.hexTag("a@example.org"))
    #expect(first.hexTag("a@example.org") != DeploymentSecret(key: .init(size: .bits256)).hexTag("a@example.org"))
    let path = "\(directory)/\(DeploymentSecret.fileName)"
    let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
    #expect(mode == 0o600)
    try Data("short".utf8).write(to: URL(fileURLWithPath: path))
    #expect(throws: StartupError.self) { _ = try DeploymentSecret.load(directory: directory) }
    #expect(FileManager.default.contents(atPath: path) == Data("short".utf8), "a bad secret is left for the operator to restore")
  }

  /// Every form of the tag is HMAC-SHA256 as RFC 4231 defines it (its
  /// test case 2), so marks stored by one version match the next.
  @Test func theTagIsStandardHMACWhateverItsInput() {
    let secret = DeploymentSecret(key: SymmetricKey(data: Data("Jefe".utf8)))
    let message = "what do ya want for nothing?"
    let expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    #expect(secret.hexTag(message) == expected)
    #expect(Hex.lowercase(secret.tag(text: message)) == expected)
    #expect(Hex.lowercase(secret.tag(Data(message.utf8))) == expected)
    let unicode = "Zoë@例え.jp"
    #expect(secret.tag(text: unicode) == secret.tag(Data(unicode.utf8)))
  }
}

extension PrivacyTests {
  /// A withdrawn signature's comment is gone from petition-service's
  /// database and WAL after the next retention pass.
  @Test func aWithdrawnCommentLeavesNoResidue() async throws {
    let stack = try await Stack.start(petition: { $0.retentionInterval = .milliseconds(200) })
    let (owner, key) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: owner, key: key)
    let comment = "Quixotically withdrawn words"
    try await stack.withGateway { api in
      let supporter = try await api.petitions.signPetition(
        signRequest(petition, email: "withdraws@example.org") {
          $0.comment = comment
          $0.requestID = UUID().uuidString
        }, metadata: bearer(key)
      ).signature.supporter
      #expect(try !filesContaining(comment, under: "\(stack.dataRoot)/petition").isEmpty, "the scan finds it first")
      _ = try await api.petitions.withdrawSignature(
        .with {
          $0.petition = petition
          $0.supporter = supporter
        }, metadata: bearer(key))
    }
    let left = try await eventually({ try filesContaining(comment, under: "\(stack.dataRoot)/petition") }, until: \.isEmpty)
    #expect(left.isEmpty, "`\(comment)` is still in \(left)")
    try await stack.stop()
  }
}
