import Foundation
import GRPCCore
import GroundswellAPI
import GroundswellModel
import HandlerFuzzing
import SwiftProtobuf
import Testing

/// The fuzzers' short runs, part of every test run: the committed corpus
/// replayed, random mutations of it, and valid-shaped requests with extreme
/// values in every numeric, timestamp, repeated and string field, through
/// every handler over the in-process transport. Each answer must be OK or a
/// documented status; a crash fails the run. `docs/security.md` gives the
/// long runs (libFuzzer with ASan, `scripts/fuzz.sh`).
@Suite(.serialized) struct FuzzTests {
  static let corpus = repositoryRoot.appendingPathComponent("Fuzz/corpus")

  static func corpusInputs() throws -> [[UInt8]] {
    try FileManager.default.contentsOfDirectory(atPath: corpus.path).sorted().map {
      Array(try Data(contentsOf: corpus.appendingPathComponent($0)))
    }
  }

  @Test func theCorpusAndItsMutationsGetDocumentedAnswers() async throws {
    let harness = try HandlerHarness()
    let inputs = try Self.corpusInputs()
    #expect(inputs.count >= 20, "the seed corpus is committed in Fuzz/corpus")
    var random = SplitMix(seed: 0x9E37_79B9)
    let deadline = ContinuousClock.now + .seconds(15)
    var runs = 0
    for input in inputs { try await harness.call(input); runs += 1 }
    while ContinuousClock.now < deadline {
      var input = inputs[Int(random.next() % UInt64(inputs.count))]
      for _ in 0..<(1 + random.next() % 8) where input.count > 2 {
        let position = 2 + Int(random.next() % UInt64(input.count - 2))
        switch random.next() % 3 {
        case 0: input[position] = UInt8(truncatingIfNeeded: random.next())
        case 1: input.insert(UInt8(truncatingIfNeeded: random.next()), at: position)
        default: input.remove(at: position)
        }
      }
      try await harness.call(input)
      runs += 1
    }
    print("fuzz: \(runs) mutated inputs through every handler")
    await harness.stop()
  }

  @Test func extremeValidShapedRequestsGetDocumentedAnswers() async throws {
    let harness = try HandlerHarness()
    var random = SplitMix(seed: 42)
    var runs = 0
    for _ in 0..<30 {
      for (descriptor, message) in Extremes.requests(&random) {
        let method = try #require(harness.methods.firstIndex(of: descriptor))
        let bytes: [UInt8] = try message.serializedBytes()
        for caller in 0..<HandlerHarness.Caller.allCases.count {
          try await harness.call([UInt8(method), UInt8(caller)] + bytes)
          runs += 1
        }
      }
    }
    print("fuzz: \(runs) extreme valid-shaped requests")
    await harness.stop()
  }

  /// Writes the seed corpus from `Extremes.seeds` (run once with
  /// GROUNDSWELL_WRITE_CORPUS=1 and commit `Fuzz/corpus`).
  @Test(.enabled(if: ProcessInfo.processInfo.environment["GROUNDSWELL_WRITE_CORPUS"] != nil))
  func writeTheSeedCorpus() async throws {
    let harness = try HandlerHarness()
    try FileManager.default.createDirectory(at: Self.corpus, withIntermediateDirectories: true)
    var random = SplitMix(seed: 7)
    var index = 0
    for _ in 0..<3 {
      for (descriptor, message) in Extremes.requests(&random) {
        let method = UInt8(harness.methods.firstIndex(of: descriptor)!)
        let bytes: [UInt8] = try message.serializedBytes()
        try Data([method, UInt8(index % 5)] + bytes).write(
          to: Self.corpus.appendingPathComponent(String(format: "seed-%03d-%@", index, descriptor.method)))
        index += 1
      }
    }
    await harness.stop()
  }
}

