import Foundation
import GroundswellAPI
import GroundswellRuntime
import Testing

/// The gateway's admin listener: Prometheus metrics, the Grafana dashboard
/// that charts them, and the live HTML dashboard in a real browser.
@Suite struct DashboardTests {
  static let python = ProcessInfo.processInfo.environment["GROUNDSWELL_TEST_PYTHON"]
  static let chromedriver = ProcessInfo.processInfo.environment["GROUNDSWELL_TEST_CHROMEDRIVER"]

  @Test func metricsShowCampaignTotalsAndRPCs() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: organization, key: key)
    let campaign = try await stack.makeCampaign(organization: organization, key: key, petitions: [petition])
    try await stack.withGateway { api in
      _ = try await sign(api, petition, email: "metrics@example.org", key: key)
      _ = try await liveTotals(api, campaign, key: key) { $0.signatureCount == 1 }
      _ = await rpcError { _ = try await api.totals.getCampaignTotals(.with { $0.campaign = "bad" }, metadata: bearer(key)) }
    }
    let (status, metrics) = try await stack.admin("/metrics")
    #expect(status == 200)
    let lines = Set(metrics.split(separator: "\n").map(String.init))
    #expect(lines.contains { $0.hasPrefix("grpc_server_handled_total{grpc_method=\"groundswell.gateway.v1.GatewayService/GetCampaignTotals\",grpc_code=\"OK\"} ") })
    #expect(lines.contains { $0.hasPrefix("grpc_server_handled_total{grpc_method=\"groundswell.gateway.v1.GatewayService/GetCampaignTotals\",grpc_code=\"INVALID_ARGUMENT\"} ") })
    #expect(lines.contains { $0.hasPrefix("grpc_server_handling_seconds_bucket{grpc_method=\"groundswell.petition.v1.PetitionService/SignPetition\"") })
    #expect(lines.contains { $0.hasPrefix("groundswell_campaign_signatures{campaign=\"\(campaign)\"") && $0.hasSuffix(" 1") })
    #expect(lines.contains("groundswell_feed_stale{feed=\"petition-service\"} 0"))
    #expect(lines.contains { $0.hasPrefix("groundswell_signatures ") })

    // Every metric the Grafana dashboard charts is one a service exposes:
    // ObservabilityTests checks that against the four real processes.
  }

  @Test func theTerminalDashboardShowsTotalsAndTheLastHour() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: organization, key: key)
    let campaign = try await stack.makeCampaign(organization: organization, key: key, petitions: [petition])
    try await stack.withGateway { api in
      _ = try await api.campaigns.updateCampaign(
        .with {
          $0.campaign = .with {
            $0.name = campaign
            $0.title = "Terminal dashboard check"
          }
          $0.updateMask = .with { $0.paths = ["title"] }
        }, metadata: bearer(key))
      for email in ["t1@example.org", "t2@example.org"] { _ = try await sign(api, petition, email: email, key: key) }
      _ = try await liveTotals(api, campaign, key: key) { $0.signatureCount == 2 && $0.title == "Terminal dashboard check" }
    }
    let binary = repositoryRoot.appendingPathComponent(".build/debug/groundswell").path
    try #require(FileManager.default.isExecutableFile(atPath: binary), "build the executables first (scripts/test.sh does)")
    let (status, text) = try await runProgram(
      binary,
      ["dashboard", "--once", "--campaign", campaign, "--gateway", "127.0.0.1:\(stack.gateway.port)", "--ca-file", stack.pki.caFile,
       "--api-key", key], environment: [:])
    try #require(status == 0, "groundswell dashboard failed:\n\(text)")
    let row = text.split(separator: "\n").first { $0.hasPrefix("Terminal dashboard check") }
    #expect(row != nil, "no row for the campaign in:\n\(text)")
    // Two signatures, two supporters, two in the last hour, all in one minute: a full bar.
    #expect(row?.split(separator: " ").filter { $0 == "2" }.count == 3)
    #expect(row?.contains("█") ?? false)
    #expect(!(row?.contains("STALE") ?? true))
  }

  @Test func theDashboardPageAndItsDataAreServed() async throws {
    let stack = try await sharedStack.value
    let (status, page) = try await stack.admin("/dashboard")
    #expect(status == 200)
    #expect(page.contains("id=\"grand-signatures\"") && page.contains("/dashboard/data"))
    let (dataStatus, body) = try await stack.admin("/dashboard/data")
    #expect(dataStatus == 200)
    let data = try JSONSerialization.jsonObject(with: Data(body.utf8)) as! [String: Any]
    #expect((data["lastDay"] as! [Any]).count == 1_440)
    #expect((data["feeds"] as! [[String: Any]]).count == 2)
    #expect(data["signatures"] is Int)
    let (missing, _) = try await stack.admin("/nothing-here")
    #expect(missing == 404)
  }

  @Test(.enabled(if: python != nil && chromedriver != nil, "needs GROUNDSWELL_TEST_PYTHON and GROUNDSWELL_TEST_CHROMEDRIVER (scripts/test.sh sets them when chromium-driver is installed)"))
  func theHTMLDashboardUpdatesLiveInABrowser() async throws {
    // Its own stack: the grand total must move only by this test's signatures.
    let stack = try await Stack.start()
    let (organization, key) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: organization, key: key)
    let campaign = try await stack.makeCampaign(organization: organization, key: key, petitions: [petition])
    try await stack.withGateway { api in
      _ = try await sign(api, petition, email: "first@example.org", key: key)
      _ = try await liveTotals(api, campaign, key: key) { $0.signatureCount == 1 }
    }
    let port = await stack.gateway.built.adminPort()
    var environment = [
      "DASHBOARD_URL": "http://127.0.0.1:\(port)/dashboard", "CHROMEDRIVER": Self.chromedriver!,
      "GROUNDSWELL_GATEWAY": "127.0.0.1:\(stack.gateway.port)", "GROUNDSWELL_CA_FILE": stack.pki.caFile,
      "GROUNDSWELL_API_KEY": key, "PETITION": petition,
      "PROTO_DIR": repositoryRoot.appendingPathComponent("proto").path,
    ]
    if let screenshot = ProcessInfo.processInfo.environment["GROUNDSWELL_DASHBOARD_SCREENSHOT"] {
      environment["SCREENSHOT"] = screenshot
    }
    let (status, text) = try await runProgram(
      Self.python!, [repositoryRoot.appendingPathComponent("Tests/Browser/dashboard_check.py").path], environment: environment)
    try #require(status == 0, "browser check failed:\n\(text)")
    let lines = keyValues(text)
    #expect(lines["before"] == "1")
    #expect(lines["after"] == "3")
    #expect(lines["campaign_rows"] == "1")
    #expect(lines["title"]?.contains("Groundswell") ?? false)
    try await stack.stop()
  }
}
