import Foundation
import GroundswellRuntime

/// A committed change to a petition's signatures, as the feeds carry it.
/// Changes to one petition coalesce: the newest figures win, and the
/// supporters who signed or withdrew accumulate in order.
public struct PetitionChange: Coalescing, Equatable {
  public var petitionID: String
  public var organization: String
  public var count: Int64
  public var version: Int64
  public var updateTime: Date
  public var lastSignatureTime: Date?
  public var signed: Set<String> = []
  public var withdrawn: Set<String> = []
  /// Minute start (seconds since the epoch) → signatures in that minute.
  public var minutes: [Int64: Int64] = [:]
  /// The petition was removed: its signatures count nowhere any more.
  public var removed = false

  public var key: String { petitionID }

  public mutating func absorb(_ newer: PetitionChange) {
    removed = removed || newer.removed  // removal is final
    for supporter in newer.withdrawn where signed.remove(supporter) == nil { withdrawn.insert(supporter) }
    for supporter in newer.signed where withdrawn.remove(supporter) == nil { signed.insert(supporter) }
    // Two commits may publish out of order: keep the figures of the later one.
    guard newer.version >= version else {
      minutes.merge(newer.minutes) { mine, _ in mine }
      return
    }
    minutes.merge(newer.minutes) { _, theirs in theirs }
    count = newer.count
    version = newer.version
    updateTime = newer.updateTime
    lastSignatureTime = newer.lastSignatureTime ?? lastSignatureTime
  }

  init(
    petitionID: String, organization: String, count: Int64, version: Int64, updateTime: Date, lastSignatureTime: Date?,
    signed: Set<String>, withdrawn: Set<String>, minutes: [Int64: Int64]
  ) {
    self.petitionID = petitionID
    self.organization = organization
    self.count = count
    self.version = version
    self.updateTime = updateTime
    self.lastSignatureTime = lastSignatureTime
    self.signed = signed
    self.withdrawn = withdrawn
    self.minutes = minutes
  }

  /// The change a sign or withdraw outcome made.
  init(_ outcome: SignOutcome, organization: String, withdrawn: Bool, removed: Bool = false) {
    petitionID = outcome.signature.petitionID
    self.organization = organization
    count = outcome.signatureCount
    version = outcome.version
    updateTime = outcome.updateTime
    lastSignatureTime = outcome.lastSignatureTime
    if withdrawn { self.withdrawn = [outcome.signature.supporter] } else { signed = [outcome.signature.supporter] }
    minutes = [outcome.minuteStart: outcome.minuteCount]
    self.removed = removed
  }

  /// The change that removing a petition made.
  init(removed petitionID: String, organization: String, at time: Date) {
    self.petitionID = petitionID
    self.organization = organization
    count = 0
    version = 0
    updateTime = time
    removed = true
  }
}

/// Where petition-service publishes its committed changes.
public typealias PetitionChanges = CoalescingBroadcaster<PetitionChange>
