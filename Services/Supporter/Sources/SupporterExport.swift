import Foundation
import GroundswellAPI

/// The JSON objects of an export, one per message (one per line in a JSON
/// Lines file). Keys are snake_case; times RFC 3339 in UTC.
enum SupporterExport {
  struct Person: Encodable {
    let record = "supporter"
    let supporter: String
    let organization: String
    let email: String
    let givenName: String
    let familyName: String
    let postalCode: String
    let country: String
    let region: String
    /// The organization's own identifiers for the person.
    let identifiers: [String]
    let firstSeenTime: Date
    let updateTime: Date

    init(_ record: OrganizationRecord) {
      supporter = "supporters/\(record.supporter.id)"
      organization = record.organization
      email = record.supporter.email
      givenName = record.supporter.givenName
      familyName = record.supporter.familyName
      postalCode = record.supporter.postalCode
      country = record.supporter.country
      region = record.supporter.region
      identifiers = record.supporter.identifiers
      firstSeenTime = record.firstSeenTime
      updateTime = record.updateTime
    }
  }

  struct Consent: Encodable {
    let record = "consent"
    let organization: String
    let state: String
    let optInTime: Date?
    let optInSource: String
    let optOutTime: Date?
    let optOutSource: String

    init(_ consent: ConsentRecord) {
      organization = consent.organization
      state = consent.optedIn ? "OPTED_IN" : "OPTED_OUT"
      optInTime = consent.optInTime
      optInSource = consent.optInSource
      optOutTime = consent.optOutTime
      optOutSource = consent.optOutSource
    }
  }

  struct Signature: Encodable {
    let record = "signature"
    let signature: String
    let petition: String
    let petitionTitle: String
    let petitionOrganization: String
    let createTime: Date
    let comment: String
    let showName: Bool
    let publicName: String
    let source: String
    let country: String
    let subdivision: String
    let collectedBy: String

    init(_ item: Groundswell_Petition_V1_SignatureOfSupporter) {
      let signature = item.signature
      self.signature = signature.name
      petition = signature.name.components(separatedBy: "/signatures/").first ?? ""
      petitionTitle = item.petitionTitle
      petitionOrganization = item.petitionOrganization
      createTime = signature.createTime.date
      comment = signature.comment
      showName = signature.showName
      publicName = signature.publicName
      source = signature.source
      country = signature.country
      subdivision = signature.subdivision
      collectedBy = signature.collectedBy
    }
  }

  struct End: Encodable {
    let record = "end"
    /// The objects before this one.
    let objects: Int
    let signatures: Int
  }

  static func json(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.dateEncodingStrategy = .iso8601
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
  }
}
