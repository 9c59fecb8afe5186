import ArgumentParser
import Foundation
import GroundswellAPI
import SwiftProtobuf

/// Writes a gRPC-framed request body for h2load (`-d FILE`): the empty health
/// check, or one signature whose repeats all answer from the first.
struct H2LoadBody: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "h2load-body", abstract: "Writes a gRPC-framed request message for h2load's -d.")

  @Option(help: "health or sign.") var kind: String
  @Option(help: "The petition a sign body signs.") var petition = ""
  @Option(help: "The file to write.") var out: String

  func run() throws {
    let message: [UInt8]
    switch kind {
    case "health": message = try Grpc_Health_V1_HealthCheckRequest().serializedBytes()
    case "sign":
      guard !petition.isEmpty else { throw ValidationError("--kind sign needs --petition") }
      message = try Groundswell_Petition_V1_SignPetitionRequest.with {
        $0.petition = petition
        $0.signer = .with {
          $0.email = "h2load-repeat@example.org"
          $0.givenName = "Repeat"
        }
      }.serializedBytes()
    default: throw ValidationError("--kind is health or sign")
    }
    // The gRPC frame: not compressed, a 4-byte big-endian length, the message.
    let length = UInt32(message.count)
    let frame = [0, UInt8(length >> 24), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff)] + message
    try Data(frame).write(to: URL(fileURLWithPath: out))
  }
}
