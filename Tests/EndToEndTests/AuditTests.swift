import Foundation
import GRDB
import GRPCCore
import GatewayService
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime
import Testing

/// The audit log: operator calls, key management and a person's rights are
/// recorded with who, what, when and how they ended — never personal data —
/// and nothing can rewrite the record.
@Suite struct AuditTests {
  @Test func operatorActionsKeyManagementAndErasuresAreRecorded() async throws {
    let stack = try await Stack.start()
    let (owner, key) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: owner, key: key)
    let email = "audited-person@example.org"
    try await stack.withGateway { api in
      let supporter = try await api.petitions.signPetition(signRequest(petition, email: email, given: "Auditha"), metadata: bearer(key))
        .signature.supporter
      _ = try await api.supporters.findSupporter(
        .with {
          $0.parent = owner
          $0.email = email
        }, metadata: bearer(key))
      _ = try await erase(api, supporter, in: owner, key: key)
      let (other, otherKey) = try await stack.makeOrganization()
      _ = await rpcError { _ = try await erase(api, supporter, in: owner, key: otherKey) }
      let listed = try await api.keys.listApiKeys(.with { $0.organization = other }, metadata: bearer(otherKey))
      #expect(!listed.apiKeys.isEmpty)
      // Not audited: an ordinary partner call.
      _ = try await api.petitions.getPetition(.with { $0.name = petition }, metadata: bearer(key))

      let events = try await api.audit.listAuditEvents(.with { $0.pageSize = 100 }, metadata: bearer(stack.operatorKey)).events
      func find(_ method: String, status: String = "OK") -> Groundswell_Gateway_V1_AuditEvent? {
        events.first { $0.method.hasSuffix("/" + method) && $0.status == status }
      }
      #expect(find("CreateOrganization")?.operator == true, "an operator's call")
      #expect(find("CreateApiKey")?.operator == true)
      #expect(find("FindSupporter")?.organization == owner)
      #expect(find("FindSupporter")?.target == owner, "the parent, never the email")
      let erasure = find("EraseSupporter")
      #expect(erasure?.target == supporter)
      #expect(erasure?.organization == owner)
      #expect(erasure?.apiKey.hasPrefix("apiKeys/") == true)
      #expect(find("EraseSupporter", status: "PERMISSION_DENIED")?.organization == other, "refusals are recorded too")
      #expect(find("ListApiKeys")?.organization == other)
      #expect(!events.contains { $0.method.hasSuffix("/GetPetition") })
      #expect(events.first.map { $0.time.seconds >= events.last!.time.seconds } == true, "newest first")
      #expect(!events.contains { $0.target.contains("@") || $0.target.contains("Auditha") })

      // Partners cannot read it.
      let refused = await rpcError { _ = try await api.audit.listAuditEvents(.with { _ in }, metadata: bearer(key)) }
      #expect(refused?.code == .permissionDenied)
      // Pages join up.
      let first = try await api.audit.listAuditEvents(.with { $0.pageSize = 2 }, metadata: bearer(stack.operatorKey))
      let second = try await api.audit.listAuditEvents(
        .with {
          $0.pageSize = 2
          $0.pageToken = first.nextPageToken
        }, metadata: bearer(stack.operatorKey))
      // (Reading the log is an operator's call, so it is audited too: each
      // read adds an event at the top; the pages are a run of the log.)
      let all = try await api.audit.listAuditEvents(.with { $0.pageSize = 100 }, metadata: bearer(stack.operatorKey)).events
      let run = first.events + second.events
      #expect(run.count == 4)
      let start = all.firstIndex(of: run[0]) ?? all.endIndex
      #expect(Array(all[start...].prefix(4)) == run)
      #expect(all.contains { $0.method.hasSuffix("/ListAuditEvents") && $0.operator })
    }
    // The database itself refuses to change or delete an entry.
    let log = try SQLiteAuditLog(directory: "\(stack.dataRoot)/gateway")
    #expect(throws: DatabaseError.self) { try log.database.write { try $0.execute(sql: "DELETE FROM audit_events") } }
    #expect(throws: DatabaseError.self) { try log.database.write { try $0.execute(sql: "UPDATE audit_events SET status = 'OK'") } }
    try await stack.stop()
    for needle in [email, "Auditha"] {
      #expect(try filesContaining(needle, under: "\(stack.dataRoot)/gateway").isEmpty)
    }
  }
}
