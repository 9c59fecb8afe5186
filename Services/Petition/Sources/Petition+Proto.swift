import GroundswellAPI
import SwiftProtobuf

extension PetitionRecord {
  var proto: Groundswell_Petition_V1_Petition {
    .with {
      $0.name = "petitions/\(id)"
      $0.organization = organization
      $0.title = title
      $0.summary = summary
      $0.body = body
      $0.state = Groundswell_Petition_V1_Petition.State(rawValue: state.rawValue) ?? .unspecified
      $0.signatureCount = signatureCount
      $0.createTime = Google_Protobuf_Timestamp(date: createTime)
      $0.updateTime = Google_Protobuf_Timestamp(date: updateTime)
    }
  }
}

extension CountChange {
  var proto: Groundswell_Petition_V1_SignatureCount {
    .with {
      $0.petition = "petitions/\(petitionID)"
      $0.signatureCount = count
      $0.updateTime = Google_Protobuf_Timestamp(date: updateTime)
    }
  }
}
