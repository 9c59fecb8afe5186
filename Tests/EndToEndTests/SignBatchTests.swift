import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime
import Testing

/// The gateway sends the SignPetition calls that arrive together to
/// petition-service in one `SignBatchService/SignPetitions` call. Each call
/// must still be answered as if it had gone alone: its own caller's
/// identity, its own status and details, nothing counted twice or lost.
@Suite struct SignBatchTests {
  /// What one concurrent caller did, and what it was answered.
  enum Kind: CaseIterable { case ownNew, partnerNew, partnerOnDraft, badEmail, partnerRepeat, ownRepeat }

  struct Answer: Sendable {
    var kind: Kind
    var response: Groundswell_Petition_V1_SignPetitionResponse?
    var error: RPCError?
  }

  @Test func concurrentCallersFromTwoOrganizationsEachGetTheirOwnAnswer() async throws {
    let stack = try await sharedStack.value
    let (a, aKey) = try await stack.makeOrganization()
    let (b, bKey) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: a, key: aKey)
    let draft = try await stack.withGateway { api in
      try await api.petitions.createPetition(
        .with {
          $0.parent = a
          $0.petition = .with { $0.title = "Still a draft" }
        }, metadata: bearer(aKey)
      ).petition.name
    }
    let tag = UUID().uuidString.prefix(8).lowercased()
    let first = "first-\(tag)@example.org"
    let rounds = 12
    let answers = try await stack.withGateway { api in
      let before = try await api.petitions.signPetition(signRequest(petition, email: first, given: "Fay"), metadata: bearer(aKey))
      #expect(!before.alreadySigned)
      return await withTaskGroup(of: Answer.self) { group in
        for round in 0..<rounds {
          for kind in Kind.allCases {
            group.addTask {
              let (key, request): (String, Groundswell_Petition_V1_SignPetitionRequest) =
                switch kind {
                case .ownNew: (aKey, signRequest(petition, email: "own-\(round)-\(tag)@example.org"))
                case .partnerNew: (bKey, signRequest(petition, email: "partner-\(round)-\(tag)@example.org"))
                case .partnerOnDraft: (bKey, signRequest(draft, email: "draft-\(round)-\(tag)@example.org"))
                case .badEmail: (aKey, signRequest(petition, email: "not-an-address-\(round)"))
                case .partnerRepeat: (bKey, signRequest(petition, email: first, given: "Probe"))
                case .ownRepeat: (aKey, signRequest(petition, email: first, given: "Fay"))
                }
              do {
                return Answer(kind: kind, response: try await api.petitions.signPetition(request, metadata: bearer(key)))
              } catch {
                return Answer(kind: kind, error: error as? RPCError ?? RPCError(code: .unknown, message: "\(error)"))
              }
            }
          }
        }
        var answers: [Answer] = []
        for await answer in group { answers.append(answer) }
        return answers
      }
    }
    #expect(answers.count == rounds * Kind.allCases.count)
    for answer in answers {
      switch answer.kind {
      case .ownNew, .partnerNew:
        let collector = answer.kind == .ownNew ? a : b
        #expect(answer.response?.alreadySigned == false, "\(answer.kind): \(String(describing: answer.error))")
        #expect(answer.response?.signature.collectedBy == collector, "\(answer.kind) is collected by its own caller")
      case .partnerOnDraft:
        // Another organization's draft answers like a name that does not exist.
        #expect(answer.error?.code == .notFound, "\(String(describing: answer.error))")
      case .badEmail:
        #expect(answer.error?.code == .invalidArgument)
        #expect(badFields(answer.error) == ["signer.email"], "the field violations come through the batch")
      case .partnerRepeat:
        // Not told to B: the repeat answers like a first signature.
        #expect(answer.response?.alreadySigned == false && answer.response?.signature.collectedBy == b)
      case .ownRepeat:
        #expect(answer.response?.alreadySigned == true && answer.response?.signature.collectedBy == a)
      }
    }
    // Exactly the new signers counted: the first, and 2 per round.
    let count = try await stack.withGateway { api in
      try await api.petitions.getPetition(.with { $0.name = petition }, metadata: bearer(aKey)).petition.signatureCount
    }
    #expect(count == Int64(1 + 2 * rounds))
  }

  /// A request too large for a batch (here, an over-long comment) is
  /// forwarded on its own, and answered the same way.
  @Test func aRequestTooLargeForABatchIsForwardedAlone() async throws {
    let stack = try await sharedStack.value
    let (a, aKey) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: a, key: aKey)
    let long = String(repeating: "é", count: SignBatch.maximumRequestBytes / 2 + 100)
    let error = try await stack.withGateway { api in
      await rpcError {
        _ = try await api.petitions.signPetition(
          signRequest(petition, email: "long@example.org") { $0.comment = long }, metadata: bearer(aKey))
      }
    }
    #expect(error?.code == .invalidArgument)
    #expect(badFields(error) == ["comment"])
  }

  /// The internal method itself, called as the gateway: its limits, a call
  /// whose bytes are not a request, and each call's own identity.
  @Test func theBatchMethodChecksItsLimitsAndEachCallsIdentity() async throws {
    let stack = try await sharedStack.value
    let (a, aKey) = try await stack.makeOrganization()
    let (b, _) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: a, key: aKey)
    let transport = try HTTP2ClientTransport.Posix(
      target: .ipv4(address: "127.0.0.1", port: stack.petition.port),
      transportSecurity: stack.pki.files(for: ServiceName.gateway).clientMutualTLS)
    try await withGRPCClient(transport: transport) { client in
      let batches = Groundswell_Petition_V1_SignBatchService.Client(wrapping: client)
      let empty = await rpcError { _ = try await batches.signPetitions(.init()) }
      #expect(empty?.code == .invalidArgument && badFields(empty) == ["calls"])
      let tooMany = await rpcError {
        _ = try await batches.signPetitions(.with { $0.calls = Array(repeating: .init(), count: SignBatch.maximumCalls + 1) })
      }
      #expect(tooMany?.code == .invalidArgument && badFields(tooMany) == ["calls"])

      let tag = UUID().uuidString.prefix(8).lowercased()
      let results = try await batches.signPetitions(
        .with {
          $0.calls = [
            .with {
              $0.request = try! signRequest(petition, email: "b-\(tag)@example.org").serializedData()
              $0.organization = b
              $0.timeoutMicroseconds = 5_000_000
            },
            .with { $0.request = Data([0xFF, 0xFF, 0xFF]) },
            .with {
              $0.request = try! signRequest(petition, email: "op-\(tag)@example.org").serializedData()
              $0.operator = true
            },
          ]
        }
      ).results
      #expect(results.count == 3)
      guard results.count == 3 else { return }
      guard case .response(let bytes) = results[0].result else {
        Issue.record("the first call failed: \(results[0])")
        return
      }
      #expect(try Groundswell_Petition_V1_SignPetitionResponse(serializedBytes: bytes).signature.collectedBy == b)
      guard case .error(let error) = results[1].result else {
        Issue.record("undecodable bytes were signed: \(results[1])")
        return
      }
      #expect(error.code == Int32(RPCError.Code.invalidArgument.rawValue))
      guard case .response(let operatorBytes) = results[2].result else {
        Issue.record("the operator's call failed: \(results[2])")
        return
      }
      #expect(try Groundswell_Petition_V1_SignPetitionResponse(serializedBytes: operatorBytes).signature.collectedBy == "")
    }
  }

  /// A status crosses the batch with its code, message and details; a code
  /// that is no gRPC status (or OK) becomes INTERNAL; deadlines are clamped.
  @Test func statusesAndDeadlinesCrossTheBatchIntact() throws {
    let refused = DomainError.invalidArgument([FieldViolation(field: "signer.email", description: "is required")])
    let original = RPCError(code: refused.rpcErrorCode, message: refused.rpcErrorMessage, metadata: refused.rpcErrorMetadata)
    let carried = SignBatch.rpcError(SignBatch.error(original))
    #expect(carried.code == .invalidArgument && carried.message == original.message)
    #expect(badFields(carried) == ["signer.email"])
    for code: Int32 in [0, 17, -1, .max] {
      #expect(SignBatch.rpcError(.with { $0.code = code }).code == .internalError, "code \(code)")
    }
    let start = ContinuousClock.now
    #expect(SignBatch.deadline(start: start, timeoutMicroseconds: 0) == nil)
    #expect(SignBatch.deadline(start: start, timeoutMicroseconds: -5) == nil)
    #expect(SignBatch.deadline(start: start, timeoutMicroseconds: .max) == start + SignBatch.maximumTimeout)
    #expect(SignBatch.deadline(start: start, timeoutMicroseconds: 2_000) == start + .milliseconds(2))
    #expect(SignBatch.timeoutMicroseconds(CallContext()) == 0)
    let soon = SignBatch.timeoutMicroseconds(CallContext(deadline: .now + .seconds(2)))
    #expect((1...2_000_000).contains(soon))
    #expect(SignBatch.timeoutMicroseconds(CallContext(deadline: .now - .seconds(1))) >= 1, "a passed deadline still sends one")
  }
}
