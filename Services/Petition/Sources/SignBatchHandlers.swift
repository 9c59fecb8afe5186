import Foundation
import GRPCCore
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime
import Logging

/// `SignBatchService/SignPetitions`: the partners' SignPetition calls that
/// reached the gateway together. Each call is signed as `signPetition` signs
/// one — with its own caller identity, deadline and request id, and a
/// request line of its own in the log — and all of them at once, so that
/// they share the resolver's batch and the group commit.
public struct SignBatchHandlers: Groundswell_Petition_V1_SignBatchService.SimpleServiceProtocol {
  typealias Call = Groundswell_Petition_V1_SignCall
  typealias CallResult = Groundswell_Petition_V1_SignCallResult

  let handlers: PetitionHandlers
  let logger: Logger

  public init(handlers: PetitionHandlers, logger: Logger) {
    self.handlers = handlers
    self.logger = logger
  }

  static let method = Groundswell_Petition_V1_PetitionService.Method.SignPetition.descriptor.fullyQualifiedMethod

  public func signPetitions(
    request: Groundswell_Petition_V1_SignPetitionsRequest, context: ServerContext
  ) async throws -> Groundswell_Petition_V1_SignPetitionsResponse {
    let calls = request.calls
    var violations: [FieldViolation] = []
    if !(1...SignBatch.maximumCalls).contains(calls.count) {
      violations.append(FieldViolation(field: "calls", description: "must hold 1 to \(SignBatch.maximumCalls) calls; it has \(calls.count)."))
    } else if let index = calls.firstIndex(where: { $0.request.count > SignBatch.maximumRequestBytes }) {
      violations.append(
        FieldViolation(field: "calls[\(index)].request", description: "must be at most \(SignBatch.maximumRequestBytes) bytes."))
    }
    if !violations.isEmpty { throw DomainError.invalidArgument(violations) }
    // The gateway, from its certificate: each call acts for its partner through it.
    let peer = CallContext.current.peerService
    // The calls go through the resolver's and the writer's batches together.
    let cohort = Cohort(members: calls.count)
    let results = await withTaskGroup(of: (Int, CallResult).self) { group in
      for (index, call) in calls.enumerated() {
        group.addTask { (index, await cohort.member { await sign(call, peer: peer, context: context) }) }
      }
      var results = [CallResult](repeating: CallResult(), count: calls.count)
      for await (index, result) in group { results[index] = result }
      return results
    }
    return .with { $0.results = results }
  }

  /// A trace id as the gateway sends it: 32 lower-case hex digits, or none.
  static func traceID(_ text: String) -> String? {
    guard text.utf8.count == 32, text.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else { return nil }
    return text
  }

  /// One call, answered as `PetitionService/SignPetition` would answer it.
  func sign(_ call: Call, peer: String?, context: ServerContext) async -> CallResult {
    let start = ContinuousClock.now
    let requestID = RequestID.accept(call.requestID) ?? RequestID.make()
    // The partner call's own trace: the batch's is its first call's.
    let traceID = Self.traceID(call.traceID)
    let identity = CallContext(
      peerService: peer, organization: call.organization.isEmpty ? nil : call.organization, isOperator: call.operator,
      deadline: SignBatch.deadline(start: start, timeoutMicroseconds: call.timeoutMicroseconds))
    let caller = identity.logName
    do {
      let response = try await CallContext.$current.withValue(identity) {
        try await RequestID.$current.withValue(requestID) {
          let request: Groundswell_Petition_V1_SignPetitionRequest
          do {
            request = try Groundswell_Petition_V1_SignPetitionRequest(serializedBytes: call.request)
          } catch {
            throw RPCError(code: .invalidArgument, message: "The request is not a valid SignPetitionRequest message.")
          }
          return try await handlers.signPetition(request: request, context: context)
        }
      }
      let bytes: [UInt8] = try response.serializedBytes()
      RequestLogInterceptor.log(logger, method: Self.method, code: nil, since: start, requestID: requestID, caller: caller, traceID: traceID)
      return .with { $0.response = Data(bytes) }
    } catch {
      let reply = RequestLogInterceptor.answer(error, logger: logger, method: Self.method, requestID: requestID, traceID: traceID)
      RequestLogInterceptor.log(
        logger, method: Self.method, code: reply.code, since: start, requestID: requestID, caller: caller, traceID: traceID)
      return .with { $0.error = SignBatch.error(reply) }
    }
  }
}
