import Foundation
import GRPCCore
import GroundswellAPI
import GroundswellRuntime
import SwiftProtobuf
import Testing

/// Campaigns with coalitions, demands, actions and endorsements, through the
/// gateway.
@Suite struct CampaignDomainTests {
  @Test func aCoalitionCampaignHasDemandsActionsAndEndorsements() async throws {
    let stack = try await sharedStack.value
    let (creator, creatorKey) = try await stack.makeOrganization()
    let (organizer, organizerKey) = try await stack.makeOrganization()
    let (partner, partnerKey) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: creator, key: creatorKey)
    try await stack.withGateway { api in
      let created = try await api.campaigns.createCampaign(
        .with {
          $0.parent = creator
          $0.campaign = .with {
            $0.title = "Second chances"
            $0.hashtag = "SecondChances"
            $0.description_p = "Clemency for people who have changed."
            $0.startTime = Google_Protobuf_Timestamp(date: Date(timeIntervalSince1970: 1_767_225_600))
            $0.demands = ["Review every case over 25 years.", "Publish the clemency criteria."]
            $0.actions = [
              .with { $0.kind = .signPetition; $0.title = "Sign"; $0.petition = petition },
              .with {
                $0.kind = .call
                $0.title = "Call the governor"
                $0.callTarget = "Governor's office"
                $0.phoneNumber = "+1 555 0100"
                $0.script = "I am calling to ask…"
              },
              .with { $0.kind = .donate; $0.title = "Give"; $0.uri = "https://example.org/give" },
            ]
          }
        }, metadata: bearer(creatorKey)
      ).campaign
      #expect(created.hashtag == "#SecondChances")
      #expect(created.state == .active)
      #expect(created.demands.count == 2)
      #expect(created.actions.map(\.kind) == [.signPetition, .call, .donate])
      #expect(created.members.map(\.organization) == [creator])
      #expect(created.members.first?.role == .creator)
      let campaign = created.name

      // The creator adds an organizer (for one state) and a partner.
      _ = try await api.campaigns.addCoalitionMember(
        .with {
          $0.campaign = campaign
          $0.member = .with { $0.organization = organizer; $0.role = .organizer; $0.jurisdiction = "US-TX" }
        }, metadata: bearer(creatorKey))
      let withPartner = try await api.campaigns.addCoalitionMember(
        .with {
          $0.campaign = campaign
          $0.member = .with { $0.organization = partner; $0.role = .partner }
        }, metadata: bearer(creatorKey)
      ).campaign
      #expect(withPartner.members.map(\.role) == [.creator, .organizer, .partner])
      #expect(withPartner.members[1].jurisdiction == "US-TX")
      #expect(withPartner.members.map(\.state) == [.joined, .invited, .invited])
      // An invited organizer has no say until it accepts.
      let beforeAccepting = await rpcError {
        _ = try await api.campaigns.updateCampaign(
          .with {
            $0.campaign = .with { $0.name = campaign; $0.title = "Too early" }
            $0.updateMask = .with { $0.paths = ["title"] }
          }, metadata: bearer(organizerKey))
      }
      #expect(beforeAccepting?.code == .permissionDenied)
      for key in [organizerKey, partnerKey] {
        _ = try await api.campaigns.acceptCoalitionInvitation(.with { $0.campaign = campaign }, metadata: bearer(key))
      }

      // Organizers may change it; partners may not.
      let byOrganizer = try await api.campaigns.updateCampaign(
        .with {
          $0.campaign = .with {
            $0.name = campaign
            $0.demands = ["Review every case over 20 years."]
            $0.state = .concluded
          }
          $0.updateMask = .with { $0.paths = ["demands", "state"] }
        }, metadata: bearer(organizerKey)
      ).campaign
      #expect(byOrganizer.demands == ["Review every case over 20 years."])
      #expect(byOrganizer.state == .concluded)
      #expect(byOrganizer.title == "Second chances")
      let byPartner = await rpcError {
        _ = try await api.campaigns.updateCampaign(
          .with {
            $0.campaign = .with { $0.name = campaign; $0.title = "Hijacked" }
            $0.updateMask = .with { $0.paths = ["title"] }
          }, metadata: bearer(partnerKey))
      }
      #expect(byPartner?.code == .permissionDenied)
      let partnerAddsPetition = await rpcError {
        _ = try await api.campaigns.addCampaignPetition(.with { $0.campaign = campaign; $0.petition = petition }, metadata: bearer(partnerKey))
      }
      #expect(partnerAddsPetition?.code == .permissionDenied)
      // The organizer offers the creator's petition; the creator accepts.
      let organizerAddsPetition = try await api.campaigns.addCampaignPetition(
        .with { $0.campaign = campaign; $0.petition = petition }, metadata: bearer(organizerKey))
      #expect(organizerAddsPetition.campaign.proposedPetitions == [petition])
      let accepted = try await api.campaigns.acceptCampaignPetition(
        .with { $0.campaign = campaign; $0.petition = petition }, metadata: bearer(creatorKey))
      #expect(accepted.campaign.petitions == [petition])

      let removeCreator = await rpcError {
        _ = try await api.campaigns.removeCoalitionMember(.with { $0.campaign = campaign; $0.organization = creator }, metadata: bearer(organizerKey))
      }
      #expect(removeCreator?.code == .failedPrecondition)
      let makeCreator = await rpcError {
        _ = try await api.campaigns.addCoalitionMember(
          .with { $0.campaign = campaign; $0.member = .with { $0.organization = partner; $0.role = .creator } }, metadata: bearer(creatorKey))
      }
      #expect(badFields(makeCreator) == ["member.role"])
      let unknownOrganization = await rpcError {
        _ = try await api.campaigns.addCoalitionMember(
          .with { $0.campaign = campaign; $0.member = .with { $0.organization = "organizations/nobody-here"; $0.role = .partner } },
          metadata: bearer(creatorKey))
      }
      #expect(unknownOrganization?.code == .notFound)
      let removed = try await api.campaigns.removeCoalitionMember(
        .with { $0.campaign = campaign; $0.organization = partner }, metadata: bearer(creatorKey)
      ).campaign
      #expect(removed.members.map(\.organization) == [creator, organizer])

      // Endorsements: an organization and a person each count once.
      let first = try await api.campaigns.endorseCampaign(.with { $0.campaign = campaign }, metadata: bearer(partnerKey))
      #expect(!first.alreadyEndorsed)
      #expect(first.endorsement.organization == partner)
      let repeatOrganization = try await api.campaigns.endorseCampaign(.with { $0.campaign = campaign }, metadata: bearer(partnerKey))
      #expect(repeatOrganization.alreadyEndorsed)
      #expect(repeatOrganization.endorsement.name == first.endorsement.name)
      let person = try await api.campaigns.endorseCampaign(
        .with { $0.campaign = campaign; $0.displayName = "Jo Q."; $0.email = "jo@example.org" }, metadata: bearer(creatorKey))
      #expect(person.endorsementCount == 2)
      let samePerson = try await api.campaigns.endorseCampaign(
        .with { $0.campaign = campaign; $0.displayName = "Jo Q."; $0.email = " JO@Example.org" }, metadata: bearer(organizerKey))
      #expect(samePerson.alreadyEndorsed)
      #expect(samePerson.endorsementCount == 2)
      let noEmail = await rpcError {
        _ = try await api.campaigns.endorseCampaign(.with { $0.campaign = campaign; $0.displayName = "Anon" }, metadata: bearer(creatorKey))
      }
      #expect(badFields(noEmail) == ["email"])
      let endorsements = try await api.campaigns.listEndorsements(.with { $0.parent = campaign }, metadata: bearer(partnerKey))
      #expect(endorsements.endorsements.map(\.displayName) == ["", "Jo Q."])
      let read = try await api.campaigns.getCampaign(.with { $0.name = campaign }, metadata: bearer(partnerKey)).campaign
      #expect(read.endorsementCount == 2)
    }
  }

  @Test func badCampaignsAreRefusedFieldByField() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    try await stack.withGateway { api in
      let bad = await rpcError {
        _ = try await api.campaigns.createCampaign(
          .with {
            $0.parent = organization
            $0.campaign = .with {
              $0.title = "Bad"
              $0.hashtag = "#no spaces"
              $0.demands = [""] + Array(repeating: "A demand.", count: 20)
              $0.actions = [
                .with { $0.kind = .donate; $0.title = "Give" },
                .with { $0.kind = .call; $0.title = "Call" },
                .with { $0.kind = .attendEvent; $0.title = "Rally" },
                .with { $0.title = "No kind" },
              ]
            }
          }, metadata: bearer(key))
      }
      // Too many demands: their count is refused before any one is checked.
      #expect(badFields(bad) == [
        "campaign.hashtag", "campaign.demands", "campaign.actions[0].uri",
        "campaign.actions[1].call_target", "campaign.actions[1].script", "campaign.actions[2].event_time",
        "campaign.actions[3].kind",
      ])
      let backwards = await rpcError {
        _ = try await api.campaigns.createCampaign(
          .with {
            $0.parent = organization
            $0.campaign = .with {
              $0.title = "Backwards"
              $0.startTime = Google_Protobuf_Timestamp(date: Date(timeIntervalSince1970: 2_000_000_000))
              $0.endTime = Google_Protobuf_Timestamp(date: Date(timeIntervalSince1970: 1_900_000_000))
            }
          }, metadata: bearer(key))
      }
      #expect(badFields(backwards) == ["campaign.end_time"])
      let missingPetition = await rpcError {
        _ = try await api.campaigns.createCampaign(
          .with {
            $0.parent = organization
            $0.campaign = .with {
              $0.title = "Sign what?"
              $0.actions = [.with { $0.kind = .signPetition; $0.title = "Sign"; $0.petition = "petitions/nosuchpetition" }]
            }
          }, metadata: bearer(key))
      }
      #expect(badFields(missingPetition) == ["campaign.actions[0].petition"])
      let unknown = await rpcError { _ = try await api.campaigns.getCampaign(.with { $0.name = "campaigns/nosuchcampaign" }, metadata: bearer(key)) }
      #expect(unknown?.code == .notFound)
    }
  }
}
