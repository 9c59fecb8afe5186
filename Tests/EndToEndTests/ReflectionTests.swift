import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GatewayService
import GroundswellAPI
import GroundswellRuntime
import SwiftProtobuf
import Testing

/// Server reflection on the gateway's public listener: the public services
/// only, both protocol versions, a valid key of any scope; and grpcurl (the
/// PyPI build scripts/test.sh installs, which speaks v1alpha) listing and
/// calling through it.
@Suite struct ReflectionTests {
  static let grpcurl = ProcessInfo.processInfo.environment["GROUNDSWELL_TEST_GRPCURL"]

  typealias Request = Grpc_Reflection_V1_ServerReflectionRequest
  typealias Response = Grpc_Reflection_V1_ServerReflectionResponse

  /// Sends `requests` on one v1 stream and returns the answers.
  func reflect(_ requests: [Request], key: String?, api: GatewayAPI) async throws -> [Response] {
    try await Grpc_Reflection_V1_ServerReflection.Client(wrapping: api.client).serverReflectionInfo(
      metadata: key.map { bearer($0) } ?? [:],
      requestProducer: { writer in try await writer.write(contentsOf: requests) },
      onResponse: { response in try await response.messages.reduce(into: []) { $0.append($1) } })
  }

  func files(_ response: Response) throws -> [Google_Protobuf_FileDescriptorProto] {
    try response.fileDescriptorResponse.fileDescriptorProto.map { try Google_Protobuf_FileDescriptorProto(serializedBytes: $0) }
  }

  @Test func listsThePublicServicesOnlyAndServesTheirFiles() async throws {
    let stack = try await sharedStack.value
    let (organization, _) = try await stack.makeOrganization()
    // Reflection needs a valid key, not a particular scope.
    let key = try await stack.makeKey(organization: organization, scopes: [.petitionsRead])
    try await stack.withGateway { api in
      let answers = try await reflect(
        [
          .with { $0.listServices = "" },
          .with { $0.fileContainingSymbol = "groundswell.petition.v1.PetitionService.SignPetition" },
          .with { $0.fileContainingSymbol = "groundswell.petition.v1.SignPetitionRequest" },
          .with { $0.fileContainingSymbol = "groundswell.supporter.v1.SupporterResolverService" },
          .with { $0.fileByFilename = "groundswell/petition/v1/petition_feed_service.proto" },
          .with { $0.allExtensionNumbersOfType = "google.protobuf.MethodOptions" },
          .with {
            $0.fileContainingExtension = .with {
              $0.containingType = "google.protobuf.MethodOptions"
              $0.extensionNumber = answersExtensionNumber
            }
          },
          .with { $0.fileContainingSymbol = String(repeating: "x", count: 100_000) },
          Request(),
        ], key: key, api: api)
      try #require(answers.count == 9)

      let services = answers[0].listServicesResponse.service.map(\.name)
      #expect(services == PublicDescriptors.generated.services)
      #expect(services.contains("groundswell.petition.v1.PetitionService"))
      #expect(services.contains("groundswell.gateway.v1.GatewayService"))
      #expect(services.contains("grpc.health.v1.Health"))
      #expect(services.contains("grpc.reflection.v1alpha.ServerReflection"))
      for internalService in ["PetitionFeedService", "PetitionPrivacyService", "SupporterResolverService", "CampaignFeedService"] {
        #expect(!services.contains { $0.hasSuffix("." + internalService) }, "\(internalService) is internal")
      }

      // The file first, then its imports, each once.
      let signFiles = try files(answers[1])
      #expect(signFiles.first?.name == "groundswell/petition/v1/petition_service.proto")
      let names = signFiles.map(\.name)
      #expect(Set(names).count == names.count)
      for needed in ["groundswell/petition/v1/petition.proto", "google/protobuf/timestamp.proto", "groundswell/api/v1/access.proto"] {
        #expect(names.contains(needed))
      }
      let service = try #require(signFiles.first?.service.first)
      #expect(service.method.contains { $0.name == "SignPetition" && $0.inputType == ".groundswell.petition.v1.SignPetitionRequest" })
      // Already sent on this stream: nothing again.
      #expect(try files(answers[2]).isEmpty)
      #expect(isFiles(answers[2]))

      for index in [3, 4, 7] {
        #expect(answers[index].errorResponse.errorCode == Int32(Status.Code.notFound.rawValue), "answer \(index)")
        #expect(answers[index].errorResponse.errorMessage.utf8.count < 200)
      }
      #expect(answers[5].allExtensionNumbersResponse.extensionNumber.contains(answersExtensionNumber))
      #expect(isFiles(answers[6]))
      #expect(answers[8].errorResponse.errorCode == Int32(Status.Code.invalidArgument.rawValue))
      #expect(answers[1].originalRequest.fileContainingSymbol == "groundswell.petition.v1.PetitionService.SignPetition")
    }
  }

