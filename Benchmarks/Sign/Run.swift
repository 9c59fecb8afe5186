import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GroundswellAPI
import GroundswellRuntime

/// Runs every phase against a running stack and prints the figures.
struct Run: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Measures the health-check ceiling, then signing spread and viral, paced, and batch import.")

  @Option(help: "The gateway, host:port.") var gateway: String
  @Option(help: "The CA certificate the gateway's certificate chains to.") var caFile: String
  @Option(help: "An operator key (creates the organization).") var operatorKey: String
  @Option(help: "An unlimited partner key of --organization (creates petitions and signs).") var partnerKey: String
  @Option(help: "The partner's organization.") var organization = "organizations/bench"
  @Option(help: "Service processes to read CPU and memory of, name=pid (repeat).") var process: [String] = []
  @Option(help: "Seconds per measured phase.") var duration = 10
  @Option(help: "Connections to the gateway.") var connections = 4
  @Option(help: "Calls in flight.") var concurrency = 128
  @Option(help: "Petitions the spread phase signs.") var petitions = 100
  @Option(help: "Share of sign calls that repeat an earlier signer (0 to 1).") var duplicates = 0.1
  @Flag(name: .customLong("request-ids"), help: "Give every sign call a request_id of its own, as a partner retrying safely does (the retry lookup on the sign path).")
  var requestIDs = false
  @Option(help: "Signatures per ImportSignatures call (0 skips the import phase).") var importBatch = 1000
  @Option(help: "Import calls in flight.") var importConcurrency = 4
  @Option(help: "Seconds of the import phase (default: --duration).") var importDuration: Int?
  @Option(help: "Phases to run, comma-separated: ceiling,read (GetPetition: the forwarding floor),spread,viral,paced,import,neighbour (another organization's paced signatures, alone and beside the import),filled (spread again after the import).")
  var phases = "ceiling,read,spread,viral,paced,import"
  @Option(help: "A file to write the first petition's name to (for the h2load cross-check).") var petitionFile: String?
  @Option(help: "Shares of the spread peak the paced phase runs at, comma-separated (0.05 to 1 each), e.g. 0.2,0.5,0.8.")
  var pacedShares = "0.8"
  @Option(help: "Signatures per second the neighbour phase's other organization sends (1 to 10000).") var neighbourRate = 100

  func run() async throws {
    guard let endpoint = ServiceAddress(gateway) else { throw ValidationError("--gateway must be host:port") }
    guard (0...1).contains(duplicates) else { throw ValidationError("--duplicates must be between 0 and 1") }
    guard (1...100_000).contains(petitions) else { throw ValidationError("--petitions must be 1 to 100000") }
    guard (1...64).contains(connections), (1...4096).contains(concurrency) else {
      throw ValidationError("--connections must be 1 to 64 and --concurrency 1 to 4096")
    }
    let processes = try process.map { argument in
      guard let parsed = ServiceProcess(argument: argument) else { throw ValidationError("--process takes name=pid, got \(argument)") }
      return parsed
    }
    let selected = Set(phases.split(separator: ",").map(String.init))
    guard (1...10_000).contains(neighbourRate) else { throw ValidationError("--neighbour-rate must be 1 to 10000") }
    let shares = pacedShares.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
    guard (1...10).contains(shares.count), shares.count == pacedShares.split(separator: ",").count,
      shares.allSatisfy({ (0.05...1).contains($0) })
    else {
      throw ValidationError("--paced-shares takes 1 to 10 numbers from 0.05 to 1, comma-separated, e.g. 0.2,0.5,0.8")
    }
    let transports = try (0..<connections).map { _ in try makeGatewayTransport(endpoint: endpoint, caFile: caFile) }
    let clients = transports.map { GRPCClient(transport: $0) }
    try await withThrowingTaskGroup(of: Void.self) { group in
      for client in clients { group.addTask { try await client.runConnections() } }
      defer { for client in clients { client.beginGracefulShutdown() } }
      let bench = Bench(
        clients: clients, operatorKey: operatorKey, partnerKey: partnerKey, organization: organization,
        processes: processes, duration: .seconds(duration), concurrency: concurrency, duplicates: duplicates,
        requestIDs: requestIDs)
      let names = try await bench.measure(
        phases: selected, pacedShares: shares, petitionCount: petitions, importBatch: importBatch, importConcurrency: importConcurrency,
        importDuration: .seconds(importDuration ?? duration), neighbourRate: Double(neighbourRate))
      if let petitionFile { try Data(names[0].utf8).write(to: URL(fileURLWithPath: petitionFile)) }
    }
  }
}

