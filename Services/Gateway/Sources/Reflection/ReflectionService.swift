import Foundation
import GRPCCore
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime
import SwiftProtobuf

/// gRPC server reflection (`grpc.reflection.v1` and, for grpcurl 1.8 and
/// other older tools, `grpc.reflection.v1alpha`) on the gateway's public
/// listener, from `PublicDescriptors`: public services only. Callers need a
/// valid API key of any scope (`APIKeyInterceptor.keyOnlyServices`).
///
/// A stream answers each request in turn and sends each file at most once
/// (a later request that needs it again gets only the files not yet sent,
/// as the protocol allows); it ends after `maximumRequests` requests, so
/// one stream cannot be used to make the gateway send without end.
public struct ReflectionService: Sendable {
  public static let maximumRequests = 1_000
  /// Symbol and file names longer than this are answered NOT_FOUND unread.
  public static let maximumNameBytes = 512

  let descriptors: PublicDescriptors

  public init(descriptors: PublicDescriptors = .generated) {
    self.descriptors = descriptors
  }

  public static let services = [ServiceDescriptor(fullyQualifiedService: "grpc.reflection.v1.ServerReflection"),
    ServiceDescriptor(fullyQualifiedService: "grpc.reflection.v1alpha.ServerReflection")]

  /// Answers a stream of requests (v1 messages; v1alpha's have the same wire
  /// form).
  func answer(
    _ requests: some AsyncSequence<Grpc_Reflection_V1_ServerReflectionRequest, any Error>,
    write: (Grpc_Reflection_V1_ServerReflectionResponse) async throws -> Void
  ) async throws {
    var sent = Set<String>()
    var count = 0
    for try await request in requests {
      count += 1
      guard count <= Self.maximumRequests else {
        throw RPCError(
          code: .resourceExhausted,
          message: "A reflection stream answers at most \(Self.maximumRequests) requests; open a new one.")
      }
      try await write(response(to: request, sent: &sent))
    }
  }

  func response(
    to request: Grpc_Reflection_V1_ServerReflectionRequest, sent: inout Set<String>
  ) -> Grpc_Reflection_V1_ServerReflectionResponse {
    var response = Grpc_Reflection_V1_ServerReflectionResponse()
    response.validHost = request.host.utf8.count <= Self.maximumNameBytes ? request.host : ""
    response.originalRequest = request
    func files(_ name: String) {
      let found = descriptors.withDependencies(name, skipping: sent)
      for (file, _) in found { sent.insert(file) }
      response.fileDescriptorResponse = .with { $0.fileDescriptorProto = found.map(\.1) }
    }
    func notFound(_ what: String) {
      response.errorResponse = .with {
        $0.errorCode = Int32(Status.Code.notFound.rawValue)
        $0.errorMessage = what
      }
    }
    switch request.messageRequest {
    case .listServices:
      response.listServicesResponse = .with { list in
        list.service = descriptors.services.map { name in .with { $0.name = name } }
      }
    case .fileByFilename(let name):
      if name.utf8.count <= Self.maximumNameBytes, descriptors.files[name] != nil {
        files(name)
      } else {
        notFound("No file `\(Echo.prefix(name))` among the public API's files.")
      }
    case .fileContainingSymbol(let symbol):
      let symbol = symbol.hasPrefix(".") ? String(symbol.dropFirst()) : symbol
      if symbol.utf8.count <= Self.maximumNameBytes, let file = descriptors.symbols[symbol] {
        files(file)
      } else {
        notFound("No symbol `\(Echo.prefix(symbol))` in the public API.")
      }
    case .fileContainingExtension(let extensionRequest):
      let type = extensionRequest.containingType
      if type.utf8.count <= Self.maximumNameBytes, let file = descriptors.extensions[type]?[extensionRequest.extensionNumber] {
        files(file)
      } else {
        notFound("No extension \(extensionRequest.extensionNumber) of `\(Echo.prefix(type))` in the public API.")
      }
    case .allExtensionNumbersOfType(let type):
      if type.utf8.count <= Self.maximumNameBytes, descriptors.isMessageType(type) {
        response.allExtensionNumbersResponse = .with {
          $0.baseTypeName = type
          $0.extensionNumber = (descriptors.extensions[type] ?? [:]).keys.sorted()
        }
      } else {
        notFound("No message type `\(Echo.prefix(type))` in the public API.")
      }
    case nil:
      response.errorResponse = .with {
        $0.errorCode = Int32(Status.Code.invalidArgument.rawValue)
        $0.errorMessage = "Set one of the request's fields: list_services, file_by_filename, file_containing_symbol, "
          + "file_containing_extension or all_extension_numbers_of_type."
      }
    }
    return response
  }
}

extension ReflectionService: Grpc_Reflection_V1_ServerReflection.SimpleServiceProtocol {
  public func serverReflectionInfo(
    request: RPCAsyncSequence<Grpc_Reflection_V1_ServerReflectionRequest, any Error>,
    response: RPCWriter<Grpc_Reflection_V1_ServerReflectionResponse>,
    context: ServerContext
  ) async throws {
    try await answer(request) { try await response.write($0) }
  }
}

/// The same service under `grpc.reflection.v1alpha`.
public struct ReflectionServiceV1Alpha: Grpc_Reflection_V1alpha_ServerReflection.SimpleServiceProtocol {
  let service: ReflectionService

  public init(_ service: ReflectionService) {
    self.service = service
  }

  public func serverReflectionInfo(
    request: RPCAsyncSequence<Grpc_Reflection_V1alpha_ServerReflectionRequest, any Error>,
    response: RPCWriter<Grpc_Reflection_V1alpha_ServerReflectionResponse>,
    context: ServerContext
  ) async throws {
    let requests = request.map { try Grpc_Reflection_V1_ServerReflectionRequest(serializedBytes: $0.serializedBytes() as [UInt8]) }
    try await service.answer(requests) {
      try await response.write(Grpc_Reflection_V1alpha_ServerReflectionResponse(serializedBytes: $0.serializedBytes() as [UInt8]))
    }
  }
}
