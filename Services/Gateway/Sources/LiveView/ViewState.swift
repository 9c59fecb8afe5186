import Foundation

/// One petition as the live view holds it.
struct PetitionEntry: Sendable {
  var organization = ""
  var count: Int64 = 0
  var version: Int64 = 0
  var lastSignature: Date?
  /// Everyone who signed (see `SupporterKey`).
  var supporters: Set<UInt128> = []
  /// Minute (since the epoch) → signatures, for the last day only.
  var minutes: [Int64: Int64] = [:]
}

/// One campaign as the live view holds it.
struct CampaignEntry: Sendable {
  var title = ""
  var organization = ""
  var members: [String] = []
  var petitions: [String] = []
  var version: Int64 = 0
  var sequence: Int64 = 0
  /// Supporter → how many of the campaign's petitions they signed; its size
  /// is the campaign's unique-supporter count.
  var supporters: [UInt128: UInt32] = [:]
}

/// The whole in-memory view, always changed under one lock. Derived figures
/// (a campaign's unique supporters, the grand total, who belongs where) are
/// kept up to date by every change, so reads never scan.
struct ViewState: Sendable {
  var petitions: [String: PetitionEntry] = [:]
  var campaigns: [String: CampaignEntry] = [:]
  /// Campaign names by creation order, for paging.
  var order: [(sequence: Int64, name: String)] = []
  /// Petition → the campaigns holding it.
  var campaignsOfPetition: [String: Set<String>] = [:]
  /// Organization → the campaigns it created or is a member of.
  var campaignsOfOrganization: [String: Set<String>] = [:]
  /// Petitions with signatures in the last day.
  var activePetitions: Set<String> = []
  /// Sum of the counts of petitions in at least one campaign.
  var grandSignatures: Int64 = 0
  /// Campaigns whose totals changed since watchers were last told.
  var dirty: Set<String> = []
  /// Figures a reconcile found newer than the view's (lost updates repaired).
  var repairs = 0

  // MARK: petitions

  /// Replaces a petition's figures with whole ones (from a snapshot).
  /// Returns whether anything differed.
  @discardableResult
  mutating func replace(_ name: String, with entry: PetitionEntry) -> Bool {
    let old = petitions[name] ?? PetitionEntry()
    if old.version > entry.version { return false }
    let differs = old.version != entry.version || old.count != entry.count || old.supporters != entry.supporters
    petitions[name] = entry
    setRecentMinutes(name, entry.minutes)
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
    var entry = petitions[name] ?? PetitionEntry()
    guard version > entry.version else { return }
    let delta = count - entry.count
    entry.organization = organization
    entry.count = count
    entry.version = version
    if let lastSignature, lastSignature > entry.lastSignature ?? .distantPast { entry.lastSignature = lastSignature }
    let newlySigned = signed.filter { entry.supporters.insert($0).inserted }
    let newlyWithdrawn = withdrawn.filter { entry.supporters.remove($0) != nil }
    petitions[name] = entry
    mergeRecentMinutes(name, minutes)
    afterChange(name, countDelta: delta, signed: newlySigned, withdrawn: newlyWithdrawn)
  }

  /// Drops petitions a complete snapshot did not mention.
  mutating func removePetitions(notIn seen: Set<String>) {
    for name in petitions.keys where !seen.contains(name) {
      let old = petitions.removeValue(forKey: name)!
      activePetitions.remove(name)
      afterChange(name, countDelta: -old.count, signed: [], withdrawn: old.supporters)
    }
  }

  private mutating func afterChange(
    _ petition: String, countDelta: Int64, signed: some Collection<UInt128>, withdrawn: some Collection<UInt128>
  ) {
    guard let campaigns = campaignsOfPetition[petition], !campaigns.isEmpty else { return }
    grandSignatures += countDelta
    for campaign in campaigns {
      self.campaigns[campaign]?.count(signed, by: 1)
      self.campaigns[campaign]?.count(withdrawn, by: -1)
      dirty.insert(campaign)
    }
  }

