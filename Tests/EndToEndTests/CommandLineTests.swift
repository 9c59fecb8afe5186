import Foundation
import GroundswellAPI
import GroundswellRuntime
import Testing

/// The `groundswell` command line against a stack over TLS, as a script
/// uses it: `--output json`, the documented exit statuses, the key from the
/// environment, and shell completion.
@Suite struct CommandLineTests {
  static let bin = repositoryRoot.appendingPathComponent(".build/debug/groundswell").path

  struct Run {
    var status: Int32
    var output: String
    /// The lines that are JSON objects.
    var objects: [[String: Any]] {
      output.split(separator: "\n").filter { $0.hasPrefix("{") }.compactMap {
        try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
      }
    }
  }

  static func run(_ arguments: [String], _ environment: [String: String]) async throws -> Run {
    try #require(FileManager.default.isExecutableFile(atPath: bin), "build the executables first (scripts/test.sh does)")
    let (status, output) = try await runProgram(bin, arguments, environment: environment)
    return Run(status: status, output: output)
  }

  @Test func aPartnerWorksFromTheShellWithJSONAndExitStatuses() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    let environment = [
      "GROUNDSWELL_GATEWAY": "127.0.0.1:\(stack.gateway.port)", "GROUNDSWELL_CA_FILE": stack.pki.caFile, "GROUNDSWELL_API_KEY": key,
      "GROUNDSWELL_OUTPUT": "json",
    ]
    func cli(_ arguments: String...) async throws -> Run { try await Self.run(arguments, environment) }

    // A petition, created and published.
    let created = try await cli(
      "petitions", "create", "--organization", organization, "--title", "Shell petition", "--target", "Pat Example|Governor|US-CT")
    try #require(created.status == 0, "\(created.output)")
    let petition = try #require((created.objects.first?["petition"] as? [String: Any])?["name"] as? String)
    #expect((created.objects.first?["petition"] as? [String: Any])?["state"] as? String == "DRAFT")
    let published = try await cli("petitions", "publish", petition)
    #expect((published.objects.first?["petition"] as? [String: Any])?["state"] as? String == "OPEN")
    let table = try await Self.run(["petitions", "get", petition, "--output", "table"], environment)
    #expect(table.output.contains("PETITION") && table.output.contains("OPEN") && table.output.contains("Shell petition"))

    // Signed with a request id (a retry answers the same) and a CRM id.
    let signArguments = [
      "sign", petition, "--email", "shell@example.org", "--given-name", "Sol", "--request-id", "shell-1", "--identifier", "shell_crm:1",
    ]
    let signed = try await Self.run(signArguments, environment)
    #expect(signed.status == 0, "\(signed.output)")
    let again = try await Self.run(signArguments, environment)
    let signature = (signed.objects.first?["signature"] as? [String: Any])?["name"] as? String
    #expect(signature != nil && (again.objects.first?["signature"] as? [String: Any])?["name"] as? String == signature)
    #expect(again.objects.first?["signature_count"] as? String == "1")
    let found = try await cli("supporters", "find", "--organization", organization, "--identifier", "shell_crm:1")
    #expect((found.objects.first?["supporter"] as? [String: Any])?["identifiers"] as? [String] == ["shell_crm:1"])

    // An import file with a bad row: the rest is stored, the row is named, the status says so.
    let file = NSTemporaryDirectory() + "groundswell-import-\(UUID().uuidString).csv"
    try """
      email,given_name,family_name,sign_time,identifier
      paper1@example.org,Pat,"O'Neil, Jr",2026-09-21T10:00:00Z,shell_crm:2
      not-an-address,Bad,,2026-09-21T10:00:00Z,
      paper2@example.org,Quinn,,2026-09-21T11:00:00Z,shell_crm:1

      """.write(toFile: file, atomically: true, encoding: .utf8)
    let imported = try await Self.run(["signatures", "import", petition, "--file", file, "--output", "table"], environment)
    #expect(imported.status == 3, "\(imported.output)")
    #expect(imported.output.contains("line 3: signer.email"), "\(imported.output)")
    #expect(imported.output.contains("line 4: signer.identifiers"), "a taken CRM id names its row:\n\(imported.output)")
    #expect(imported.output.contains("signed 1, already signed 0, refused 2"), "\(imported.output)")
    #expect(imported.output.contains("1 of 3 rows sent") == false && imported.output.contains("3 of 3 rows sent"))
    let listed = try await cli("signatures", "list", petition)
    #expect(listed.objects.count == 2)

