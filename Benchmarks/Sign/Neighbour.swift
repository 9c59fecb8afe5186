import Foundation
import GRPCCore
import GroundswellAPI
import GroundswellRuntime

extension Bench {
  /// One tenant must not slow another: a second organization signs at a
  /// steady `rate` (open loop, so a stall counts in full), first alone and
  /// then while this organization imports as fast as it can; prints both
  /// latencies and the import's rate beside it.
  func neighbour(_ petitions: [String], rate: Double, importBatch: Int, importConcurrency: Int, duration: Duration) async throws {
    let (neighbourPetitions, key) = try await setUpNeighbour()
    // Enough workers that a call may take a second before the schedule slips.
    let concurrency = max(16, min(1_024, Int(rate)))
    let alone = try await phase("neighbour: another organization signs at \(Int(rate))/s, alone", items: "signatures", ceiling: nil) {
      await signLoad(neighbourPetitions, concurrency: concurrency, duration: duration, rate: rate, as: key)
    }
    var imports: LoadResult?
    let beside = try await phase(
      "neighbour: the same, while \(organization) imports (\(importBatch) per call, \(importConcurrency) in flight; "
        + "the CPU per item below is both's, over the neighbour's signatures)", items: "signatures",
      ceiling: nil
    ) {
      async let imported = importLoad(petitions, batch: importBatch, concurrency: importConcurrency, duration: duration)
      let signed = await signLoad(neighbourPetitions, concurrency: concurrency, duration: duration, rate: rate, as: key)
      let result = await imported
      imports = result
      return signed
    }
    if let imported = imports {
      print(String(format: "  the import beside it: %.0f signatures/s; its calls: %@; %@", imported.itemRate, imported.latencyLine, imported.statusLine))
    }
    print("  the neighbour's p99: \(alone.percentile(99)) alone, \(beside.percentile(99)) beside the import")
  }

  /// A second organization with 10 open petitions and an unlimited key.
  func setUpNeighbour() async throws -> (petitions: [String], key: Metadata) {
    let id = "bench-neighbour-\(run)"
    let client = clients[0]
    _ = try await Groundswell_Campaign_V1_OrganizationService.Client(wrapping: client).createOrganization(
      .with {
        $0.organizationID = id
        $0.organization = .with { $0.displayName = "Benchmark neighbour" }
      }, metadata: bearer(operatorKey))
    let secret = try await Groundswell_Gateway_V1_ApiKeyService.Client(wrapping: client).createApiKey(
      .with {
        $0.apiKey = .with {
          $0.organization = "organizations/\(id)"
          $0.displayName = "sign-benchmark neighbour"
          $0.quota = .with { $0.unlimited = true }
        }
      }, metadata: bearer(operatorKey)
    ).secret
    let key = bearer(secret)
    let service = Groundswell_Petition_V1_PetitionService.Client(wrapping: client)
    var names: [String] = []
    for index in 0..<10 {
      let petition = try await service.createPetition(
        .with {
          $0.parent = "organizations/\(id)"
          $0.petition = .with {
            $0.title = "Neighbour petition \(index)"
            $0.summary = "A petition of another organization."
            $0.body = "Created by sign-benchmark."
            $0.targets = [.with { $0.displayName = "A decision maker"; $0.office = "Mayor"; $0.jurisdiction = "US-CA" }]
          }
        }, metadata: key
      ).petition
      _ = try await service.publishPetition(.with { $0.name = petition.name }, metadata: key)
      names.append(petition.name)
    }
    return (names, key)
  }
}
