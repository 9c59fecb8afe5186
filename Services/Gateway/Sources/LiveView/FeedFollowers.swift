import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GroundswellAPI
import GroundswellRuntime
import Logging
import ServiceLifecycle
import Synchronization

/// Follows a feed for as long as the gateway runs: connects, loads the
/// snapshot, applies changes; on any failure marks the feed's figures stale,
/// waits (exponential backoff with jitter, 100 ms up to 5 s, back to 100 ms
/// after any connection that delivered a message) and connects again, which
/// reloads the whole snapshot, so the view never drifts.
struct FeedFollower: Service {
  let source: LiveView.Source
  let view: LiveView
  let logger: Logger
  /// One connection: returns or throws when the stream ends; beats the
  /// pulse on every message.
  let follow: @Sendable (Pulse) async throws -> Void
  /// Waits between attempts (a test records the waits instead).
  var pause: @Sendable (Duration) async -> Void = { try? await Task.sleep(for: $0) }

  /// A stream silent for this long is treated as broken.
  static let silence: TimeInterval = 5

  func run() async throws {
    await cancelWhenGracefulShutdown {
      var backoff = ReconnectBackoff()
      while !Task.isCancelled {
        let started = ContinuousClock.now
        let failure: String
        let pulse = Pulse()
        do {
          try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await follow(pulse) }
            group.addTask { try await pulse.watch(silence: Self.silence) }
            try await group.next()
            group.cancelAll()
          }
          failure = "the feed ended"
        } catch {
          failure = Task.isCancelled ? "the gateway is stopping" : rootCause(of: error)
        }
        if Task.isCancelled { break }
        view.lost(source, failure: failure)
        logger.warning("feed lost", metadata: ["source": "\(source)", "reason": "\(failure)"])
        if pulse.delivered { backoff.reset() }
        await pause(backoff.next(afterAttemptStartedAt: started))
      }
    }
  }
}

/// When a feed's stream last delivered a message.
final class Pulse: Sendable {
  private let last = Mutex((time: ContinuousClock.now, delivered: false))

  func beat() { last.withLock { $0 = (.now, true) } }

  /// Whether any message arrived: the connection worked.
  var delivered: Bool { last.withLock { $0.delivered } }

  /// Throws once no message arrived for `silence` seconds.
  func watch(silence: TimeInterval) async throws {
    while true {
      try await Task.sleep(for: .seconds(1))
      if last.withLock({ $0.time }).duration(to: .now) > .seconds(silence) { throw FeedError.silent(silence) }
    }
  }
}

enum FeedError: Error, CustomStringConvertible {
  case silent(TimeInterval)
  var description: String {
    switch self {
    case .silent(let seconds): "no message for \(Int(seconds)) s"
    }
  }
}

/// Reads petition-service's feed into the view.
struct PetitionFeedReader: Sendable {
  let client: Groundswell_Petition_V1_PetitionFeedService.Client<HTTP2ClientTransport.Posix>
  let view: LiveView

  /// Follows the feed: snapshot, then changes. With `reconcile`, reads only
  /// the snapshot and returns how many petitions it found newer than the
  /// view (updates the view had lost, now repaired).
  @discardableResult
  func read(reconcile: Bool, pulse: Pulse = Pulse()) async throws -> Int {
    try await client.watchPetitionFeed(.with { $0.includeRecentMinutes = true }) { response in
      var snapshot = PetitionSnapshot()
      var repaired = 0
      for try await message in response.messages {
        pulse.beat()
        let asOf = message.asOfTime.date
        if !snapshot.isComplete {
          // A reconcile's snapshot may be older than what the live stream
          // already applied; a new connection's is the source's present.
          repaired += view.merge(
            snapshot.add(message.petitions, last: message.snapshotComplete), countingRepairs: reconcile, authoritative: !reconcile)
          if message.snapshotComplete {
            snapshot.isComplete = true
            view.withState { $0.removePetitions(notIn: snapshot.seen) }
            Allocator.releaseFreedMemory()
            if reconcile { return repaired }
            view.heard(.signatures, asOf: asOf)
          }
        } else {
          view.apply(message.petitions)
          view.heard(.signatures, asOf: asOf)
        }
      }
      return repaired
    }
  }
}

