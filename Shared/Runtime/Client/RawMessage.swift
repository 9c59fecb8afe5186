import GRPCCore

/// A message passed through as its serialized bytes (the gateway's
/// forwarding, the fuzzers' arbitrary inputs).
public struct RawMessage: MessageSerializer, MessageDeserializer {
  public init() {}

  public func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes { Bytes(message) }

  public func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> [UInt8] {
    serializedMessageBytes.withUnsafeBytes { Array($0) }
  }
}
