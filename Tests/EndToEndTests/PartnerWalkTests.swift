import Foundation
import GroundswellAPI
import GroundswellRuntime
import Testing

/// `examples/python/partner_walk.py`, the walk docs/partners.md points
/// partners to, run as a partner would run it: grpcio with stubs generated
/// from proto/, against a stack whose gateway may deliver webhooks to
/// loopback. scripts/test.sh provides the Python and sets
/// GROUNDSWELL_TEST_PYTHON; CI always runs it.
@Suite struct PartnerWalkTests {
  @Test(.enabled(if: InteropTests.python != nil, "needs GROUNDSWELL_TEST_PYTHON (scripts/test.sh sets it)"))
  func thePythonPartnerWalkRunsFromStartToEnd() async throws {
    let stack = try await WebhookTests.stack()
    let (organization, key) = try await stack.makeOrganization()
    let endpoint = stack.pki.files(for: "monitoring")
    let (status, text) = try await runProgram(
      InteropTests.python!, [repositoryRoot.appendingPathComponent("examples/python/partner_walk.py").path],
      environment: [
        "GROUNDSWELL_GATEWAY": "127.0.0.1:\(stack.gateway.port)", "GROUNDSWELL_CA_FILE": stack.pki.caFile,
        "GROUNDSWELL_API_KEY": key, "GROUNDSWELL_ORGANIZATION": organization,
        "WEBHOOK_CERT": endpoint.certificate, "WEBHOOK_KEY": endpoint.privateKey,
      ])
    try #require(status == 0, "the walk failed:\n\(text)")
    let results = keyValues(text)
    #expect(text.components(separatedBy: "step: ").count - 1 == 8, "every step ran:\n\(text)")
    #expect(results["retry_same_signature"] == "True")
    #expect(results["retry_count"] == "1", "a retried request counts once")
    #expect(results["signature_count"] == "3")
    #expect(results["organization_totals_read"] == "True")
    #expect(results["events_in_order"] == "True")
    #expect(results["event_types"] == "SIGNATURE_CREATED,SIGNATURE_CREATED,SIGNATURE_CREATED")
    #expect(results["event_signatures_match"] == "True")
    #expect(results["event_identifiers"] == "walk_crm:1,walk_crm:2,walk_crm:3")
    #expect(results["found_by_identifier"] == "True")
    #expect(results["webhook_verified"] == "True")
    #expect(results["webhook_forged_refused"] == "True")
    #expect(results["webhook_events"] == "3")
    #expect(results["webhook_identifiers"] == "walk_crm:1,walk_crm:2,walk_crm:3")
    #expect(results["export_count"] == "3")
    #expect(results["export_rows"] == "3")
    #expect(results["export_ledger_head"] == "True")
    // The Swift side sees what the walk wrote.
    let listed = try await stack.withGateway { api in
      try await api.petitions.listPetitions(.with { $0.parent = organization }, metadata: bearer(key)).petitions
    }
    #expect(listed.map(\.signatureCount) == [3])
    try await stack.stop()
  }
}
