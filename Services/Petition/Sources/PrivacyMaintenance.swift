import Foundation
import GroundswellRuntime
import Logging

/// The background work that keeps petition-service from holding personal
/// data longer than it may: signatures on long-closed petitions become
/// anonymous, retry answers expire, and the WAL is emptied so that what was
/// deleted is gone from the files too. Time comes from `now`, so the rules
/// are tested by moving a clock, not by waiting.
public struct PrivacyMaintenance: Sendable {
  let repository: any PetitionRepository
  let changes: PetitionChanges
  let policy: RetentionPolicy
  let now: @Sendable () -> Date
  let logger: Logger

  /// Signatures made anonymous per transaction, so a large backlog never
  /// holds the writer for long.
  static let batch = 500

  public init(
    repository: any PetitionRepository, changes: PetitionChanges, policy: RetentionPolicy,
    now: @escaping @Sendable () -> Date, logger: Logger
  ) {
    self.repository = repository
    self.changes = changes
    self.policy = policy
    self.now = now
    self.logger = logger
  }

  /// One pass; errors are logged and the next pass tries again.
  public func run() async {
    do {
      let time = now()
      var anonymized = 0
      while !Task.isCancelled {
        let petitions = try await repository.anonymizeClosed(
          closedBefore: time.addingTimeInterval(-policy.signatures.seconds), limit: Self.batch, now: time)
        for petition in petitions { changes.publish(petition.change) }
        let count = petitions.reduce(0) { $0 + $1.anonymizedCount }
        anonymized += count
        if count < Self.batch { break }
      }
      let expired = try await repository.expireRetryAnswers(before: time.addingTimeInterval(-policy.retryAnswers.seconds))
      // Signatures never verified go a day after their token expired.
      let unverified = try await repository.purgeUnverified(expiredBefore: time.addingTimeInterval(-86_400))
      await emptyingWAL(repository.checkpoint, logger: logger)
      if anonymized > 0 || expired > 0 || unverified > 0 {
        logger.info(
          "retention pass",
          metadata: [
            "signatures_anonymized": "\(anonymized)", "retry_answers_expired": "\(expired)",
            "unverified_signatures_purged": "\(unverified)",
          ])
      }
    } catch {
      logger.error("retention pass failed; the next pass retries", metadata: ["error": "\(error)"])
    }
  }
}
