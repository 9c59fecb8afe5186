import Foundation
import GRPCCore
import GroundswellAPI
import GroundswellRuntime
import SwiftProtobuf

/// Invented organizations, people and petitions in the shape of real campaign
/// pages: a statewide clemency campaign created by a national network and
/// organized in one state by a local group, with a petition to a governor
/// past its first milestone; and a coalition campaign with demands, actions
/// and endorsements, one of whose petitions was won.
enum DemoData {
  struct Org {
    var name: String
    var displayName: String
    var description: String
    var website: String
  }

  struct PetitionSeed {
    var key: String
    var organization: String
    var title: String
    var summary: String
    var body: String
    var letter: String
    var tags: [String]
    var targets: [(name: String, office: String, jurisdiction: String)]
    var milestones: [(Int64, String)] = []
    var updates: [(title: String, body: String)] = []
    var victory: String? = nil
    var signatures: Int
  }

  static let organizations = [
    Org(
      name: "organizations/harbor-light", displayName: "Harbor Light Justice Project",
      description: "A statewide group of formerly incarcerated women organizing for clemency, re-entry support and family reunification.",
      website: "https://harbor-light.example.org"),
    Org(
      name: "organizations/open-gate-network", displayName: "Open Gate Network",
      description: "A national network of families and advocates that starts campaigns and hands them to local organizers.",
      website: "https://open-gate.example.org"),
  ]

  static let petitions = [
    PetitionSeed(
      key: "governor", organization: "organizations/harbor-light",
      title: "Governor Marlowe: grant clemency to elderly and ill women in state prisons",
      summary: "Use the clemency power now for women who are elderly, seriously ill, serving ten years or more, or were punished for surviving abuse.",
      body: """
        The Governor and the Board of Pardons can release vulnerable women with the stroke of a pen.
        We ask for commutations for women who meet any of these criteria:
        - aged 60 or older;
        - seriously or chronically ill;
        - serving a sentence of ten years or more;
        - convicted after surviving domestic violence.
        """,
      letter: "Governor Marlowe, we ask you to review and grant commutations for the women described in this petition without delay.",
      tags: ["clemency", "women", "elders"],
      targets: [("Dana Marlowe", "Governor", "US-CT"), ("Rafael Quint", "Chair, Board of Pardons and Paroles", "US-CT")],
      milestones: [(100, "Delivery to the Governor's office"), (1_000, "Request a meeting with the Board")],
      updates: [
        ("Health addendum", "Crowded housing units raise the risk of illness for older women. We have added this to the case we deliver."),
        ("Delivered to the Board", "Twelve members carried the first hundred signatures to the Board's public hearing."),
      ],
      signatures: 124),
    PetitionSeed(
      key: "commissioner", organization: "organizations/open-gate-network",
      title: "Commissioner Adeyemi: end unpaid prison labor in state facilities",
      summary: "Pay every working incarcerated person at least the state minimum wage.",
      body: "Work inside prisons keeps the system running. Those who do it deserve fair pay and safe conditions.",
      letter: "Commissioner Adeyemi, we ask you to set the minimum wage as the floor for all work in state facilities.",
      tags: ["labor", "conditions"], targets: [("Tomas Adeyemi", "Commissioner of Correction", "US-TX")],
      signatures: 14),
    PetitionSeed(
      key: "sheriff", organization: "organizations/open-gate-network",
      title: "Sheriff Okafor: restore in-person family visits at the county jail",
      summary: "Video screens are not a substitute for seeing your family.",
      body: "Children should be able to hug their parents. Restore contact visits and end fees for video calls.",
      letter: "Sheriff Okafor, we ask you to restore contact visits and end fees for video calls.",
      tags: ["families", "conditions"], targets: [("Ngozi Okafor", "Sheriff, Lake County", "US-CA")],
      victory: "The county restored contact visits on weekends and ended video-call fees.",
      signatures: 9),
    PetitionSeed(
      key: "legislature", organization: "organizations/harbor-light",
      title: "State Judiciary Committee: pass the Second Look sentencing bill",
      summary: "Let judges review long sentences after ten years.",
      body: "People change. A second look at long sentences brings people home to families who need them.",
      letter: "Members of the Judiciary Committee, we ask you to bring the Second Look bill to a vote this session.",
      tags: ["sentencing", "clemency"], targets: [("Judiciary Committee", "State Legislature", "US-CT")],
      signatures: 6),
  ]

  struct CampaignSeed {
    var id: String
    var creator: String
    var title: String
    var hashtag: String
    var description: String
    var members: [(organization: String, role: Groundswell_Campaign_V1_CoalitionMember.Role, jurisdiction: String)]
    var demands: [String]
    var petitions: [String]
  }

  static let campaigns = [
    CampaignSeed(
      id: "clemency-now", creator: "organizations/open-gate-network", title: "#ClemencyNow statewide clemency campaign",
      hashtag: "#ClemencyNow",
      description: "A statewide clemency campaign started by Open Gate Network and organized in Connecticut by Harbor Light Justice Project.",
      members: [("organizations/harbor-light", .organizer, "US-CT")],
      demands: ["Commute the sentences of women aged 60 or older.", "Create an expedited review for seriously ill people."],
      petitions: ["governor", "legislature"]),
    CampaignSeed(
      id: "dignity-inside", creator: "organizations/open-gate-network",
      title: "Dignity Inside: a coalition for humane conditions", hashtag: "#DignityInside",
      description: "A coalition of families and advocates for humane conditions in prisons and jails.",
      members: [("organizations/harbor-light", .partner, "")],
      demands: [
        "Pay a fair wage for all prison labor.", "Restore in-person family visits.", "Provide timely healthcare.",
        "End long-term solitary confinement.", "Give long sentences a second look.",
      ],
      petitions: ["commissioner", "sheriff", "legislature"]),
  ]

  static let givenNames = ["Ana", "Bea", "Cal", "Dee", "Eli", "Fay", "Gus", "Hal", "Ivy", "Jo", "Kit", "Lou", "Mae", "Ned", "Oda"]
  static let familyNames = ["Reyes", "Stone", "Turner", "Underwood", "Vance", "Walsh", "Young", "Zimmer"]
  /// Where the invented signers live: country and postal code.
  static let places = [
    ("US", "06103"), ("US", "06510"), ("US", "06830"), ("US", "10001"), ("US", "75201"), ("US", "90012"),
    ("CA", "K1A 0B1"), ("GB", "SW1A 1AA"),
  ]
  static let comments = [
    "My aunt came home after a commutation and rebuilt her life.",
    "Nobody should grow old behind bars for surviving abuse.",
    "Families are stronger when they can stay together.",
  ]
}
