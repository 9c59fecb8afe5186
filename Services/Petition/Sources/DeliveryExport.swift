import Foundation
import GRDB
import GRPCCore
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime
import SwiftProtobuf

/// One jurisdiction of a delivery: a US state, or a country.
public struct DeliveryGroup: Sendable, Equatable {
  public var country: String
  /// Set for a US state only.
  public var subdivision: String?

  /// `US-NY`, `GB`, or `unknown`.
  public var label: String { subdivision ?? (country.isEmpty ? "unknown" : country) }
}

/// One row of a delivery: only what the signer allowed to be shown.
public struct DeliveryRow: Sendable, Equatable {
  public var sequence: Int64
  public var signTime: Date
  /// Empty unless the signer chose to show their name.
  public var name: String
  public var comment: String
  public var country: String
  public var subdivision: String
  public var offline: Bool
}

/// Where an export stands: its groups, and the newest signature it covers.
public struct DeliverySnapshot: Sendable {
  public var groups: [DeliveryGroup]
  public var lastSequence: Int64
  public var count: Int64
  public var ledger: LedgerHead
}

extension SQLitePetitionRepository {
  /// The groups, the count and the ledger head of a petition, in one read.
  public func deliverySnapshot(petitionID: String) async throws -> DeliverySnapshot {
    let ledger = try await ledgerHead(petitionID: petitionID)
    return try await pool.read { db in
      let regions = try Row.fetchAll(
        db, sql: "SELECT country, subdivision FROM region_counters WHERE petition_id = ? AND signature_count > 0",
        arguments: [petitionID])
      var groups: [DeliveryGroup] = []
      for row in regions {
        let country: String = row["country"]
        let subdivision: String = row["subdivision"]
        let group = DeliveryGroup(country: country, subdivision: country == "US" && !subdivision.isEmpty ? subdivision : nil)
        if !groups.contains(group) { groups.append(group) }
      }
      groups.sort { ($0.country.isEmpty ? 1 : 0, $0.label) < ($1.country.isEmpty ? 1 : 0, $1.label) }
      let last = try Int64.fetchOne(
        db, sql: "SELECT COALESCE(MAX(rowid), 0) FROM signatures WHERE petition_id = ?", arguments: [petitionID]) ?? 0
      let count = try Int64.fetchOne(
        db, sql: "SELECT signature_count FROM petition_counters WHERE petition_id = ?", arguments: [petitionID]) ?? 0
      return DeliverySnapshot(groups: groups, lastSequence: last, count: count, ledger: ledger)
    }
  }

  /// Up to `limit` counted signatures of one group, in signing order, after
  /// `after` and not after `through`.
  public func deliveryRows(
    petitionID: String, group: DeliveryGroup, after: Int64, through: Int64, limit: Int
  ) async throws -> [DeliveryRow] {
    try await pool.read { db in
      var sql = """
        SELECT rowid, create_time, public_name, show_name, comment, country, subdivision, offline FROM signatures
        WHERE petition_id = ? AND pending = 0 AND suspect = 0 AND rowid > ? AND rowid <= ? AND country = ?
        """
      var arguments: StatementArguments = [petitionID, after, through, group.country]
      if let subdivision = group.subdivision {
        sql += " AND subdivision = ?"
        _ = arguments.append(contentsOf: [subdivision])
      } else if group.country == "US" {
        sql += " AND subdivision = ''"
      }
      sql += " ORDER BY rowid LIMIT ?"
      _ = arguments.append(contentsOf: [limit])
      return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
        DeliveryRow(
          sequence: row["rowid"], signTime: Date(millisecondsSince1970: row["create_time"]),
          name: (row["show_name"] as Bool) ? row["public_name"] : "", comment: row["comment"], country: row["country"],
          subdivision: row["subdivision"], offline: row["offline"])
      }
    }
  }
}

/// CSV text (RFC 4180): fields with a comma, quote or line break are quoted.
enum CSV {
  static let header = "jurisdiction,signed_at,name,comment,country,subdivision,offline\r\n"

  static func field(_ text: String) -> String {
    // A leading =, +, - or @ is made inert for spreadsheets (formula injection).
    var value = text
    if let first = value.first, "=+-@".contains(first) { value = "'" + value }
    guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
    return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
  }

  static func line(_ group: DeliveryGroup, _ row: DeliveryRow) -> String {
    [
      group.label, row.signTime.formatted(.iso8601), field(row.name), field(row.comment), row.country, row.subdivision,
      row.offline ? "yes" : "",
    ].joined(separator: ",") + "\r\n"
  }
}

extension PetitionHandlers {
  /// Rows per read and per message.
  static let deliveryPage = 1_000

  public func exportDelivery(
    request: Groundswell_Petition_V1_ExportDeliveryRequest,
    response: RPCWriter<Groundswell_Petition_V1_ExportDeliveryResponse>,
    context: ServerContext
  ) async throws {
    var validator = Validator()
    validator.name("petition", request.petition, collection: "petitions")
    try validator.check()
    let petition = try await ownPetition(named: request.petition, field: "petition", to: .exportDelivery(of: request.petition))
    let snapshot = try await repository.deliverySnapshot(petitionID: petition.id)
    try await response.write(.with {
      $0.summary = .with {
        $0.petition = request.petition
        $0.signatureCount = snapshot.count
        $0.ledgerEntryCount = snapshot.ledger.entryCount
        $0.ledgerHead = Hex.lowercase(snapshot.ledger.head)
        $0.exportTime = Google_Protobuf_Timestamp(clamping: now())
      }
    })
    var text = CSV.header
    for group in snapshot.groups {
      var after: Int64 = 0
      while !context.cancellation.isCancelled {
        let rows = try await repository.deliveryRows(
          petitionID: petition.id, group: group, after: after, through: snapshot.lastSequence, limit: Self.deliveryPage)
        for row in rows { text += CSV.line(group, row) }
        if text.utf8.count >= 64 * 1024 {
          try await response.write(.with { $0.csv = Data(text.utf8) })
          text = ""
        }
        guard let last = rows.last, rows.count == Self.deliveryPage else { break }
        after = last.sequence
      }
    }
    if !text.isEmpty { try await response.write(.with { $0.csv = Data(text.utf8) }) }
  }
}