  private mutating func setRecentMinutes(_ petition: String, _ minutes: [Int64: Int64]) {
    petitions[petition, default: PetitionEntry()].minutes = minutes
    if minutes.isEmpty { activePetitions.remove(petition) } else { activePetitions.insert(petition) }
    for campaign in campaignsOfPetition[petition] ?? [] { dirty.insert(campaign) }
  }

  private mutating func mergeRecentMinutes(_ petition: String, _ minutes: [Int64: Int64]) {
    guard !minutes.isEmpty else { return }
    var merged = petitions[petition]?.minutes ?? [:]
    merged.merge(minutes) { _, new in new }
    setRecentMinutes(petition, merged.filter { $0.value != 0 })
  }

  /// The minute of the last call to `minutePassed`.
  var currentMinute: Int64 = 0

  /// Once a minute: forgets minutes older than a day, and marks the
  /// campaigns with recent signatures changed (their last hour moved on).
  mutating func minutePassed(now minute: Int64) {
    guard minute != currentMinute else { return }
    currentMinute = minute
    for name in activePetitions {
      for campaign in campaignsOfPetition[name] ?? [] { dirty.insert(campaign) }
    }
    pruneMinutes(before: minute - 1_440)
  }

  /// Forgets minutes older than `minute`.
  mutating func pruneMinutes(before minute: Int64) {
    for name in activePetitions where petitions[name]!.minutes.keys.contains(where: { $0 < minute }) {
      let kept = petitions[name]!.minutes.filter { $0.key >= minute }
      if kept.count != petitions[name]!.minutes.count { setRecentMinutes(name, kept) }
    }
  }

  // MARK: campaigns

  /// Applies a whole campaign membership unless the view holds a newer one.
  /// Returns whether anything changed.
  @discardableResult
  mutating func apply(
    campaign name: String, title: String, organization: String, members: [String], petitions newPetitions: [String],
    version: Int64, sequence: Int64
  ) -> Bool {
    let old = campaigns[name]
    if let old, old.version >= version { return false }
    if old == nil {
      let index = order.firstIndex { $0.sequence > sequence } ?? order.endIndex
      order.insert((sequence, name), at: index)
    }
    var entry = old ?? CampaignEntry()
    entry.title = title
    entry.organization = organization
    entry.version = version
    entry.sequence = sequence
    for member in Set(entry.members).subtracting(members) { campaignsOfOrganization[member]?.remove(name) }
    for member in members { campaignsOfOrganization[member, default: []].insert(name) }
    entry.members = members
    let removed = Set(entry.petitions).subtracting(newPetitions)
    let added = Set(newPetitions).subtracting(entry.petitions)
    entry.petitions = newPetitions
    for petition in removed {
      entry.count(petitions[petition]?.supporters ?? [], by: -1)
      campaignsOfPetition[petition]?.remove(name)
      if campaignsOfPetition[petition]?.isEmpty ?? false {
        campaignsOfPetition[petition] = nil
        grandSignatures -= petitions[petition]?.count ?? 0
      }
    }
    for petition in added {
      entry.count(petitions[petition]?.supporters ?? [], by: 1)
      if campaignsOfPetition[petition] == nil { grandSignatures += petitions[petition]?.count ?? 0 }
      campaignsOfPetition[petition, default: []].insert(name)
    }
    campaigns[name] = entry
    dirty.insert(name)
    return true
  }

  /// Drops campaigns a complete snapshot did not mention.
  mutating func removeCampaigns(notIn seen: Set<String>) {
    for name in campaigns.keys where !seen.contains(name) {
      apply(campaign: name, title: "", organization: "", members: [], petitions: [], version: .max, sequence: 0)
      campaigns[name] = nil
      order.removeAll { $0.name == name }
    }
  }
}

extension CampaignEntry {
  mutating func count(_ signers: some Collection<UInt128>, by delta: Int) {
    for supporter in signers {
      if delta > 0 {
        supporters[supporter, default: 0] += 1
      } else if let held = supporters[supporter] {
        supporters[supporter] = held > 1 ? held - 1 : nil
      }
    }
  }
}
