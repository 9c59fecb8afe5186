import Foundation
import GRPCCore
import GroundswellAPI
import SwiftProtobuf

/// What an API key may do: the `groundswell.api.v1.Scope`s by the names
/// partners and operators use.
public enum APIScope: String, CaseIterable, Sendable, Comparable {
  case petitionsRead = "petitions.read"
  case petitionsWrite = "petitions.write"
  case signaturesWrite = "signatures.write"
  case supportersRead = "supporters.read"
  case supportersWrite = "supporters.write"
  case totalsRead = "totals.read"
  case keysManage = "keys.manage"
  case webhooksManage = "webhooks.manage"
  case `operator` = "operator"

  /// The scopes a partner key gets unless it is created with fewer: all but
  /// `operator`.
  public static let partnerDefault: Set<APIScope> = Set(allCases).subtracting([.operator])

  init?(_ scope: Groundswell_Api_V1_Scope) {
    switch scope {
    case .petitionsRead: self = .petitionsRead
    case .petitionsWrite: self = .petitionsWrite
    case .signaturesWrite: self = .signaturesWrite
    case .supportersRead: self = .supportersRead
    case .supportersWrite: self = .supportersWrite
    case .totalsRead: self = .totalsRead
    case .keysManage: self = .keysManage
    case .webhooksManage: self = .webhooksManage
    case .operator: self = .operator
    case .unspecified, .UNRECOGNIZED: return nil
    }
  }

  public static func < (lhs: APIScope, rhs: APIScope) -> Bool {
    allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
  }

  /// Parses a comma-separated list such as `petitions.read,totals.read`.
  public static func parseList(_ text: String) -> Result<Set<APIScope>, ScopeListError> {
    var scopes = Set<APIScope>()
    for part in text.split(separator: ",") {
      let name = part.trimmingCharacters(in: .whitespaces)
      guard let scope = APIScope(rawValue: name) else { return .failure(ScopeListError(unknown: String(name.prefix(40)))) }
      scopes.insert(scope)
    }
    return .success(scopes)
  }

  /// Writes scopes in their canonical order, comma-separated.
  public static func list(_ scopes: Set<APIScope>) -> String {
    scopes.sorted().map(\.rawValue).joined(separator: ",")
  }
}

/// An unknown scope name in a list.
public struct ScopeListError: Error, CustomStringConvertible {
  public var unknown: String
  public var description: String {
    "`\(unknown)` is not a scope; scopes are \(APIScope.allCases.map(\.rawValue).joined(separator: ", "))"
  }
}

/// The `groundswell.api.v1.access` declaration of one RPC.
public struct DeclaredMethod: Sendable, Hashable {
  public var descriptor: MethodDescriptor
  /// Partners call it through the gateway; otherwise only listed services.
  public var isPublic: Bool
  /// For a public RPC, the scope the caller's key needs.
  public var scope: APIScope?
  /// The services that may call it on an internal listener (besides the
  /// gateway, for a public RPC).
  public var callers: Set<String>

  public var isServerStreaming: Bool { descriptor.type?.isResponseStreaming ?? false }

  /// Whether a peer with this certificate name may call it on an internal
  /// listener.
  public func admits(peer: String) -> Bool {
    callers.contains(peer) || (isPublic && peer == ServiceName.gateway)
  }
}

/// Every RPC of every Groundswell service with who may call it, read from the
/// descriptor set `scripts/generate-protos.sh` generates with the code. The
/// gateway forwards and authorizes from this alone; the internal listeners
/// admit their peers by it.
public struct AccessDeclarations: Sendable {
  /// Every RPC in `groundswell.*` packages, by full method path.
  public let methods: [String: DeclaredMethod]
  /// The `groundswell.*` RPCs that have no declaration (the test suite
  /// fails while any exists; nobody may call them).
  public let undeclared: [MethodDescriptor]

  /// The declarations of the generated code. Should they not decode (a
  /// build defect the tests catch), nothing is declared and every call is
  /// refused: access fails closed, and every service refuses to start
  /// (`checkGenerated`, called by each composition root).
  public static let generated: AccessDeclarations =
    (try? AccessDeclarations(base64: GroundswellDescriptors.fileDescriptorSetBase64)) ?? AccessDeclarations()

  /// Throws when the generated declarations do not decode.
  public static func checkGenerated() throws {
    do {
      _ = try AccessDeclarations(base64: GroundswellDescriptors.fileDescriptorSetBase64)
    } catch {
      throw StartupError("the generated access declarations do not decode (\(error)); regenerate with scripts/generate-protos.sh")
    }
  }

  private init() {
    methods = [:]
    undeclared = []
  }

  public init(base64: String) throws {
    guard let data = Data(base64Encoded: base64, options: .ignoreUnknownCharacters) else {
      throw StartupError("the descriptor set is not base64")
    }
    let options: SimpleExtensionMap = [Groundswell_Api_V1_Extensions_access]
    let set = try Google_Protobuf_FileDescriptorSet(serializedBytes: data, extensions: options)
    var methods: [String: DeclaredMethod] = [:]
    var undeclared: [MethodDescriptor] = []
    for file in set.file where file.package.hasPrefix("groundswell.") {
      for service in file.service {
        for method in service.method {
          let type: MethodDescriptor.RPCType =
            method.clientStreaming
            ? (method.serverStreaming ? .bidirectionalStreaming : .clientStreaming)
            : (method.serverStreaming ? .serverStreaming : .unary)
          let descriptor = MethodDescriptor(
            service: ServiceDescriptor(fullyQualifiedService: "\(file.package).\(service.name)"), method: method.name,
            type: type)
          let access = method.options.Groundswell_Api_V1_access
          guard method.options.hasGroundswell_Api_V1_access, access.audience == Groundswell_Api_V1_Audience.public || access.audience == Groundswell_Api_V1_Audience.internal else {
            undeclared.append(descriptor)
            continue
          }
          let isPublic = access.audience == Groundswell_Api_V1_Audience.public
          let scope = APIScope(access.scope)
          if isPublic && scope == nil {
            undeclared.append(descriptor)
            continue
          }
          methods[descriptor.fullyQualifiedMethod] = DeclaredMethod(
            descriptor: descriptor, isPublic: isPublic, scope: isPublic ? scope : nil, callers: Set(access.callers))
        }
      }
    }
    self.methods = methods
    self.undeclared = undeclared
  }

  /// The declaration of a method, by its path (a transport's descriptors
  /// carry no RPC type).
  public func method(_ descriptor: MethodDescriptor) -> DeclaredMethod? {
    methods[descriptor.fullyQualifiedMethod]
  }

  /// The public RPCs, sorted by path.
  public var publicMethods: [DeclaredMethod] {
    methods.values.filter(\.isPublic).sorted { $0.descriptor.fullyQualifiedMethod < $1.descriptor.fullyQualifiedMethod }
  }

  /// Whether a peer may call a method on an internal listener. RPCs outside
  /// `groundswell.*` (the standard health service) are open to every peer
  /// with a certificate from the deployment's CA; undeclared Groundswell RPCs
  /// to none.
  public func admits(peer: String, to descriptor: MethodDescriptor) -> Bool {
    if let method = method(descriptor) { return method.admits(peer: peer) }
    return !descriptor.service.fullyQualifiedService.hasPrefix("groundswell.")
  }
}