/// A small deterministic generator (SplitMix64), so a failure reproduces.
struct SplitMix: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// What a list is filled with past the limits.
protocol SwiftProtobufDefault { static var empty: Self { get } }
extension String: SwiftProtobufDefault { static var empty: String { "" } }
extension Groundswell_Petition_V1_Target: SwiftProtobufDefault { static var empty: Self { .init() } }
extension Groundswell_Petition_V1_Milestone: SwiftProtobufDefault { static var empty: Self { .init() } }
extension Groundswell_Campaign_V1_Action: SwiftProtobufDefault { static var empty: Self { .init() } }

/// Valid-shaped requests whose fields take extreme values.
enum Extremes {
  static let int64s: [Int64] = [0, 1, -1, .max, .min, 10_000_000_000_000_000, TimeRange.maximumSeconds, 253_402_300_800]
  static let int32s: [Int32] = [0, 1, -1, .max, .min, 100, 101]
  static let strings: [String] = [
    "", "a", " ", "a\u{0}b", "\u{7}", "line\r\nline", String(repeating: "x", count: 10_001),
    String(repeating: "é\u{0301}\u{0302}", count: 3_000), String(repeating: "🙂", count: 600), "petitions/../x",
    "organizations/fuzz-a", "organizations/fuzz-b", "petitions/abcdefghijklmnop", "campaigns/abc", "%s%n",
    "someone@example.org", "US-CT", "#Tag", "https://example.org/p",
  ]
  static let counts = [0, 1, 15, 21, 150, 1_001]

  static func pick<T>(_ values: [T], _ random: inout SplitMix) -> T { values[Int(random.next() % UInt64(values.count))] }

  static func time(_ random: inout SplitMix) -> Google_Protobuf_Timestamp {
    .init(seconds: pick(int64s, &random), nanos: pick(int32s, &random))
  }

  /// A list of a size from `counts`; past the limits every list has, its
  /// elements are empty (the count alone must be refused).
  static func many<T: SwiftProtobufDefault>(_ random: inout SplitMix, _ make: (inout SplitMix) -> T) -> [T] {
    let count = pick(counts, &random)
    guard count <= 21 else { return Array(repeating: T.empty, count: count) }
    return (0..<count).map { _ in make(&random) }
  }

  static func petition(_ random: inout SplitMix) -> Groundswell_Petition_V1_Petition {
    .with {
      $0.name = pick(strings, &random)
      $0.title = pick(strings, &random)
      $0.summary = pick(strings, &random)
      $0.body = pick(strings, &random)
      $0.tags = many(&random) { pick(strings, &$0) }
      $0.imageUri = pick(strings, &random)
      $0.deadlineTime = time(&random)
      $0.targets = many(&random) { random in
        .with {
          $0.displayName = pick(strings, &random)
          $0.office = pick(strings, &random)
          $0.jurisdiction = pick(strings, &random)
        }
      }
      $0.milestones = many(&random) { random in
        .with {
          $0.threshold = pick(int64s, &random)
          $0.label = pick(strings, &random)
        }
      }
    }
  }

  static func campaign(_ random: inout SplitMix) -> Groundswell_Campaign_V1_Campaign {
    .with {
      $0.name = pick(strings, &random)
      $0.title = pick(strings, &random)
      $0.description_p = pick(strings, &random)
      $0.hashtag = pick(strings, &random)
      $0.state = .init(rawValue: Int(pick(int32s, &random))) ?? .unspecified
      $0.startTime = time(&random)
      $0.endTime = time(&random)
      $0.demands = many(&random) { pick(strings, &$0) }
      $0.actions = many(&random) { random in
        .with {
          $0.kind = .init(rawValue: Int(pick(int32s, &random) % 7)) ?? .unspecified
          $0.title = pick(strings, &random)
          $0.uri = pick(strings, &random)
          $0.petition = pick(strings, &random)
          $0.callTarget = pick(strings, &random)
          $0.script = pick(strings, &random)
          $0.eventTime = time(&random)
        }
      }
    }
  }

