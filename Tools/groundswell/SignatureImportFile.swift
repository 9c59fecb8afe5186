import ArgumentParser
import Foundation
import GroundswellAPI
import SwiftProtobuf

/// Rows of a CSV file (RFC 4180: quoted fields, doubled quotes, CRLF or LF).
enum CSVReader {
  static func rows(_ text: String) -> [[String]] {
    var rows: [[String]] = []
    var row: [String] = []
    var field = ""
    var quoted = false
    var characters = text.makeIterator()
    var pending: Character? = nil
    func next() -> Character? {
      if let character = pending {
        pending = nil
        return character
      }
      return characters.next()
    }
    while let character = next() {
      if quoted {
        if character == "\"" {
          if let following = next() {
            if following == "\"" { field.append("\"") } else { quoted = false; pending = following }
          } else {
            quoted = false
          }
        } else {
          field.append(character)
        }
        continue
      }
      switch character {
      case "\"": quoted = true
      case ",":
        row.append(field)
        field = ""
      case "\n", "\r\n", "\r":
        row.append(field)
        field = ""
        if row != [""] { rows.append(row) }
        row = []
      default: field.append(character)
      }
    }
    if !field.isEmpty || !row.isEmpty {
      row.append(field)
      rows.append(row)
    }
    return rows
  }
}

/// The import file's columns, made into `ImportedSignature`s.
enum SignatureImportFile {
  static let columns: Set<String> = [
    "email", "given_name", "family_name", "country", "postal_code", "sign_time", "comment", "source", "show_name", "opt_in",
    "identifier",
  ]
  static let maximumRows = 1_000_000
  /// The most signatures one `ImportSignatures` call takes.
  static let maximumCallItems = 1_000
  /// The most bytes of signatures one call carries: under the gateway's
  /// 4 MiB request limit, with room for the petition's name.
  static let maximumCallBytes = 4_000_000

  /// The calls an import makes, as indexes into `sizes` (each item's encoded
  /// size): consecutive items, at most `maximumItems` and `maximumBytes` a
  /// call, so that rows with long comments are not refused as a whole call.
  /// An item over `maximumBytes` alone is in `oversize`: no call can carry
  /// it (and no valid signature is near that size).
  static func calls(
    sizes: [Int], maximumItems: Int = maximumCallItems, maximumBytes: Int = maximumCallBytes
  ) -> (calls: [[Int]], oversize: [Int]) {
    var calls: [[Int]] = []
    var oversize: [Int] = []
    var call: [Int] = []
    var bytes = 0
    for (index, size) in sizes.enumerated() {
      // The item's field tag and length (at most 6 bytes) come with it.
      guard size <= maximumBytes - 6 else {
        oversize.append(index)
        continue
      }
      let framed = size + 6
      if call.count == maximumItems || bytes + framed > maximumBytes {
        calls.append(call)
        call = []
        bytes = 0
      }
      call.append(index)
      bytes += framed
    }
    if !call.isEmpty { calls.append(call) }
    return (calls, oversize)
  }

  /// The refusal of row `index` (of the file), which no call can carry.
  static func oversize(index: Int, bytes: Int) -> Groundswell_Petition_V1_ImportResult {
    .with {
      $0.index = Int32(index)
      $0.outcome = .invalid
      $0.violations = [
        .with {
          $0.field = "row"
          $0.description_p = "is \(bytes) bytes encoded; a call carries at most \(maximumCallBytes)."
        }
      ]
    }
  }

  static func items(header: [String], rows: [[String]]) throws -> [Groundswell_Petition_V1_ImportedSignature] {
    let names = header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
    if let unknown = names.first(where: { !columns.contains($0) }) {
      throw ValidationError("unknown column `\(unknown.prefix(40))`; the columns are \(columns.sorted().joined(separator: ", "))")
    }
    for required in ["email", "given_name", "sign_time"] where !names.contains(required) {
      throw ValidationError("the file needs a `\(required)` column")
    }
    guard rows.count <= maximumRows else { throw ValidationError("at most \(maximumRows) rows per file; split it") }
    return try rows.enumerated().map { number, row in
      guard row.count == names.count else {
        throw ValidationError("line \(number + 2) has \(row.count) fields; the header has \(names.count)")
      }
      let value = Dictionary(zip(names, row), uniquingKeysWith: { first, _ in first })
      var item = Groundswell_Petition_V1_ImportedSignature()
      item.signer.email = value["email"] ?? ""
      item.signer.givenName = value["given_name"] ?? ""
      item.signer.familyName = value["family_name"] ?? ""
      item.signer.country = value["country"] ?? ""
      item.signer.postalCode = value["postal_code"] ?? ""
      if let identifier = value["identifier"], !identifier.isEmpty { item.signer.identifiers = [identifier] }
      item.comment = value["comment"] ?? ""
      item.source = value["source"] ?? ""
      item.showName = value["show_name"]?.lowercased() == "true"
      item.optIn = value["opt_in"]?.lowercased() == "true"
      // A time that does not parse is sent unset: the gateway names the row.
      if let time = value["sign_time"].flatMap({ try? Date($0, strategy: .iso8601) }) {
        item.signTime = Google_Protobuf_Timestamp(date: time)
      }
      return item
    }
  }
}
