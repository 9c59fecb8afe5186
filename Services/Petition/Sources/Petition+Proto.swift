import Foundation
import GroundswellAPI
import GroundswellModel
import SwiftProtobuf

extension PetitionRecord {
  /// The petition as callers see it at `now`; a removed petition is only a
  /// tombstone.
  func proto(ladder: GoalLadder, now: Date = Date()) -> Groundswell_Petition_V1_Petition {
    .with {
      $0.name = "petitions/\(id)"
      $0.organization = organization
      $0.state = Groundswell_Petition_V1_Petition.State(rawValue: state(at: now).rawValue) ?? .unspecified
      $0.createTime = Google_Protobuf_Timestamp(clamping: createTime)
      $0.updateTime = Google_Protobuf_Timestamp(clamping: updateTime)
      if state == .removed {
        $0.removal = .with {
          $0.reason = removalReason
          if let removeTime { $0.removeTime = Google_Protobuf_Timestamp(clamping: removeTime) }
        }
        return
      }
      $0.title = title
      $0.summary = summary
      $0.body = body
      $0.letter = letter
      $0.tags = tags
      $0.imageUri = imageURI
      if let deadline { $0.deadlineTime = Google_Protobuf_Timestamp(clamping: deadline) }
      $0.targets = targets.map(\.proto)
      $0.signatureCount = signatureCount
      $0.requireVerification = requireVerification
      $0.pendingSignatureCount = pendingCount
      $0.offlineSignatureCount = offlineCount
      $0.goal = ladder.goal(for: signatureCount)
      $0.milestones = milestones.map(\.proto)
      if let publishTime { $0.publishTime = Google_Protobuf_Timestamp(clamping: publishTime) }
      if let victoryTime {
        $0.victory = .with {
          $0.note = victoryNote
          $0.declareTime = Google_Protobuf_Timestamp(clamping: victoryTime)
        }
      }
    }
  }
}

extension TargetRecord {
  init(_ target: Groundswell_Petition_V1_Target) {
    self.init(
      displayName: target.displayName.trimmingWhitespace(), office: target.office.trimmingWhitespace(),
      jurisdiction: target.jurisdiction, contact: target.contact.trimmingWhitespace())
  }

  var proto: Groundswell_Petition_V1_Target {
    .with {
      $0.displayName = displayName
      $0.office = office
      $0.jurisdiction = jurisdiction
      $0.contact = contact
    }
  }
}

extension MilestoneRecord {
  var proto: Groundswell_Petition_V1_Milestone {
    .with {
      $0.threshold = threshold
      $0.label = label
      if let reachTime { $0.reachTime = Google_Protobuf_Timestamp(clamping: reachTime) }
    }
  }
}

extension PetitionUpdateRecord {
  var proto: Groundswell_Petition_V1_PetitionUpdate {
    .with {
      $0.name = "petitions/\(petitionID)/updates/\(id)"
      $0.title = title
      $0.body = body
      $0.createTime = Google_Protobuf_Timestamp(clamping: createTime)
    }
  }
}

extension SignatureRecord {
  /// The signature; `supporter` only when `withSupporter` (the petition's own
  /// organization and trusted callers).
  func proto(withSupporter: Bool) -> Groundswell_Petition_V1_Signature {
    .with {
      $0.name = "petitions/\(petitionID)/signatures/\(id)"
      if withSupporter && !isAnonymous { $0.supporter = supporter }
      $0.createTime = Google_Protobuf_Timestamp(clamping: createTime)
      $0.comment = comment
      $0.showName = showName
      $0.source = source
      $0.country = country
      $0.subdivision = subdivision
      $0.publicName = publicName
      $0.collectedBy = collectedBy
      $0.pendingVerification = pending
      $0.offline = offline
    }
  }
}

extension PetitionChange {
  var proto: Groundswell_Petition_V1_SignatureCount {
    .with {
      $0.petition = "petitions/\(petitionID)"
      $0.signatureCount = count
      $0.updateTime = Google_Protobuf_Timestamp(clamping: updateTime)
    }
  }
}
