import Foundation
import GroundswellAPI
import SwiftProtobuf
import Testing

/// The wire format holds across languages: Tests/WireVectors/ holds the
/// Swift encoding of a SignPetitionRequest and a SignPetitionResponse, and
/// the C partner example (examples/c/, libprotobuf-c with code protoc-c
/// generates from proto/) must encode the same request to the same bytes
/// and decode the response to the same fields. scripts/test.sh runs the C
/// half where Debian's protobuf-c-compiler and libprotobuf-c-dev are
/// installed (.ci/run installs them).
@Suite struct WireVectorTests {
  static let vectors = repositoryRoot.appendingPathComponent("Tests/WireVectors")
  static let cAvailable = FileManager.default.isExecutableFile(atPath: "/usr/bin/protoc-c")
    && FileManager.default.fileExists(atPath: "/usr/include/protobuf-c/protobuf-c.h")
    && FileManager.default.fileExists(atPath: "/usr/include/google/protobuf/timestamp.proto")

  /// The request examples/c/sign_wire.c builds, field for field.
  static let request = Groundswell_Petition_V1_SignPetitionRequest.with {
    $0.petition = "petitions/wirevector01"
    $0.signer = .with {
      $0.email = "ada@example.org"
      $0.givenName = "Ada"
      $0.familyName = "Lovelace"
      $0.postalCode = "SW1A 1AA"
      $0.country = "GB"
    }
    $0.comment = "Ramène-les à la maison."
    $0.showName = true
    $0.source = "partner-site"
    $0.optIn = true
    $0.requestID = "7f1d6c9e-0000-4000-8000-000000000001"
    $0.signerIp = "203.0.113.7"
  }

  static let response = Groundswell_Petition_V1_SignPetitionResponse.with {
    $0.signature = .with {
      $0.name = "petitions/wirevector01/signatures/s4x9k2"
      $0.supporter = "supporters/q7m3p8"
      $0.createTime = .init(seconds: 1_764_849_600, nanos: 250_000_000)
      $0.comment = "Ramène-les à la maison."
      $0.showName = true
      $0.country = "GB"
      $0.subdivision = "GB-LND"
      $0.publicName = "Ada L."
      $0.collectedBy = "organizations/harbor-light"
    }
    $0.alreadySigned = false
    $0.signatureCount = 124
    $0.goal = 200
  }

  /// The fields sign_wire prints for `response`.
  static let expectedFields = [
    "signature.name": "petitions/wirevector01/signatures/s4x9k2",
    "signature.supporter": "supporters/q7m3p8",
    "signature.create_time.seconds": "1764849600",
    "signature.create_time.nanos": "250000000",
    "signature.comment": "Ramène-les à la maison.",
    "signature.show_name": "1",
    "signature.country": "GB",
    "signature.subdivision": "GB-LND",
    "signature.public_name": "Ada L.",
    "signature.collected_by": "organizations/harbor-light",
    "already_signed": "0",
    "signature_count": "124",
    "goal": "200",
  ]

  /// The committed vector, or (GROUNDSWELL_WRITE_VECTORS=1) writes it.
  func vector(_ name: String, _ bytes: Data) throws -> Data {
    let url = Self.vectors.appendingPathComponent(name)
    if ProcessInfo.processInfo.environment["GROUNDSWELL_WRITE_VECTORS"] == "1" { try bytes.write(to: url) }
    return try Data(contentsOf: url)
  }

  @Test func theCommittedVectorsAreTheSwiftEncoding() throws {
    let request: Data = try Self.request.serializedBytes()
    let response: Data = try Self.response.serializedBytes()
    #expect(try vector("sign_petition_request.bin", request) == request)
    #expect(try vector("sign_petition_response.bin", response) == response)
    // And they decode back to the same messages.
    #expect(try Groundswell_Petition_V1_SignPetitionRequest(serializedBytes: request) == Self.request)
  }

  @Test(.enabled(if: cAvailable, "needs protobuf-c-compiler, libprotobuf-c-dev and libprotobuf-dev (Debian)"))
  func theCExampleEncodesAndDecodesTheSameBytes() async throws {
    let build = NSTemporaryDirectory() + "groundswell-c-" + UUID().uuidString
    defer { try? FileManager.default.removeItem(atPath: build) }
    let script = repositoryRoot.appendingPathComponent("examples/c/run.sh").path
    let out = build + "/request.bin"
    let (encoded, encodeOutput) = try await runProgram(script, [build, "encode", out], environment: [:])
    try #require(encoded == 0, "the C example did not build or run:\n\(encodeOutput)")
    let fromC = try Data(contentsOf: URL(fileURLWithPath: out))
    let vector = try Data(contentsOf: Self.vectors.appendingPathComponent("sign_petition_request.bin"))
    #expect(fromC == vector, "C encoded \(fromC.count) bytes, Swift \(vector.count)")

    let (decoded, fields) = try await runProgram(
      script, [build, "decode", Self.vectors.appendingPathComponent("sign_petition_response.bin").path], environment: [:])
    try #require(decoded == 0, "the C example failed to decode:\n\(fields)")
    #expect(keyValues(fields) == Self.expectedFields)
  }
}