    // Events: from the oldest kept, then nothing after the cursor it printed.
    let events = try await cli("events", "--idle", "1")
    #expect(events.status == 0, "\(events.output)")
    #expect(events.objects.map { $0["type"] as? String } == ["PETITION_STATE_CHANGED", "SIGNATURE_CREATED", "SIGNATURE_CREATED"])
    #expect(events.objects.dropFirst().allSatisfy { ($0["identifiers"] as? [String])?.isEmpty == false })
    let cursor = try #require(events.output.split(separator: "\n").first { $0.hasPrefix("cursor: ") }?.dropFirst("cursor: ".count))
    #expect(cursor == "1.3")
    let none = try await cli("events", "--cursor", String(cursor), "--idle", "1")
    #expect(none.objects.isEmpty && none.output.contains("cursor: 1.3"))
    let badType = try await cli("events", "--type", "SIGNED")
    #expect(badType.status == 64 && badType.output.contains("SIGNATURE_CREATED"))

    // Campaigns.
    let campaign = try await cli("campaigns", "create", "--organization", organization, "--title", "Shell campaign")
    let campaignName = try #require((campaign.objects.first?["campaign"] as? [String: Any])?["name"] as? String)
    let added = try await cli("campaigns", "add-petition", campaignName, petition)
    #expect((added.objects.first?["campaign"] as? [String: Any])?["petitions"] as? [String] == [petition])

    // Webhooks: refused URLs exit 3; the list is empty.
    let plain = try await cli("webhooks", "create", "--url", "http://hooks.example.org/x")
    #expect(plain.status == 3, "\(plain.output)")
    let hooks = try await Self.run(["webhooks", "list", "--output", "table"], environment)
    #expect(hooks.status == 0 && hooks.output.contains("WEBHOOK"))

    // The documented statuses.
    #expect(try await cli("petitions", "get", "petitions/does-not-exist").status == 4)
    let taken = try await cli(
      "supporters", "identifiers", "attach", "--organization", organization,
      try #require((signed.objects.first?["signature"] as? [String: Any])?["supporter"] as? String), "shell_crm:2")
    #expect(taken.status == 5, "\(taken.output)")
    #expect(try await cli("petitions", "publish", petition).status == 6)
    let other = try await stack.makeOrganization()
    #expect(try await cli("supporters", "list", "--organization", other.name).status == 7)
    var badKey = environment
    badKey["GROUNDSWELL_API_KEY"] = "gsk_not_a_key"
    #expect(try await Self.run(["petitions", "list"], badKey).status == 8)
    #expect(try await cli("petitions", "list", "--limit", "0").status == 64)
    #expect(try await cli("petitions", "list", "--output", "yaml").status == 64)
    let won = try await cli("petitions", "declare-victory", petition, "--note", "The governor signed it.")
    #expect((won.objects.first?["petition"] as? [String: Any])?["state"] as? String == "VICTORY", "\(won.output)")
    var unreachable = environment
    unreachable["GROUNDSWELL_GATEWAY"] = "127.0.0.1:1"
    #expect(try await Self.run(["petitions", "list"], unreachable).status == 10)
  }

