import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GRPCProtobuf
import GroundswellAPI
import GroundswellRuntime
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Measures a running, seeded stack through the gateway's public TLS port.
struct Measure: AsyncParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Measures latency, update delay and memory of the gateway's live totals.")

  @Option(help: "The gateway, host:port.") var gateway: String
  @Option(help: "The CA certificate the gateway's certificate chains to.") var caFile: String
  @Option(help: "An API key.") var apiKey: String
  @Option(help: "The gateway's admin listener, host:port.") var admin: String
  @Option(help: "The gateway's process id, to read its memory.") var gatewayPid: Int32
  @Option(help: "Campaigns the stack was seeded with.") var campaigns = 10_000
  @Option(help: "Calls per latency measurement.") var calls = 5_000
  @Option(help: "Signatures for the update-delay measurement.") var signatures = 200

  func run() async throws {
    guard let endpoint = ServiceAddress(gateway) else { throw ValidationError("--gateway must be host:port") }
    let transport = try makeGatewayTransport(endpoint: endpoint, caFile: caFile)
    try await withGRPCClient(transport: transport) { client in
      let totals = Groundswell_Gateway_V1_GatewayService.Client(wrapping: client)
      let petitions = Groundswell_Petition_V1_PetitionService.Client(wrapping: client)
      let auth = bearer(apiKey)

      let loadStart = ContinuousClock.now
      var grand = Groundswell_Gateway_V1_GetGrandTotalResponse()
      while true {
        grand = (try? await totals.getGrandTotal(.init(), metadata: auth)) ?? grand
        if grand.campaignCount == campaigns && !grand.signaturesFreshness.stale { break }
        try await Task.sleep(for: .milliseconds(200))
      }
      print("view loaded: \(grand.campaignCount) campaigns, \(grand.petitionCount) petitions, \(grand.signatureCount) signatures (waited \(loadStart.duration(to: .now)))")
      print("gateway memory after load: \(memory())")

      func campaign(_ index: Int) -> String { String(format: "campaigns/c%06d", index) }
      // Warm up connections and code paths.
      for index in 0..<min(200, campaigns) { _ = try await totals.getCampaignTotals(.with { $0.campaign = campaign(index) }, metadata: auth) }

      var one: [Duration] = []
      for _ in 0..<calls {
        let name = campaign(Int.random(in: 0..<campaigns))
        let start = ContinuousClock.now
        _ = try await totals.getCampaignTotals(.with { $0.campaign = name }, metadata: auth)
        one.append(start.duration(to: .now))
      }
      report("GetCampaignTotals (one campaign)", one)

      var pages: [Duration] = []
      var token = ""
      for _ in 0..<(calls / 10) {
        let start = ContinuousClock.now
        let page = try await totals.listCampaignTotals(.with { $0.pageSize = 100; $0.pageToken = token }, metadata: auth)
        pages.append(start.duration(to: .now))
        token = page.nextPageToken
      }
      report("ListCampaignTotals (page of 100)", pages)

      var grands: [Duration] = []
      for _ in 0..<calls {
        let start = ContinuousClock.now
        _ = try await totals.getGrandTotal(.init(), metadata: auth)
        grands.append(start.duration(to: .now))
      }
      report("GetGrandTotal", grands)

      // Commit → watch: sign through the gateway (the answer comes after the
      // durable commit) and time until a WatchCampaignTotals stream shows it.
      let watched = campaign(0)
      let petition = try await totals.getCampaignTotals(.with { $0.campaign = watched }, metadata: auth).totals
      let target = "petitions/p0000000"
      let delays = try await totals.watchCampaignTotals(.with { $0.campaigns = [watched] }, metadata: auth) { response in
        var iterator = response.messages.makeAsyncIterator()
        var current = petition.signatureCount
        while let message = try await iterator.next(), !message.initialComplete {}
        var delays: [Duration] = []
        for index in 0..<signatures {
          _ = try await petitions.signPetition(
            .with {
              $0.petition = target
              $0.signer = .with {
                $0.email = "bench-\(UUID().uuidString.prefix(8))-\(index)@example.org"
                $0.givenName = "Bench"
              }
            }, metadata: auth)
          let committed = ContinuousClock.now
          current += 1
          while let message = try await iterator.next() {
            if message.totals.contains(where: { $0.signatureCount >= current }) { break }
          }
          delays.append(committed.duration(to: .now))
        }
        return delays
      }
      report("commit → WatchCampaignTotals update", delays)
      print("gateway memory after the runs: \(memory())")
      print("server-side GetCampaignTotals (gateway histogram): \(try await serverSide(method: "GetCampaignTotals"))")
    }
  }

  func report(_ label: String, _ samples: [Duration]) {
    let sorted = samples.sorted()
    func at(_ q: Double) -> String {
      let value = sorted[min(Int(Double(sorted.count) * q), sorted.count - 1)]
      return String(format: "%.3f ms", Double(value.components.attoseconds) / 1e15 + Double(value.components.seconds) * 1000)
    }
    print("\(label): n=\(sorted.count) p50=\(at(0.5)) p99=\(at(0.99)) max=\(at(1))")
  }

  /// The gateway's resident and peak memory from /proc.
  func memory() -> String {
    guard let status = try? String(contentsOfFile: "/proc/\(gatewayPid)/status", encoding: .utf8) else { return "unknown" }
    let lines = status.split(separator: "\n").filter { line in ["VmHWM", "VmRSS", "RssAnon", "RssFile"].contains { line.hasPrefix($0) } }
    return lines.map { $0.split(whereSeparator: \.isWhitespace).joined(separator: " ") }.joined(separator: ", ")
  }

  /// The share of calls under each histogram bound, from `/metrics`.
  func serverSide(method: String) async throws -> String {
    let (data, _) = try await URLSession.shared.data(from: URL(string: "http://\(admin)/metrics")!)
    let text = String(decoding: data, as: UTF8.self)
    let prefix = "grpc_server_handling_seconds_bucket{grpc_method=\"groundswell.gateway.v1.GatewayService/\(method)\",le=\""
    var buckets: [(String, Double)] = []
    var total = 0.0
    for line in text.split(separator: "\n") where line.hasPrefix(prefix) {
      let bound = line.dropFirst(prefix.count).prefix { $0 != "\"" }
      let count = Double(line.split(separator: " ").last ?? "0") ?? 0
      buckets.append((String(bound), count))
      if bound == "+Inf" { total = count }
    }
    guard total > 0 else { return "no samples" }
    return buckets.filter { ["0.001", "0.002", "0.005"].contains($0.0) }
      .map { String(format: "%.2f%% ≤ %@ s", 100 * $0.1 / total, $0.0) }.joined(separator: ", ")
  }
}