/// The phases, sharing one set of connections.
struct Bench: Sendable {
  let clients: [GRPCClient<HTTP2ClientTransport.Posix>]
  let operatorKey: String
  let partnerKey: String
  let organization: String
  let processes: [ServiceProcess]
  let duration: Duration
  let concurrency: Int
  let duplicates: Double
  let requestIDs: Bool
  /// Tells this run's signers from an earlier run's on the same stack.
  let run = String(UInt32.random(in: .min ... .max), radix: 36)

  /// Runs the phases; returns the petitions it signed.
  func measure(
    phases: Set<String>, pacedShares: [Double], petitionCount: Int, importBatch: Int, importConcurrency: Int, importDuration: Duration,
    neighbourRate: Double
  ) async throws -> [String] {
    print("sign-benchmark: \(ProcessInfo.processInfo.activeProcessorCount) cores shared by this generator and the services; "
      + "\(clients.count) connections, \(concurrency) calls in flight, \(duration) per phase"
      + (requestIDs ? "; every sign call with a request_id" : ""))
    let names = try await setUp(petitions: petitionCount)
    print("setup: \(names.count) open petitions of \(organization)")
    // Warm up connections, caches and code paths.
    _ = await signLoad(names, concurrency: concurrency, duration: .seconds(2))

    var ceiling: LoadResult?
    if phases.contains("ceiling") {
      ceiling = try await phase("ceiling: grpc.health.v1.Health/Check", items: "checks", ceiling: nil) {
        await runLoad(clients: clients, concurrency: concurrency, duration: duration) { client, _, _ in
          do {
            _ = try await Grpc_Health_V1_Health.Client(wrapping: client).check(.init())
            return .ok()
          } catch { return .failed(error) }
        }
      }
    }
    if phases.contains("read") {
      // The floor of any forwarded call: the same two hops as a signature
      // (partner → gateway → petition-service), one indexed read, no write
      // and no supporter-service.
      _ = try await phase("forwarding floor: GetPetition through the gateway", items: "reads", ceiling: ceiling) {
        let partner = partner
        return await runLoad(clients: clients, concurrency: concurrency, duration: duration) { client, worker, sequence in
          do {
            _ = try await Groundswell_Petition_V1_PetitionService.Client(wrapping: client).getPetition(
              .with { $0.name = names[(sequence + worker) % names.count] }, metadata: partner)
            return .ok()
          } catch { return .failed(error) }
        }
      }
    }
    var spread: LoadResult?
    if phases.contains("spread") {
      spread = try await phase("sign, spread over \(names.count) petitions, \(Int(duplicates * 100)) % repeats", items: "signatures", ceiling: ceiling) {
        await signLoad(names, concurrency: concurrency, duration: duration)
      }
    }
    if phases.contains("viral") {
      let viral = try await phase("sign, all on one petition (viral), \(Int(duplicates * 100)) % repeats", items: "signatures", ceiling: ceiling) {
        await signLoad([names[0]], concurrency: concurrency, duration: duration)
      }
      if let spread, spread.itemRate > 0 {
        print(String(format: "  viral / spread: %.0f %%", 100 * viral.itemRate / spread.itemRate))
      }
    }
    if phases.contains("paced"), let spread, spread.itemRate > 10 {
      for share in pacedShares {
        let rate = (spread.itemRate * share).rounded()
        _ = try await phase(
          "sign at \(Int((share * 100).rounded())) % of the spread peak (\(Int(rate))/s, open loop)", items: "signatures", ceiling: ceiling
        ) {
          await signLoad(names, concurrency: concurrency, duration: duration, rate: rate)
        }
      }
    }
    if phases.contains("import"), importBatch > 0 {
      _ = try await phase("ImportSignatures, \(importBatch) per call, \(importConcurrency) calls in flight", items: "signatures", ceiling: nil) {
        await importLoad(names, batch: importBatch, concurrency: importConcurrency, duration: importDuration)
      }
    }
    if phases.contains("neighbour"), importBatch > 0 {
      try await neighbour(names, rate: neighbourRate, importBatch: importBatch, importConcurrency: importConcurrency, duration: importDuration)
    }
    if phases.contains("filled") {
      await settle()
      let filled = try await phase("sign, spread, with the import's signatures stored", items: "signatures", ceiling: ceiling) {
        await signLoad(names, concurrency: concurrency, duration: duration)
      }
      if let spread, spread.itemRate > 0 {
        print(String(format: "  filled / empty: %.0f %%", 100 * filled.itemRate / spread.itemRate))
      }
    }
    return names
  }