  /// Rows with long comments: 1,000 of them are over the gateway's 4 MiB
  /// request limit, so the command sends fewer per call, and a row that no
  /// call could carry is refused by line instead of failing the import.
  @Test func anImportOfLongRowsIsSplitUnderTheRequestLimit() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: organization, key: key)
    let environment = [
      "GROUNDSWELL_GATEWAY": "127.0.0.1:\(stack.gateway.port)", "GROUNDSWELL_CA_FILE": stack.pki.caFile, "GROUNDSWELL_API_KEY": key,
    ]
    // 4 bytes a character: a 4,000-byte comment and an 800-byte source per row.
    let comment = String(repeating: "🗳", count: 1_000)
    let source = String(repeating: "🗳", count: 200)
    var lines = ["email,given_name,sign_time,comment,source"]
    for number in 0..<1_050 {
      lines.append("long\(number)@example.org,Lee,2026-09-21T10:00:00Z,\(comment),\(source)")
      if number == 500 { lines.append("huge@example.org,Lee,2026-09-21T10:00:00Z,\(String(repeating: "x", count: 4_100_000)),") }
    }
    let file = NSTemporaryDirectory() + "groundswell-import-\(UUID().uuidString).csv"
    try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: file) }

    let imported = try await Self.run(["signatures", "import", petition, "--file", file, "--output", "table"], environment)
    #expect(imported.status == 3, "the huge row is refused: \(imported.output.prefix(2_000))")
    #expect(imported.output.contains("line 503: row: is "), "\(imported.output.prefix(2_000))")
    #expect(imported.output.contains("signed 1050, already signed 0, refused 1"), "\(imported.output.suffix(2_000))")
    #expect(imported.output.contains("the petition has 1,050 signatures"), "\(imported.output.suffix(2_000))")
    // More than one call, each under 1,000 rows, and every row sent but the huge one.
    let progress = imported.output.split(separator: "\n").filter { $0.hasPrefix("import: ") }
    #expect(progress.count >= 2, "\(progress)")
    #expect(progress.first.map { !$0.hasPrefix("import: 1000 ") } == true, "\(progress)")
    #expect(progress.last == "import: 1050 of 1051 rows sent", "\(progress)")

    // Again, as JSON: every row's result in file order, indexed by its place
    // in the file (not in its call), each one already signed but the huge one.
    let again = try await Self.run(["signatures", "import", petition, "--file", file, "--output", "json"], environment)
    #expect(again.status == 3)
    let rows = again.objects
    #expect(rows.count == 1_051)
    #expect(rows.dropFirst().map { ($0["index"] as? Int) ?? -1 } == Array(1...1_050), "file order, file indexes")
    #expect(rows[501]["outcome"] as? String == "OUTCOME_INVALID")
    #expect(rows.enumerated().allSatisfy { $0.offset == 501 || $0.element["outcome"] as? String == "OUTCOME_ALREADY_SIGNED" })

    // A file whose only row is too long: no call is made, and the summary
    // does not claim a count it never asked for.
    try (lines[0] + "\n" + lines[502] + "\n").write(toFile: file, atomically: true, encoding: .utf8)
    let alone = try await Self.run(["signatures", "import", petition, "--file", file, "--output", "table"], environment)
    #expect(alone.status == 3)
    #expect(alone.output.contains("line 2: row: is "), "\(alone.output.prefix(2_000))")
    #expect(alone.output.contains("signed 0, already signed 0, refused 1; nothing was sent"), "\(alone.output.suffix(2_000))")
    #expect(!alone.output.contains("the petition has"), "\(alone.output.suffix(2_000))")
  }

  @Test func shellCompletionCoversTheCommands() async throws {
    for shell in ["bash", "zsh", "fish"] {
      let script = try await Self.run(["--generate-completion-script", shell], [:])
      #expect(script.status == 0)
      for command in ["petitions", "signatures", "campaigns", "supporters", "events", "webhooks", "keys", "export"] {
        #expect(script.output.contains(command), "\(shell) completion lacks \(command)")
      }
    }
  }
}
