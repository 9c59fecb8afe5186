import Foundation
import GroundswellAPI
import GroundswellModel
import SwiftProtobuf

/// The fields of a `Campaign` that callers set, checked and applied the same
/// way by `CreateCampaign` (every field) and `UpdateCampaign` (the masked
/// ones).
enum CampaignFields {
  static let editable: Set<String> = [
    "title", "description", "hashtag", "state", "start_time", "end_time", "demands", "actions",
  ]

  /// Adds a violation, named `campaign.<field>`, for each bad field in `paths`.
  static func validate(_ campaign: Groundswell_Campaign_V1_Campaign, paths: Set<String>, into validator: inout Validator) {
    if paths.contains("title") { validator.text("campaign.title", campaign.title, minimum: 1, maximum: Limits.title) }
    if paths.contains("description") {
      validator.text("campaign.description", campaign.description_p, maximum: Limits.campaignDescription)
    }
    if paths.contains("hashtag") && !campaign.hashtag.isEmpty && normalizedHashtag(campaign.hashtag) == nil {
      validator.add("campaign.hashtag", "campaign.hashtag must be `#` and 1 to \(Limits.hashtag) letters, digits and underscores, e.g. `#FreeThemAll`.")
    }
    if paths.contains("state"), case .UNRECOGNIZED(let value) = campaign.state {
      validator.add("campaign.state", "campaign.state \(value) is not a campaign state; use ACTIVE or CONCLUDED.")
    }
    if paths.contains("start_time") && campaign.hasStartTime { _ = validator.time("campaign.start_time", campaign.startTime) }
    if paths.contains("end_time") && campaign.hasEndTime { _ = validator.time("campaign.end_time", campaign.endTime) }
    if paths.contains("demands"), validator.count("campaign.demands", campaign.demands, maximum: Limits.demands) {
      for (index, demand) in campaign.demands.enumerated() {
        validator.text("campaign.demands[\(index)]", demand, minimum: 1, maximum: Limits.demand)
      }
    }
    if paths.contains("actions"), validator.count("campaign.actions", campaign.actions, maximum: Limits.actions) {
      for (index, action) in campaign.actions.enumerated() {
        validateAction(action, field: "campaign.actions[\(index)]", into: &validator)
      }
    }
  }

  static func validateAction(_ action: Groundswell_Campaign_V1_Action, field: String, into validator: inout Validator) {
    if action.hasEventTime { _ = validator.time("\(field).event_time", action.eventTime) }
    validator.text("\(field).title", action.title, minimum: 1, maximum: Limits.actionTitle)
    validator.uri("\(field).uri", action.uri)
    switch action.kind {
    case .signPetition:
      validator.name("\(field).petition", action.petition, collection: "petitions")
    case .call:
      validator.text("\(field).call_target", action.callTarget, minimum: 1, maximum: Limits.actionTitle)
      validator.text("\(field).phone_number", action.phoneNumber, maximum: Limits.phoneNumber)
      validator.text("\(field).script", action.script, minimum: 1, maximum: Limits.script)
    case .donate:
      if action.uri.isEmpty { validator.add("\(field).uri", "\(field).uri is required for a DONATE action: the donation page.") }
    case .endorse:
      break
    case .attendEvent:
      if !action.hasEventTime { validator.add("\(field).event_time", "\(field).event_time is required for an ATTEND_EVENT action.") }
    case .unspecified, .UNRECOGNIZED:
      validator.add("\(field).kind", "\(field).kind is required: SIGN_PETITION, CALL, DONATE, ENDORSE or ATTEND_EVENT.")
    }
  }

