import Foundation

/// One petition as the live view holds it.
struct PetitionEntry: Sendable {
  var organization = ""
  var count: Int64 = 0
  var version: Int64 = 0
  var lastSignature: Date?
  /// Whether petition-service's feed has described it (a campaign may name
  /// a petition before its figures arrive).
  var listed = false
  /// Everyone who signed (see `SupporterKey`).
  var supporters = SignerSet()
  /// Signatures per minute, for the last day only.
  var minutes = RecentMinutes()
  /// The campaigns holding it (the same strings as `ViewState.campaigns`' keys).
  var campaigns: [String] = []
}

/// One campaign as the live view holds it.
struct CampaignEntry: Sendable {
  var title = ""
  var organization = ""
  var members: [String] = []
  /// The same strings as `ViewState.petitions`' keys.
  var petitions: [String] = []
  var version: Int64 = 0
  var sequence: Int64 = 0
  /// Different supporters across its petitions.
  var uniqueSupporters = 0
}

/// The whole in-memory view, always changed under one lock. Derived figures
/// (a campaign's unique supporters, the grand total, who belongs where) are
/// kept up to date by every change, so reads never scan.
///
/// A campaign's unique supporters are exact without a per-campaign copy of
/// its signers: when someone signs (or withdraws from) one of its petitions,
/// they count as new (or gone) unless another of its petitions holds them,
/// which costs one set lookup per other petition. When a campaign's
/// petitions change, its count is recomputed from the union of their sets.
struct ViewState: Sendable {
  /// Every petition a feed described or a campaign names.
  var petitions = PetitionTable()
  var campaigns: [String: CampaignEntry] = [:]
  /// Campaign names by creation order, for paging.
  var order: [(sequence: Int64, name: String)] = []
  /// Organization → the campaigns it created or is a member of.
  var campaignsOfOrganization: [String: Set<String>] = [:]
  /// Petitions with signatures in the last day.
  var activePetitions: Set<String> = []
  /// Petitions in at least one campaign, and the sum of their counts.
  var petitionsInCampaigns = 0
  var grandSignatures: Int64 = 0
  /// Campaigns whose totals changed since watchers were last told.
  var dirty: Set<String> = []
  /// Figures a reconcile found newer than the view's (lost updates repaired).
  var repairs = 0
  /// One copy of each organization name however many entries hold it.
  private var organizationNames: Set<String> = []

  // MARK: petitions

  /// Replaces a petition's figures with whole ones (from a snapshot).
  /// Returns whether anything differed. An `authoritative` snapshot (the
  /// first of a new feed connection) wins even over a higher version: after
  /// petition-service is restored from a backup its versions went back.
  @discardableResult
  mutating func replace(_ name: String, with figures: PetitionEntry, authoritative: Bool = false) -> Bool {
    let old = petitions[name] ?? PetitionEntry()
    if !authoritative && old.version > figures.version { return false }
    let differs = old.version != figures.version || old.count != figures.count || old.supporters != figures.supporters
    var entry = figures
    entry.organization = intern(entry.organization)
    entry.listed = true
    entry.campaigns = old.campaigns
    petitions[name] = entry
    activity(of: name)
    if differs {
      afterChange(
        name, countDelta: entry.count - old.count, signed: entry.supporters.subtracting(old.supporters),
        withdrawn: old.supporters.subtracting(entry.supporters))
    }
    return differs
  }

  /// Applies a change from the feed unless the view holds newer figures.
  mutating func apply(
    _ name: String, organization: String, count: Int64, version: Int64, lastSignature: Date?,
    signed: [UInt128], withdrawn: [UInt128], minutes: [Int64: Int64]
  ) {
    guard version > petitions[name]?.version ?? 0 else { return }
    let organization = intern(organization)
    // Changed in place: a copy of the entry would copy its signer set.
    let (delta, newlySigned, newlyWithdrawn) = petitions[name, default: PetitionEntry()].apply(
      organization: organization, count: count, version: version, lastSignature: lastSignature, signed: signed,
      withdrawn: withdrawn, minutes: minutes)
    activity(of: name)
    afterChange(name, countDelta: delta, signed: newlySigned, withdrawn: newlyWithdrawn)
  }

  /// Drops figures of petitions a complete snapshot did not mention.
  mutating func removePetitions(notIn seen: Set<String>) {
    let gone = petitions.lazy.filter { $0.entry.listed && !seen.contains($0.name) }.map(\.name)
    for name in Array(gone) { dropFigures(of: name) }
  }

  /// Forgets a removed petition's figures; a campaign that still names it
  /// keeps it, without figures.
  mutating func dropFigures(of name: String) {
    guard let old = petitions[name], old.listed else { return }
    petitions[name] = old.campaigns.isEmpty ? nil : PetitionEntry(campaigns: old.campaigns)
    activity(of: name)
    afterChange(name, countDelta: -old.count, signed: [], withdrawn: Array(old.supporters))
  }

  private mutating func afterChange(_ petition: String, countDelta: Int64, signed: [UInt128], withdrawn: [UInt128]) {
    let campaigns = petitions[petition]?.campaigns ?? []
    guard !campaigns.isEmpty else { return }
    grandSignatures += countDelta
    for campaign in campaigns {
      guard let others = self.campaigns[campaign]?.petitions.filter({ $0 != petition }) else { continue }
      func elsewhere(_ supporter: UInt128) -> Bool {
        others.contains { petitions[$0]?.supporters.contains(supporter) ?? false }
      }
      let gained = signed.count { !elsewhere($0) }
      let lost = withdrawn.count { !elsewhere($0) }
      self.campaigns[campaign]!.uniqueSupporters += gained - lost
      dirty.insert(campaign)
    }
  }

