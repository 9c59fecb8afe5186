import Foundation
import GroundswellAPI
import GroundswellModel

/// The fields of a `Petition` that callers set, checked and applied the same
/// way by `CreatePetition` (every field) and `UpdatePetition` (the masked
/// ones).
enum PetitionFields {
  static let editable: Set<String> = [
    "title", "summary", "body", "letter", "tags", "image_uri", "deadline_time", "targets", "milestones",
    "require_verification",
  ]

  /// Adds a violation, named `petition.<field>`, for each bad field in `paths`.
  static func validate(
    _ petition: Groundswell_Petition_V1_Petition, paths: Set<String>, now: Date, into validator: inout Validator
  ) {
    if paths.contains("title") { validator.text("petition.title", petition.title, minimum: 1, maximum: Limits.title) }
    if paths.contains("summary") { validator.text("petition.summary", petition.summary, maximum: Limits.summary) }
    if paths.contains("body") { validator.text("petition.body", petition.body, maximum: Limits.petitionBody) }
    if paths.contains("letter") { validator.text("petition.letter", petition.letter, maximum: Limits.letter) }
    if paths.contains("tags") { validator.tags("petition.tags", petition.tags) }
    if paths.contains("image_uri") { validator.uri("petition.image_uri", petition.imageUri) }
    if paths.contains("deadline_time") && petition.hasDeadlineTime,
      let deadline = validator.time("petition.deadline_time", petition.deadlineTime), deadline <= now {
      validator.add("petition.deadline_time", "petition.deadline_time must be in the future.")
    }
    if paths.contains("targets"), validator.count("petition.targets", petition.targets, maximum: Limits.targets) {
      for (index, target) in petition.targets.enumerated() {
        let field = "petition.targets[\(index)]"
        validator.text("\(field).display_name", target.displayName, minimum: 1, maximum: Limits.personName)
        validator.text("\(field).office", target.office, minimum: 1, maximum: Limits.office)
        validator.jurisdiction("\(field).jurisdiction", target.jurisdiction)
        validator.text("\(field).contact", target.contact, maximum: Limits.contact)
      }
    }
    if paths.contains("milestones"), validator.count("petition.milestones", petition.milestones, maximum: Limits.milestones) {
      for (index, milestone) in petition.milestones.enumerated() {
        let field = "petition.milestones[\(index)]"
        if milestone.threshold < 1 { validator.add("\(field).threshold", "\(field).threshold must be at least 1.") }
        validator.text("\(field).label", milestone.label, maximum: Limits.milestoneLabel)
      }
      if Set(petition.milestones.map(\.threshold)).count != petition.milestones.count {
        validator.add("petition.milestones", "petition.milestones must not repeat a threshold.")
      }
    }
  }

  /// Copies the fields in `paths` onto `record`.
  static func apply(_ petition: Groundswell_Petition_V1_Petition, paths: Set<String>, to record: inout PetitionRecord) {
    if paths.contains("title") { record.title = petition.title.trimmingWhitespace() }
    if paths.contains("summary") { record.summary = petition.summary }
    if paths.contains("body") { record.body = petition.body }
    if paths.contains("letter") { record.letter = petition.letter }
    if paths.contains("tags") { record.tags = petition.tags }
    if paths.contains("image_uri") { record.imageURI = petition.imageUri }
    if paths.contains("deadline_time") { record.deadline = petition.hasDeadlineTime ? petition.deadlineTime.date : nil }
    if paths.contains("targets") { record.targets = petition.targets.map(TargetRecord.init) }
    if paths.contains("require_verification") { record.requireVerification = petition.requireVerification }
    if paths.contains("milestones") {
      record.milestones = petition.milestones.sorted { $0.threshold < $1.threshold }.map {
        MilestoneRecord(threshold: $0.threshold, label: $0.label.trimmingWhitespace(), reachTime: nil)
      }
    }
  }
}