  /// Runs one phase and prints its figures: rate (and its share of the
  /// ceiling), latencies, statuses, each service's CPU per item and memory.
  func phase(_ label: String, items: String, ceiling: LoadResult?, _ body: () async -> LoadResult) async throws -> LoadResult {
    let before = processes.map { $0.cpuSeconds() }
    let result = await body()
    let after = processes.map { $0.cpuSeconds() }
    print("\n== \(label)")
    var line = String(format: "  %.0f %@/s (%d in %.1f s)", result.itemRate, items, result.items, result.seconds)
    if let ceiling, ceiling.itemRate > 0 {
      line += String(format: ", %.1f %% of the ceiling's %.0f/s", 100 * result.itemRate / ceiling.itemRate, ceiling.itemRate)
    }
    print(line)
    print("  latency per call: \(result.latencyLine)")
    print("  calls by status: \(result.statusLine)")
    if !processes.isEmpty, result.items > 0 {
      var total = 0.0
      var parts: [String] = []
      for (index, process) in processes.enumerated() {
        let perItem = (after[index] - before[index]) / Double(result.items) * 1000
        total += perItem
        let memory = process.memory()
        parts.append(String(format: "%@ %.3f ms (RSS %.0f MB, peak %.0f MB)", process.name, perItem, memory.resident, memory.peak))
      }
      print(String(format: "  CPU per item: %.3f ms in all; ", total) + parts.joined(separator: ", "))
    }
    return result
  }

  /// Waits (up to two minutes) until the services are idle: after an
  /// import, petition-service's feed and the gateway's live view digest the
  /// new signatures for a while, and a phase started then would measure
  /// that backlog, not the cost of signing with the data stored.
  func settle() async {
    let start = ContinuousClock.now
    while start.duration(to: .now) < .seconds(120) {
      let before = processes.reduce(0) { $0 + $1.cpuSeconds() }
      try? await Task.sleep(for: .seconds(1))
      let used = processes.reduce(0) { $0 + $1.cpuSeconds() } - before
      if !(used > 0.05) { break }
    }
    print(String(format: "\nsettled: services idle after %.0f s", Double(start.duration(to: .now).components.seconds)))
  }

  var partner: Metadata { bearer(partnerKey) }