  /// Keeps `activePetitions` and watchers in step with a petition's minutes.
  private mutating func activity(of petition: String) {
    guard let entry = petitions[petition], !entry.minutes.isEmpty else {
      if activePetitions.remove(petition) != nil { markCampaigns(of: petition) }
      return
    }
    activePetitions.insert(petition)
    markCampaigns(of: petition)
  }

  private mutating func markCampaigns(of petition: String) {
    for campaign in petitions[petition]?.campaigns ?? [] { dirty.insert(campaign) }
  }

  private mutating func intern(_ organization: String) -> String {
    organizationNames.insert(organization).memberAfterInsert
  }

  /// The minute of the last call to `minutePassed`.
  var currentMinute: Int64 = 0

  /// Once a minute: forgets minutes older than a day, and marks the
  /// campaigns with recent signatures changed (their last hour moved on).
  mutating func minutePassed(now minute: Int64) {
    guard minute != currentMinute else { return }
    currentMinute = minute
    for name in activePetitions { markCampaigns(of: name) }
    pruneMinutes(before: minute - 1_440)
  }

  /// Forgets minutes older than `minute`.
  mutating func pruneMinutes(before minute: Int64) {
    let pruned = activePetitions.filter { petitions[$0, default: PetitionEntry()].minutes.prune(before: minute) }
    for name in pruned { activity(of: name) }
  }

  // MARK: campaigns

  /// Applies a whole campaign membership unless the view holds a newer one
  /// (or, `authoritative`, the same version: see `replace`). Returns whether
  /// anything changed.
  @discardableResult
  mutating func apply(
    campaign name: String, title: String, organization: String, members: [String], petitions newPetitions: [String],
    version: Int64, sequence: Int64, authoritative: Bool = false
  ) -> Bool {
    let old = campaigns[name]
    if let old, authoritative ? old.version == version : old.version >= version { return false }
    let name = campaigns.index(forKey: name).map { campaigns[$0].key } ?? name
    if old == nil {
      let index = order.firstIndex { $0.sequence > sequence } ?? order.endIndex
      order.insert((sequence, name), at: index)
    }
    var entry = old ?? CampaignEntry()
    entry.title = title
    entry.organization = intern(organization)
    entry.version = version
    entry.sequence = sequence
    for member in Set(entry.members).subtracting(members) { campaignsOfOrganization[member]?.remove(name) }
    entry.members = members.map { intern($0) }
    for member in entry.members { campaignsOfOrganization[member, default: []].insert(name) }
    let wanted = Set(newPetitions)
    for petition in entry.petitions where !wanted.contains(petition) { leave(petition, campaign: name) }
    let held = Set(entry.petitions)
    entry.petitions = newPetitions.map { petition in
      held.contains(petition) ? petitions.storedName(petition) ?? petition : join(petition, campaign: name)
    }
    entry.uniqueSupporters = uniqueSupporters(of: entry.petitions)
    campaigns[name] = entry
    dirty.insert(name)
    return true
  }

  /// Puts `campaign` on a petition's list; returns the petition's name as
  /// the view holds it, so every campaign shares one copy.
  private mutating func join(_ petition: String, campaign: String) -> String {
    let entry = petitions[petition] ?? PetitionEntry()
    if entry.campaigns.isEmpty {
      petitionsInCampaigns += 1
      grandSignatures += entry.count
    }
    if !entry.campaigns.contains(campaign) { petitions[petition, default: PetitionEntry()].campaigns.append(campaign) }
    return petitions.storedName(petition)!
  }

  private mutating func leave(_ petition: String, campaign: String) {
    guard petitions[petition] != nil else { return }
    petitions[petition, default: PetitionEntry()].campaigns.removeAll { $0 == campaign }
    let entry = petitions[petition]!
    guard entry.campaigns.isEmpty else { return }
    petitionsInCampaigns -= 1
    grandSignatures -= entry.count
    if !entry.listed { petitions[petition] = nil }
  }

  /// Different supporters across `names`, counted through a union of their
  /// sets (only when a campaign's petitions change).
  private func uniqueSupporters(of names: [String]) -> Int {
    let sets = names.compactMap { petitions[$0]?.supporters }.filter { !$0.isEmpty }
    guard sets.count > 1 else { return sets.first?.count ?? 0 }
    var union = Set<UInt128>(minimumCapacity: sets.reduce(0) { $0 + $1.count })
    for set in sets { union.formUnion(set) }
    return union.count
  }

  /// Drops campaigns a complete snapshot did not mention.
  mutating func removeCampaigns(notIn seen: Set<String>) {
    for name in Array(campaigns.keys.lazy.filter { !seen.contains($0) }) {
      apply(campaign: name, title: "", organization: "", members: [], petitions: [], version: .max, sequence: 0)
      campaigns[name] = nil
      order.removeAll { $0.name == name }
    }
  }
}

extension PetitionEntry {
  /// Applies a change from the feed; returns the change in count and the
  /// supporters who really joined or left.
  mutating func apply(
    organization: String, count: Int64, version: Int64, lastSignature: Date?, signed: [UInt128],
    withdrawn: [UInt128], minutes: [Int64: Int64]
  ) -> (delta: Int64, signed: [UInt128], withdrawn: [UInt128]) {
    let delta = count - self.count
    self.organization = organization
    self.count = count
    self.version = version
    listed = true
    if let lastSignature, lastSignature > self.lastSignature ?? .distantPast { self.lastSignature = lastSignature }
    let newlySigned = signed.filter { supporters.insert($0) }
    let newlyWithdrawn = withdrawn.filter { supporters.remove($0) }
    self.minutes.merge(minutes)
    return (delta, newlySigned, newlyWithdrawn)
  }
}