/// Gathers a snapshot that may split one petition's signers across messages.
struct PetitionSnapshot {
  var seen = Set<String>()
  var isComplete = false
  private var open: (name: String, entry: PetitionEntry)?

  /// Adds a message's entries; returns the petitions now complete.
  mutating func add(_ figures: [Groundswell_Petition_V1_PetitionFigures], last: Bool) -> [(String, PetitionEntry)] {
    var complete: [(String, PetitionEntry)] = []
    for item in figures {
      if let current = open, current.name == item.petition {
        open!.entry.supporters.formUnion(item.supporters.lazy.map(SupporterKey.of))
        continue
      }
      if let current = open { complete.append(current) }
      seen.insert(item.petition)
      open = (item.petition, PetitionEntry(item))
    }
    if last, let current = open {
      complete.append(current)
      open = nil
    }
    return complete
  }
}

extension PetitionEntry {
  init(_ figures: Groundswell_Petition_V1_PetitionFigures) {
    self.init(
      organization: figures.organization, count: figures.signatureCount, version: figures.version,
      lastSignature: figures.hasLastSignatureTime ? figures.lastSignatureTime.date : nil,
      listed: true, supporters: SignerSet(figures.supporters.lazy.map(SupporterKey.of)),
      minutes: RecentMinutes(Dictionary(figures.minutes.map { ($0.minuteStartSeconds / 60, $0.signatureCount) }) { $1 }))
  }
}

extension LiveView {
  /// Replaces petitions with snapshot figures; returns how many differed
  /// from what the view held. A reconcile counts those as repairs under the
  /// same lock, so nobody sees a repaired figure before the repair count.
  func merge(_ entries: [(String, PetitionEntry)], countingRepairs: Bool, authoritative: Bool = false) -> Int {
    withState { state in
      let changed = entries.reduce(0) { $0 + (state.replace($1.0, with: $1.1, authoritative: authoritative) ? 1 : 0) }
      if countingRepairs { state.repairs += changed }
      return changed
    }
  }

  func apply(_ changes: [Groundswell_Petition_V1_PetitionFigures]) {
    withState { state in
      for change in changes {
        if change.removed {
          state.dropFigures(of: change.petition)
          continue
        }
        state.apply(
          change.petition, organization: change.organization, count: change.signatureCount, version: change.version,
          lastSignature: change.hasLastSignatureTime ? change.lastSignatureTime.date : nil,
          signed: change.supporters.map(SupporterKey.of), withdrawn: change.withdrawnSupporters.map(SupporterKey.of),
          minutes: Dictionary(change.minutes.map { ($0.minuteStartSeconds / 60, $0.signatureCount) }) { $1 })
      }
    }
  }
}

/// Reads campaign-service's feed into the view.
struct CampaignFeedReader: Sendable {
  let client: Groundswell_Campaign_V1_CampaignFeedService.Client<HTTP2ClientTransport.Posix>
  let view: LiveView

  @discardableResult
  func read(reconcile: Bool, pulse: Pulse = Pulse()) async throws -> Int {
    try await client.watchCampaignFeed(.init()) { response in
      var seen = Set<String>()
      var complete = false
      var repaired = 0
      for try await message in response.messages {
        pulse.beat()
        let changed = view.withState { state in
          let changed = message.campaigns.reduce(0) { changed, campaign in
            if !complete { seen.insert(campaign.campaign) }
            let applied = state.apply(
              campaign: campaign.campaign, title: campaign.title, organization: campaign.organization,
              members: campaign.memberOrganizations, petitions: campaign.petitions, version: campaign.version,
              sequence: campaign.sequence, authoritative: !reconcile && !complete)
            return changed + (applied ? 1 : 0)
          }
          // Counted under the lock that applied them (see `merge`).
          if reconcile && !complete { state.repairs += changed }
          return changed
        }
        if !complete {
          repaired += changed
          guard message.snapshotComplete else { continue }
          complete = true
          view.withState { $0.removeCampaigns(notIn: seen) }
          Allocator.releaseFreedMemory()
          if reconcile { return repaired }
        }
        view.heard(.membership, asOf: message.asOfTime.date)
      }
      return repaired
    }
  }
}
