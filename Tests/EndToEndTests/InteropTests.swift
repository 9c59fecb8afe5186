import Foundation
import GroundswellAPI
import GroundswellRuntime
import Testing

/// A partner in another language: a Python grpcio client, with stubs generated
/// from proto/ at test time, signs and reads totals through the gateway.
/// scripts/test.sh provides the Python with grpcio and sets
/// GROUNDSWELL_TEST_PYTHON; CI always runs it.
@Suite struct InteropTests {
  static let python = ProcessInfo.processInfo.environment["GROUNDSWELL_TEST_PYTHON"]

  @Test(.enabled(if: python != nil, "needs GROUNDSWELL_TEST_PYTHON (scripts/test.sh sets it)"))
  func aPythonClientSignsAndReadsTotals() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: organization, key: key)
    let campaign = try await stack.makeCampaign(organization: organization, key: key, petitions: [petition])
    let (status, text) = try await runProgram(
      Self.python!, [repositoryRoot.appendingPathComponent("Tests/Interop/partner_client.py").path],
      environment: [
        "GROUNDSWELL_GATEWAY": "127.0.0.1:\(stack.gateway.port)", "GROUNDSWELL_CA_FILE": stack.pki.caFile,
        "GROUNDSWELL_API_KEY": key, "PETITION": petition, "CAMPAIGN": campaign,
        "PROTO_DIR": repositoryRoot.appendingPathComponent("proto").path,
      ])
    try #require(status == 0, "python client failed:\n\(text)")
    let lines = keyValues(text)
    #expect(lines["signature_count"] == "1")
    #expect(lines["already_signed"] == "False")
    #expect(lines["campaign_signatures"] == "1")
    #expect(lines["invalid_argument_fields"] == "signer.email")
    #expect(lines["unauthenticated"] == "UNAUTHENTICATED")
    // The Swift side sees what Python wrote.
    let count = try await stack.withGateway { api in
      try await api.petitions.getPetition(.with { $0.name = petition }, metadata: bearer(key)).petition.signatureCount
    }
    #expect(count == 1)
  }
}