  static func requests(_ random: inout SplitMix) -> [(MethodDescriptor, any SwiftProtobuf.Message)] {
    typealias P = Groundswell_Petition_V1_PetitionService.Method
    typealias F = Groundswell_Petition_V1_PetitionFeedService.Method
    typealias C = Groundswell_Campaign_V1_CampaignService.Method
    typealias O = Groundswell_Campaign_V1_OrganizationService.Method
    typealias S = Groundswell_Supporter_V1_SupporterService.Method
    let mask = Google_Protobuf_FieldMask(protoPaths: many(&random) { pick(["title", "deadline_time", "targets", "actions", "x"], &$0) })
    return [
      (P.CreatePetition.descriptor, Groundswell_Petition_V1_CreatePetitionRequest.with {
        $0.parent = pick(strings, &random)
        $0.petition = petition(&random)
      }),
      (P.UpdatePetition.descriptor, Groundswell_Petition_V1_UpdatePetitionRequest.with {
        $0.petition = petition(&random)
        $0.updateMask = mask
      }),
      (P.SignPetition.descriptor, Groundswell_Petition_V1_SignPetitionRequest.with {
        $0.petition = pick(strings, &random)
        $0.signer = .with {
          $0.email = pick(strings, &random)
          $0.givenName = pick(strings, &random)
          $0.familyName = pick(strings, &random)
          $0.postalCode = pick(strings, &random)
          $0.country = pick(strings, &random)
        }
        $0.comment = pick(strings, &random)
        $0.source = pick(strings, &random)
        $0.requestID = pick(strings, &random)
      }),
      (P.ListPetitions.descriptor, Groundswell_Petition_V1_ListPetitionsRequest.with {
        $0.parent = pick(strings, &random)
        $0.pageSize = pick(int32s, &random)
        $0.pageToken = pick(strings, &random)
      }),
      (P.ListSignatures.descriptor, Groundswell_Petition_V1_ListSignaturesRequest.with {
        $0.parent = pick(strings, &random)
        $0.pageSize = pick(int32s, &random)
        $0.pageToken = pick([PageToken.encode(position: .max, query: ""), "djF8fDkyMjMzNzIwMzY4NTQ3NzU4MDc"] + strings, &random)
      }),
      (P.BatchGetSignatureCounts.descriptor, Groundswell_Petition_V1_BatchGetSignatureCountsRequest.with {
        $0.petitions = many(&random) { pick(strings, &$0) }
      }),
      (F.GetSignatureHistory.descriptor, Groundswell_Petition_V1_GetSignatureHistoryRequest.with {
        $0.petitions = many(&random) { pick(strings, &$0) }
        $0.granularity = .init(rawValue: Int(pick(int32s, &random) % 5)) ?? .unspecified
        $0.startTime = time(&random)
        $0.endTime = time(&random)
      }),
      (C.CreateCampaign.descriptor, Groundswell_Campaign_V1_CreateCampaignRequest.with {
        $0.parent = pick(strings, &random)
        $0.campaign = campaign(&random)
        $0.campaignID = pick(strings, &random)
      }),
      (C.UpdateCampaign.descriptor, Groundswell_Campaign_V1_UpdateCampaignRequest.with {
        $0.campaign = campaign(&random)
        $0.updateMask = mask
      }),
      (C.ListCampaigns.descriptor, Groundswell_Campaign_V1_ListCampaignsRequest.with {
        $0.parent = pick(strings, &random)
        $0.pageSize = pick(int32s, &random)
        $0.pageToken = pick(strings, &random)
      }),
      (O.CreateOrganization.descriptor, Groundswell_Campaign_V1_CreateOrganizationRequest.with {
        $0.organizationID = pick(["fuzz-a", "fuzz-b"] + strings, &random)
        $0.organization = .with {
          $0.displayName = pick(strings, &random)
          $0.description_p = pick(strings, &random)
          $0.websiteUri = pick(strings, &random)
        }
      }),
      (S.ListSupporters.descriptor, Groundswell_Supporter_V1_ListSupportersRequest.with {
        $0.pageSize = pick(int32s, &random)
        $0.pageToken = pick(strings, &random)
      }),
    ]
  }
}
