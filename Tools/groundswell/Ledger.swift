import ArgumentParser
import Foundation
import GroundswellAPI
import GroundswellRuntime

/// One line of a ledger export (JSON Lines): an entry, or the closing head.
struct LedgerLine: Codable {
  var position: Int64?
  var kind: String?
  var signature: String?
  var timeUnixMillis: Int64?
  var signerHash: String?
  var commitment: String?
  var head: String
  /// Set on the last line only.
  var petition: String?
  var entryCount: Int64?
  var countedSignatures: Int64?
}

struct ExportLedger: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export-ledger",
    abstract: "Write a petition's signature ledger as JSON Lines: every entry, then the head.",
    discussion: "Check the file with `groundswell verify-ledger FILE --head HEX` against the head the organization delivered.")

  @OptionGroup var gateway: GatewayOptions

  @Argument(help: "The petition, petitions/{id}.")
  var petition: String

  func run() async throws {
    let lines = try await gateway.withClient { client in
      let service = Groundswell_Petition_V1_PetitionService.Client(wrapping: client)
      let metadata = bearer(gateway.key)
      var lines: [LedgerLine] = []
      var token = ""
      repeat {
        let page = try await service.listPetitionLedgerEntries(
          .with {
            $0.petition = petition
            $0.pageSize = 1_000
            $0.pageToken = token
          }, metadata: metadata, options: gateway.callOptions)
        lines += page.entries.map { entry in
          LedgerLine(
            position: entry.position, kind: entry.kind == .tombstone ? "TOMBSTONE" : "SIGNATURE", signature: entry.signature,
            timeUnixMillis: entry.timeUnixMillis, signerHash: entry.signerHash.hex, commitment: entry.commitment.hex,
            head: entry.head.hex)
        }
        token = page.nextPageToken
      } while !token.isEmpty
      let head = try await service.getPetitionLedger(.with { $0.petition = petition }, metadata: metadata, options: gateway.callOptions)
      lines.append(
        LedgerLine(
          head: head.head.hex, petition: petition, entryCount: head.entryCount, countedSignatures: head.countedSignatures))
      return lines
    }
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    for line in lines { print(String(decoding: try encoder.encode(line), as: UTF8.self)) }
  }
}

struct VerifyLedger: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "verify-ledger",
    abstract: "Check a ledger export: recompute every commitment and head, and compare the last head with the one delivered.",
    discussion: "Needs no gateway. Exits 0 and says what it checked when the file is whole and matches; 1 with the first difference otherwise.")

  @Argument(help: "The file `groundswell export-ledger` wrote.")
  var file: String

  @Option(name: .long, help: "The head delivered with the list, in hex; without it the file's own last line is trusted.")
  var head: String?

  func run() throws {
    guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    var lines: [LedgerLine] = []
    for (number, text) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated() {
      guard let line = try? decoder.decode(LedgerLine.self, from: Data(text.utf8)) else {
        throw LedgerMismatch("line \(number + 1) is not a ledger line")
      }
      lines.append(line)
    }
    guard let closing = lines.popLast(), closing.entryCount != nil else { throw LedgerMismatch("the closing head line is missing") }
    var current = LedgerChain.emptyHead
    var counted: Int64 = 0
    for (index, entry) in lines.enumerated() {
      let position = Int64(index + 1)
      guard entry.position == position, let signature = entry.signature, let time = entry.timeUnixMillis else {
        throw LedgerMismatch("entry \(position) is missing or out of order")
      }
      let commitment: Data
      switch entry.kind {
      case "SIGNATURE":
        guard let signer = entry.signerHash.flatMap(Data.init(hex:)), signer.count == 32 else {
          throw LedgerMismatch("entry \(position) has no signer hash")
        }
        commitment = LedgerChain.signatureCommitment(signature: signature, timeMillis: time, signerHash: signer)
        counted += 1
      case "TOMBSTONE":
        commitment = LedgerChain.tombstoneCommitment(signature: signature, timeMillis: time)
        counted -= 1
      default:
        throw LedgerMismatch("entry \(position) has an unknown kind")
      }
      guard entry.commitment == commitment.hex else { throw LedgerMismatch("entry \(position): the commitment does not match its fields") }
      current = LedgerChain.next(head: current, commitment: commitment)
      guard entry.head == current.hex else { throw LedgerMismatch("entry \(position): the head does not follow from the entries before it") }
    }
    guard closing.head == current.hex, closing.entryCount == Int64(lines.count), closing.countedSignatures == counted else {
      throw LedgerMismatch("the closing line does not match the entries")
    }
    if let head, head.lowercased() != current.hex {
      throw LedgerMismatch("the chain's head \(current.hex) is not the delivered head \(head.lowercased())")
    }
    print("verified: \(lines.count) entries, \(counted) signatures counted, head \(current.hex)\(head == nil ? " (not compared: no --head)" : "")")
  }
}

struct LedgerMismatch: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = "ledger does not verify: \(description)" }
}

extension Data {
  var hex: String { map { String(format: "%02x", $0) }.joined() }

  init?(hex: String) {
    guard hex.count % 2 == 0 else { return nil }
    var bytes: [UInt8] = []
    var index = hex.startIndex
    while index < hex.endIndex {
      let next = hex.index(index, offsetBy: 2)
      guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
      bytes.append(byte)
      index = next
    }
    self.init(bytes)
  }
}
