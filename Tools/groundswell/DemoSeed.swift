import Foundation
import GRPCCore
import GroundswellAPI
import GroundswellRuntime
import SwiftProtobuf

extension DemoData {
  /// Creates everything through the gateway, as partners would. Returns false
  /// when the first organization exists already (the data was seeded before).
  static func seed(
    client: GRPCClient<some ClientTransport>, operatorKey: String, partnerKeys: [String: String], options: CallOptions
  ) async throws -> Bool {
    let organizationsService = Groundswell_Campaign_V1_OrganizationService.Client(wrapping: client)
    let petitionService = Groundswell_Petition_V1_PetitionService.Client(wrapping: client)
    let campaignService = Groundswell_Campaign_V1_CampaignService.Client(wrapping: client)
    for organization in organizations {
      do {
        _ = try await organizationsService.createOrganization(
          .with {
            $0.organizationID = String(organization.name.dropFirst("organizations/".count))
            $0.organization = .with {
              $0.displayName = organization.displayName
              $0.description_p = organization.description
              $0.websiteUri = organization.website
            }
          }, metadata: bearer(operatorKey), options: options)
      } catch let error as RPCError where error.code == .alreadyExists {
        return false
      }
    }
    var names: [String: String] = [:]
    var owners: [String: String] = [:]
    for (index, seed) in petitions.enumerated() {
      let key = bearer(partnerKeys[seed.organization]!)
      let petition = try await petitionService.createPetition(
        .with {
          $0.parent = seed.organization
          $0.petition = .with {
            $0.title = seed.title
            $0.summary = seed.summary
            $0.body = seed.body
            $0.letter = seed.letter
            $0.tags = seed.tags
            $0.targets = seed.targets.map { target in
              .with {
                $0.displayName = target.name
                $0.office = target.office
                $0.jurisdiction = target.jurisdiction
              }
            }
            $0.milestones = seed.milestones.map { threshold, label in .with { $0.threshold = threshold; $0.label = label } }
          }
        }, metadata: key, options: options
      ).petition
      _ = try await petitionService.publishPetition(.with { $0.name = petition.name }, metadata: key, options: options)
      names[seed.key] = petition.name
      owners[petition.name] = seed.organization
      for signer in 0..<seed.signatures {
        let given = givenNames[(signer + index) % givenNames.count]
        let family = familyNames[(signer * 3 + index) % familyNames.count]
        let (country, postal) = places[(signer + index) % places.count]
        _ = try await petitionService.signPetition(
          .with {
            $0.petition = petition.name
            $0.signer = .with {
              $0.email = "\(given).\(family)\(signer)@example.org".lowercased()
              $0.givenName = given
              $0.familyName = family
              $0.country = country
              $0.postalCode = postal
            }
            $0.comment = signer % 5 == 0 ? comments[signer / 5 % comments.count] : ""
            $0.showName = signer % 2 == 0
            $0.optIn = signer % 3 != 2
            $0.source = "demo-page"
            $0.requestID = "demo-\(seed.key)-\(signer)"
          }, metadata: key, options: options)
      }
      for update in seed.updates {
        _ = try await petitionService.createPetitionUpdate(
          .with {
            $0.parent = petition.name
            $0.update = .with {
              $0.title = update.title
              $0.body = update.body
            }
          }, metadata: key, options: options)
      }
      if let note = seed.victory {
        _ = try await petitionService.declareVictory(
          .with {
            $0.name = petition.name
            $0.note = note
          }, metadata: key, options: options)
      }
    }
    for campaign in campaigns {
      let key = bearer(partnerKeys[campaign.creator]!)
      let created = try await campaignService.createCampaign(
        .with {
          $0.parent = campaign.creator
          $0.campaignID = campaign.id
          $0.campaign = .with {
            $0.title = campaign.title
            $0.hashtag = campaign.hashtag
            $0.description_p = campaign.description
            $0.demands = campaign.demands
            $0.startTime = Google_Protobuf_Timestamp(clamping: Date(timeIntervalSince1970: 1_767_225_600))
          }
        }, metadata: key, options: options
      ).campaign
      for member in campaign.members {
        _ = try await campaignService.addCoalitionMember(
          .with {
            $0.campaign = created.name
            $0.member = .with {
              $0.organization = member.organization
              $0.role = member.role
              $0.jurisdiction = member.jurisdiction
            }
          }, metadata: key, options: options)
        // Joining takes the member's acceptance.
        _ = try await campaignService.acceptCoalitionInvitation(
          .with { $0.campaign = created.name }, metadata: bearer(partnerKeys[member.organization]!), options: options)
      }
      for petition in campaign.petitions {
        let name = names[petition]!
        let offered = try await campaignService.addCampaignPetition(
          .with {
            $0.campaign = created.name
            $0.petition = name
          }, metadata: key, options: options
        ).campaign
        // Another organization's petition joins when that organization accepts.
        if offered.proposedPetitions.contains(name), let owner = owners[name] {
          _ = try await campaignService.acceptCampaignPetition(
            .with {
              $0.campaign = created.name
              $0.petition = name
            }, metadata: bearer(partnerKeys[owner]!), options: options)
        }
      }
      _ = try await campaignService.updateCampaign(
        .with {
          $0.campaign = .with {
            $0.name = created.name
            $0.actions = actions(petition: names[campaign.petitions[0]]!)
          }
          $0.updateMask = .with { $0.paths = ["actions"] }
        }, metadata: key, options: options)
      for member in campaign.members {
        _ = try await campaignService.endorseCampaign(
          .with { $0.campaign = created.name }, metadata: bearer(partnerKeys[member.organization]!), options: options)
      }
      for (name, email) in [("Rosa M.", "rosa.m@example.org"), ("Theo K.", "theo.k@example.org")] {
        _ = try await campaignService.endorseCampaign(
          .with {
            $0.campaign = created.name
            $0.displayName = name
            $0.email = email
          }, metadata: key, options: options)
      }
    }
    return true
  }

  /// The actions every demo campaign offers, the first one signing `petition`.
  static func actions(petition: String) -> [Groundswell_Campaign_V1_Action] {
    [
      .with {
        $0.kind = .signPetition
        $0.title = "Sign the petition"
        $0.petition = petition
      },
      .with {
        $0.kind = .call
        $0.title = "Call the decision maker"
        $0.callTarget = "The Governor's constituent line"
        $0.phoneNumber = "+1 555 0100"
        $0.script = "Hello, I live in the state and I am calling to ask the Governor to use the clemency power for elderly and ill women."
      },
      .with {
        $0.kind = .donate
        $0.title = "Fund the legal clinic"
        $0.uri = "https://open-gate.example.org/give"
      },
      .with {
        $0.kind = .attendEvent
        $0.title = "Rally at the Capitol"
        $0.uri = "https://open-gate.example.org/rally"
        $0.eventTime = Google_Protobuf_Timestamp(clamping: Date(timeIntervalSince1970: 1_798_761_600))
      },
      .with {
        $0.kind = .endorse
        $0.title = "Add your organization's name"
      },
    ]
  }
}
