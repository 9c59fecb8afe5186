/// What a caller asked to do to something of one organization, for the
/// sentence that refuses it to another organization's key.
public enum OwnerAction: Sendable, Equatable {
  case createPetitions
  case change(String)
  case move(String, PetitionMove)
  case postUpdates(on: String)
  case withdrawSignatures(from: String)
  case importSignatures(into: String)
  case exportDelivery(of: String)
  case listSupporters
  case recordConsent
  case readSupporters
  case eraseSupporters
  case manageIdentifiers
  case createCampaigns
  case lend(String)
  case manageKeys

  /// The verb phrase after "may": "change `petitions/x`".
  func phrase(owner: String) -> String {
    switch self {
    case .createPetitions: "create petitions in `\(owner)`"
    case .change(let name): "change `\(name)`"
    case .move(let name, let move): "\(move.imperative) `\(name)`"
    case .postUpdates(let name): "post updates on `\(name)`"
    case .withdrawSignatures(let name): "withdraw signatures from `\(name)`"
    case .importSignatures(let name): "import signatures into `\(name)`"
    case .exportDelivery(let name): "export `\(name)` for delivery"
    case .listSupporters: "list the supporters of `\(owner)`"
    case .recordConsent: "record consent for `\(owner)`"
    case .readSupporters: "find or export the supporters of `\(owner)`"
    case .eraseSupporters: "erase the supporters of `\(owner)`"
    case .manageIdentifiers: "manage the identifiers `\(owner)` keeps for its supporters"
    case .createCampaigns: "create campaigns in `\(owner)`"
    case .lend(let name): "lend `\(name)` to a campaign"
    case .manageKeys: "manage the API keys of `\(owner)`"
    }
  }

  /// One of each, for the test that renders every sentence.
  public static let examples: [OwnerAction] =
    [.createPetitions, .change("petitions/p1"), .postUpdates(on: "petitions/p1"), .withdrawSignatures(from: "petitions/p1"),
     .importSignatures(into: "petitions/p1"), .exportDelivery(of: "petitions/p1"),
     .listSupporters, .recordConsent, .readSupporters, .eraseSupporters, .manageIdentifiers, .createCampaigns, .lend("petitions/p1"), .manageKeys]
    + PetitionMove.allCases.map { .move("petitions/p1", $0) }
}

/// A lifecycle move of a petition.
public enum PetitionMove: Sendable, CaseIterable {
  case publish, close, declareVictory, withdraw, remove

  /// "publish": what a caller asks.
  public var imperative: String {
    switch self {
    case .publish: "publish"
    case .close: "close"
    case .declareVictory: "declare victory on"
    case .withdraw: "withdraw"
    case .remove: "remove"
    }
  }

  /// "published": what a petition can be.
  public var participle: String {
    switch self {
    case .publish: "published"
    case .close: "closed"
    case .declareVictory: "declared won"
    case .withdraw: "withdrawn"
    case .remove: "removed"
    }
  }
}

/// The sentences that refuse a request, one template each.
public enum Refusal {
  /// A key of `caller` (nil: a key of no organization) asked to act on what
  /// belongs to `owner`.
  public static func notTheOwner(caller: String?, owner: String, action: OwnerAction) -> String {
    let who = caller.map { "acts for `\($0)`" } ?? "acts for no organization"
    return "Your API key \(who); only a key of `\(owner)` may \(action.phrase(owner: owner))."
  }

  /// A petition in state `current` cannot make `move`, which only states
  /// `allowed` (labels such as OPEN) can.
  public static func wrongState(petition: String, current: String, allowed: [String], move: PetitionMove) -> String {
    "Petition `\(petition)` is \(current); only \(article(allowed.first ?? "")) \(list(allowed)) petition can be \(move.participle)."
  }

  /// "a" or "an" before a word, by its first letter.
  static func article(_ word: String) -> String {
    guard let first = word.first?.lowercased() else { return "a" }
    return "aeiou".contains(first) ? "an" : "a"
  }

  /// "A", "A or B", "A, B or C".
  static func list(_ items: [String]) -> String {
    guard items.count > 1 else { return items.first ?? "" }
    return items.dropLast().joined(separator: ", ") + " or " + items.last!
  }
}