  func isFiles(_ response: Response) -> Bool {
    if case .fileDescriptorResponse = response.messageResponse { return true }
    return false
  }

  /// The `groundswell.api.v1.access` option's field number.
  var answersExtensionNumber: Int32 { Int32(Groundswell_Api_V1_Extensions_access.fieldNumber) }

  @Test func noServiceOrMethodOfAnInternalListenerIsInAnyServedFile() throws {
    let descriptors = PublicDescriptors.generated
    let internalMethods = AccessDeclarations.generated.methods.values.filter { !$0.isPublic }
    try #require(!internalMethods.isEmpty)
    for file in descriptors.fileNames {
      let proto = try Google_Protobuf_FileDescriptorProto(serializedBytes: try #require(descriptors.files[file]))
      for service in proto.service {
        for method in service.method {
          let path = "\(proto.package).\(service.name)/\(method.name)"
          #expect(!internalMethods.contains { $0.descriptor.fullyQualifiedMethod == path }, "\(path) is internal")
        }
      }
    }
    // proto/groundswell.protoset holds the same files.
    let data = try Data(contentsOf: repositoryRoot.appendingPathComponent("proto/groundswell.protoset"))
    let set = try Google_Protobuf_FileDescriptorSet(serializedBytes: data)
    #expect(set.file.map(\.name).sorted() == descriptors.fileNames)
  }

  @Test func needsAValidKeyAndSpeaksV1Alpha() async throws {
    let stack = try await sharedStack.value
    let (_, key) = try await stack.makeOrganization()
    try await stack.withGateway { api in
      let error = await #expect(throws: RPCError.self) {
        _ = try await reflect([.with { $0.listServices = "" }], key: nil, api: api)
      }
      #expect(error?.code == .unauthenticated)
      let alpha = try await Grpc_Reflection_V1alpha_ServerReflection.Client(wrapping: api.client).serverReflectionInfo(
        metadata: bearer(key),
        requestProducer: { try await $0.write(.with { $0.listServices = "" }) },
        onResponse: { response in try await response.messages.reduce(into: []) { $0.append($1) } })
      #expect(alpha.first?.listServicesResponse.service.map(\.name) == PublicDescriptors.generated.services)
    }
  }

  @Test(.enabled(if: grpcurl != nil, "needs GROUNDSWELL_TEST_GRPCURL (scripts/test.sh installs grpcurl)"))
  func grpcurlListsDescribesAndCallsThroughReflection() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: organization, key: key, title: "Reflected petition")
    let common = ["-cacert", stack.pki.caFile, "-H", "authorization: Bearer \(key)"]
    let address = "127.0.0.1:\(stack.gateway.port)"

    let (listed, list) = try await runProgram(Self.grpcurl!, common + [address, "list"], environment: [:])
    try #require(listed == 0, "grpcurl list failed:\n\(list)")
    let services = list.split(separator: "\n").map(String.init)
    #expect(services.contains("groundswell.petition.v1.PetitionService"))
    #expect(!services.contains { $0.contains("Feed") || $0.contains("Resolver") })

    let (described, description) = try await runProgram(
      Self.grpcurl!, common + [address, "describe", "groundswell.petition.v1.PetitionService.SignPetition"], environment: [:])
    try #require(described == 0, "grpcurl describe failed:\n\(description)")
    #expect(description.contains("SignPetitionRequest"))

    let (called, answer) = try await runProgram(
      Self.grpcurl!, common + ["-d", "{\"name\": \"\(petition)\"}", address, "groundswell.petition.v1.PetitionService/GetPetition"],
      environment: [:])
    try #require(called == 0, "grpcurl call failed:\n\(answer)")
    #expect(answer.contains("Reflected petition"))

    // Without a key grpcurl cannot even list.
    let (refused, _) = try await runProgram(Self.grpcurl!, ["-cacert", stack.pki.caFile, address, "list"], environment: [:])
    #expect(refused != 0)
  }
}
