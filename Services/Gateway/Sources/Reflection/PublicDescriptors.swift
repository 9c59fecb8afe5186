import Foundation
import GroundswellAPI
import GroundswellRuntime
import SwiftProtobuf

/// The public API as server reflection shows it: the proto files that
/// declare a public method, the health and reflection services, and their
/// imports, from the descriptor set compiled into the binary. Internal
/// services and methods are cut out of every file, so their names never
/// leave the deployment. Built once at start.
public struct PublicDescriptors: Sendable {
  /// Fully qualified service names, sorted.
  public let services: [String]
  /// Each served file's `FileDescriptorProto`, serialized, by file name.
  public let files: [String: Data]
  /// Each served file's imports.
  let dependencies: [String: [String]]
  /// The file that declares each fully qualified symbol: services, methods,
  /// messages, enums and their values, fields and extensions.
  let symbols: [String: String]
  /// Extensions by the message they extend: field number → file.
  let extensions: [String: [Int32: String]]
  /// Every message type's full name.
  let messageTypes: Set<String>

  /// The services served at the edge besides the public ones.
  static let edgeServices = ["grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"]

  public static let generated: PublicDescriptors = {
    guard let data = Data(base64Encoded: GroundswellDescriptors.fileDescriptorSetBase64, options: .ignoreUnknownCharacters),
      let set = try? Google_Protobuf_FileDescriptorSet(serializedBytes: data)
    else { return PublicDescriptors(set: Google_Protobuf_FileDescriptorSet(), declarations: .generated) }
    return PublicDescriptors(set: set, declarations: .generated)
  }()

  public init(set: Google_Protobuf_FileDescriptorSet, declarations: AccessDeclarations) {
    let publicMethods = Set(declarations.publicMethods.map(\.descriptor.fullyQualifiedMethod))
    let edge = Set(Self.edgeServices)
    var byName: [String: Google_Protobuf_FileDescriptorProto] = [:]
    var roots: [String] = []
    for var file in set.file {
      let package = file.package.isEmpty ? "" : file.package + "."
      var kept: [Google_Protobuf_ServiceDescriptorProto] = []
      for var service in file.service {
        let name = package + service.name
        if !edge.contains(name) {
          service.method = service.method.filter { publicMethods.contains("\(name)/\($0.name)") }
        }
        if edge.contains(name) || !service.method.isEmpty { kept.append(service) }
      }
      if !kept.isEmpty { roots.append(file.name) }
      file.service = kept
      byName[file.name] = file
    }
    // The roots and everything they import.
    var served = Set<String>()
    var pending = roots
    while let name = pending.popLast() {
      guard let file = byName[name], served.insert(name).inserted else { continue }
      pending += file.dependency
    }
    var files: [String: Data] = [:]
    var dependencies: [String: [String]] = [:]
    var symbols: [String: String] = [:]
    var extensions: [String: [Int32: String]] = [:]
    var messageTypes = Set<String>()
    var services: [String] = []
    for name in served {
      guard let file = byName[name] else { continue }
      files[name] = (try? file.serializedBytes()) ?? Data()
      dependencies[name] = file.dependency.filter(served.contains)
      let package = file.package.isEmpty ? "" : file.package + "."
      for service in file.service {
        services.append(package + service.name)
        symbols[package + service.name] = name
        for method in service.method { symbols["\(package)\(service.name).\(method.name)"] = name }
      }
      func index(_ message: Google_Protobuf_DescriptorProto, prefix: String) {
        let full = prefix + message.name
        symbols[full] = name
        messageTypes.insert(full)
        for field in message.field { symbols["\(full).\(field.name)"] = name }
        for nested in message.nestedType { index(nested, prefix: full + ".") }
        for enumeration in message.enumType { indexEnum(enumeration, prefix: full + ".") }
        for extensionField in message.extension { indexExtension(extensionField, scope: full + ".") }
      }
      func indexEnum(_ enumeration: Google_Protobuf_EnumDescriptorProto, prefix: String) {
        symbols[prefix + enumeration.name] = name
        // Enum values are scoped like their enum's siblings (C++ rules).
        for value in enumeration.value { symbols[prefix + value.name] = name }
      }
      func indexExtension(_ field: Google_Protobuf_FieldDescriptorProto, scope: String) {
        symbols[scope + field.name] = name
        let extendee = field.extendee.hasPrefix(".") ? String(field.extendee.dropFirst()) : field.extendee
        extensions[extendee, default: [:]][field.number] = name
      }
      for message in file.messageType { index(message, prefix: package) }
      for enumeration in file.enumType { indexEnum(enumeration, prefix: package) }
      for extensionField in file.extension { indexExtension(extensionField, scope: package) }
    }
    self.services = services.sorted()
    self.files = files
    self.dependencies = dependencies
    self.symbols = symbols
    self.extensions = extensions
    self.messageTypes = messageTypes
  }

  /// The file names served, sorted.
  public var fileNames: [String] { files.keys.sorted() }

  /// `name` and the files it imports, transitively, leaving out those in
  /// `sent`; each file before the files that import it is not required,
  /// so the requested file comes first.
  func withDependencies(_ name: String, skipping sent: Set<String>) -> [(String, Data)] {
    var result: [(String, Data)] = []
    var seen = sent
    var pending = [name]
    while !pending.isEmpty {
      let next = pending.removeFirst()
      guard seen.insert(next).inserted, let data = files[next] else { continue }
      result.append((next, data))
      pending += dependencies[next] ?? []
    }
    return result
  }

  /// Whether `type` is a message type of the served files.
  func isMessageType(_ type: String) -> Bool { messageTypes.contains(type) }
}
