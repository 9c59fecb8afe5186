import Foundation
import GroundswellRuntime
import Logging

/// Carries erasures to completion: first the signatures become anonymous at
/// petition-service (idempotent), then, in one transaction, this service's
/// records go and the erasure is marked complete. An erasure interrupted
/// anywhere — a crash, petition-service down — stays pending and is resumed
/// at start and every pass after, so it always finishes.
public struct Erasures: Sendable {
  let repository: any SupporterRepository
  let keeper: any SignatureKeeper
  let logger: Logger

  public init(repository: any SupporterRepository, keeper: any SignatureKeeper, logger: Logger) {
    self.repository = repository
    self.keeper = keeper
    self.logger = logger
  }

  /// Runs one pending erasure; returns it as it then stands (still pending
  /// if petition-service could not be reached).
  func finish(_ erasure: ErasureRecord) async -> ErasureRecord {
    let done: ErasureRecord
    do {
      let anonymized = try await keeper.anonymize("supporters/\(erasure.supporterID)", organization: erasure.organization)
      done = try await repository.completeErasure(
        of: erasure.supporterID, organization: erasure.organization, signaturesAnonymized: anonymized, now: Date())
    } catch {
      logger.warning(
        "erasure still pending; it is retried", metadata: ["supporter": "\(erasure.supporterID)", "error": "\(error)"])
      return erasure
    }
    logger.info(
      "erasure complete", metadata: ["supporter": "\(erasure.supporterID)", "signatures_anonymized": "\(done.signaturesAnonymized)"])
    await emptyingWAL(repository.checkpoint, logger: logger)
    return done
  }


  /// Resumes every pending erasure, then empties the WAL (what consent
  /// changes and erasures overwrote goes from it too).
  public func resumePending() async {
    do {
      for erasure in try await repository.pendingErasures() {
        if Task.isCancelled { return }
        _ = await finish(erasure)
      }
    } catch {
      logger.error("reading pending erasures failed; the next pass retries", metadata: ["error": "\(error)"])
    }
    await emptyingWAL(repository.checkpoint, logger: logger)
  }
}