  /// The organization (if new) and `petitions` published petitions.
  func setUp(petitions: Int) async throws -> [String] {
    let client = clients[0]
    do {
      _ = try await Groundswell_Campaign_V1_OrganizationService.Client(wrapping: client).createOrganization(
        .with {
          $0.organizationID = String(organization.dropFirst("organizations/".count))
          $0.organization = .with { $0.displayName = "Benchmark" }
        }, metadata: bearer(operatorKey))
    } catch let error as RPCError where error.code == .alreadyExists {}
    let service = Groundswell_Petition_V1_PetitionService.Client(wrapping: client)
    return try await withThrowingTaskGroup(of: String.self) { group in
      var names: [String] = []
      for index in 0..<petitions {
        group.addTask {
          let petition = try await service.createPetition(
            .with {
              $0.parent = organization
              $0.petition = .with {
                $0.title = "Benchmark petition \(index)"
                $0.summary = "A petition the sign benchmark signs."
                $0.body = "Created by sign-benchmark."
                $0.targets = [.with { $0.displayName = "A decision maker"; $0.office = "Governor"; $0.jurisdiction = "US-NY" }]
                $0.milestones = [Int64(100), 1_000, 10_000, 100_000].map { threshold in .with { $0.threshold = threshold; $0.label = "\(threshold) signatures" } }
              }
            }, metadata: partner
          ).petition
          _ = try await service.publishPetition(.with { $0.name = petition.name }, metadata: partner)
          return petition.name
        }
        if index >= 16, let name = try await group.next() { names.append(name) }
      }
      for try await name in group { names.append(name) }
      return names.sorted()
    }
  }

  /// Signers: a new person for most calls, an earlier one of the same worker
  /// (on the same petition) for a `duplicates` share.
  func signLoad(_ petitions: [String], concurrency: Int, duration: Duration, rate: Double? = nil, as key: Metadata? = nil) async -> LoadResult {
    let run = "\(run)-\(UInt16.random(in: .min ... .max))"
    let duplicates = duplicates
    let requestIDs = requestIDs
    let partner = key ?? partner
    return await runLoad(clients: clients, concurrency: concurrency, duration: duration, rate: rate) { client, worker, sequence in
      var person = sequence
      if sequence > 0, Double.random(in: 0..<1) < duplicates { person = Int.random(in: 0..<sequence) }
      let request = Groundswell_Petition_V1_SignPetitionRequest.with {
        $0.petition = petitions[(person * 7919 + worker) % petitions.count]
        $0.signer = .with {
          $0.email = "s\(run)-\(worker)-\(person)@d\(person % 512).example.org"
          $0.givenName = "Signer"
          $0.familyName = "Bench"
          $0.country = "US"
          $0.postalCode = String(format: "%05d", 10_000 + (person * 37 + worker) % 89_999)
        }
        $0.comment = person % 5 == 0 ? "Signed from the benchmark." : ""
        $0.showName = person % 2 == 0
        $0.source = "benchmark"
        if requestIDs { $0.requestID = "r\(run)-\(worker)-\(sequence)" }
      }
      do {
        _ = try await Groundswell_Petition_V1_PetitionService.Client(wrapping: client).signPetition(request, metadata: partner)
        return .ok()
      } catch { return .failed(error) }
    }
  }

  /// Batches of new signers, each with an original time in the last week.
  func importLoad(_ petitions: [String], batch: Int, concurrency: Int, duration: Duration) async -> LoadResult {
    let run = "\(run)-i\(UInt16.random(in: .min ... .max))"
    let partner = partner
    return await runLoad(clients: clients, concurrency: concurrency, duration: duration) { client, worker, sequence in
      let now = Date().timeIntervalSince1970
      let request = Groundswell_Petition_V1_ImportSignaturesRequest.with {
        $0.petition = petitions[(sequence * concurrency + worker) % petitions.count]
        $0.signatures = (0..<batch).map { item in
          .with {
            $0.signer = .with {
              $0.email = "i\(run)-\(worker)-\(sequence)-\(item)@example.org"
              $0.givenName = "Paper"
              $0.familyName = "Signer"
              $0.country = "US"
              $0.postalCode = String(format: "%05d", 10_000 + (item * 37 + worker) % 89_999)
            }
            $0.signTime = .init(timeIntervalSince1970: now - Double(item % 604_800))
            $0.source = "paper"
          }
        }
      }
      do {
        let response = try await Groundswell_Petition_V1_PetitionService.Client(wrapping: client).importSignatures(request, metadata: partner)
        return .ok(items: response.results.filter { $0.outcome == .signed }.count)
      } catch { return .failed(error) }
    }
  }
}