  /// Copies the fields in `paths` onto `record`; throws INVALID_ARGUMENT when
  /// the result ends before it starts.
  static func apply(_ campaign: Groundswell_Campaign_V1_Campaign, paths: Set<String>, to record: inout CampaignRecord) throws(DomainError) {
    if paths.contains("title") { record.title = campaign.title.trimmingWhitespace() }
    if paths.contains("description") { record.description = campaign.description_p }
    if paths.contains("hashtag") { record.hashtag = normalizedHashtag(campaign.hashtag) ?? "" }
    if paths.contains("state") { record.state = campaign.state == .concluded ? 2 : 1 }
    if paths.contains("start_time") { record.startTime = campaign.hasStartTime ? campaign.startTime.date : nil }
    if paths.contains("end_time") { record.endTime = campaign.hasEndTime ? campaign.endTime.date : nil }
    if paths.contains("demands") { record.demands = campaign.demands.map { $0.trimmingWhitespace() } }
    if paths.contains("actions") { record.actions = campaign.actions.map(ActionRecord.init) }
    if let start = record.startTime, let end = record.endTime, end <= start {
      throw .invalidArgument([FieldViolation(field: "campaign.end_time", description: "campaign.end_time must be after campaign.start_time.")])
    }
  }

  /// `#Tag` for `#Tag` or `Tag`; nil when it is not a hashtag.
  static func normalizedHashtag(_ text: String) -> String? {
    let body = text.hasPrefix("#") ? String(text.dropFirst()) : text
    guard (1...Limits.hashtag).contains(body.utf8.count),
      body.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 95 })
    else { return nil }
    return "#" + body
  }
}

extension ActionRecord {
  init(_ action: Groundswell_Campaign_V1_Action) {
    self.init(
      kind: action.kind.rawValue, title: action.title.trimmingWhitespace(), uri: action.uri, petition: action.petition,
      callTarget: action.callTarget.trimmingWhitespace(), phoneNumber: action.phoneNumber.trimmingWhitespace(),
      script: action.script, eventTime: action.hasEventTime ? action.eventTime.date : nil)
  }

  var proto: Groundswell_Campaign_V1_Action {
    .with {
      $0.kind = Groundswell_Campaign_V1_Action.Kind(rawValue: kind) ?? .unspecified
      $0.title = title
      $0.uri = uri
      $0.petition = petition
      $0.callTarget = callTarget
      $0.phoneNumber = phoneNumber
      $0.script = script
      if let eventTime { $0.eventTime = Google_Protobuf_Timestamp(clamping: eventTime) }
    }
  }
}

extension CampaignRecord {
  var proto: Groundswell_Campaign_V1_Campaign {
    .with {
      $0.name = "campaigns/\(id)"
      $0.organization = organization
      $0.title = title
      $0.description_p = description
      $0.petitions = petitions
      $0.proposedPetitions = proposedPetitions
      $0.createTime = Google_Protobuf_Timestamp(clamping: createTime)
      $0.updateTime = Google_Protobuf_Timestamp(clamping: updateTime)
      $0.hashtag = hashtag
      $0.state = state == 2 ? .concluded : .active
      if let startTime { $0.startTime = Google_Protobuf_Timestamp(clamping: startTime) }
      if let endTime { $0.endTime = Google_Protobuf_Timestamp(clamping: endTime) }
      $0.members = members.map { member in
        .with {
          $0.organization = member.organization
          $0.role = Groundswell_Campaign_V1_CoalitionMember.Role(rawValue: member.role.rawValue) ?? .unspecified
          $0.jurisdiction = member.jurisdiction
          $0.joinTime = Google_Protobuf_Timestamp(clamping: member.joinTime)
          $0.state = member.joined ? .joined : .invited
        }
      }
      $0.demands = demands
      $0.actions = actions.map(\.proto)
      $0.endorsementCount = endorsementCount
    }
  }

  /// Whether `organization` may change the campaign: its creator and its
  /// organizers may.
  func isChangeable(by organization: String?) -> Bool {
    guard let organization else { return false }
    return members.contains { $0.organization == organization && $0.joined && ($0.role == .creator || $0.role == .organizer) }
  }
}

extension EndorsementRecord {
  var proto: Groundswell_Campaign_V1_Endorsement {
    .with {
      $0.name = "campaigns/\(campaignID)/endorsements/\(id)"
      $0.organization = organization
      $0.displayName = displayName
      $0.createTime = Google_Protobuf_Timestamp(clamping: createTime)
    }
  }
}
