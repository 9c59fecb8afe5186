import ArgumentParser
import Foundation
import GRPCCore
import GroundswellRuntime
import SwiftProtobuf

/// How a command prints what it got: a table for people, or the responses
/// in the proto3 JSON mapping, one object per line, for scripts (`jq`).
enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
  case table
  case json
}

/// The exit status a script can rely on (docs/cli.md lists them).
enum ExitStatus {
  /// Anything not below: INTERNAL, UNKNOWN, a file that cannot be written.
  static let failure: Int32 = 1
  /// INVALID_ARGUMENT or OUT_OF_RANGE: the request was wrong; fix it.
  static let invalid: Int32 = 3
  /// NOT_FOUND (or not yours: the same answer).
  static let notFound: Int32 = 4
  /// ALREADY_EXISTS.
  static let alreadyExists: Int32 = 5
  /// FAILED_PRECONDITION: the resource's state does not allow it now.
  static let failedPrecondition: Int32 = 6
  /// PERMISSION_DENIED: the key may not do this.
  static let permissionDenied: Int32 = 7
  /// UNAUTHENTICATED: no key, or one the gateway does not accept.
  static let unauthenticated: Int32 = 8
  /// RESOURCE_EXHAUSTED: over quota; retry after a while.
  static let overQuota: Int32 = 9
  /// UNAVAILABLE or DEADLINE_EXCEEDED: the gateway or a service did not
  /// answer; retry (with the same request id where there is one).
  static let unavailable: Int32 = 10
  /// Bad flags or arguments (swift-argument-parser's usage error).
  static let usage: Int32 = ExitCode.validationFailure.rawValue

  static func forStatus(_ code: RPCError.Code) -> Int32 {
    switch code {
    case .invalidArgument, .outOfRange: invalid
    case .notFound: notFound
    case .alreadyExists: alreadyExists
    case .failedPrecondition: failedPrecondition
    case .permissionDenied: permissionDenied
    case .unauthenticated: unauthenticated
    case .resourceExhausted: overQuota
    case .unavailable, .deadlineExceeded: unavailable
    default: failure
    }
  }
}

extension GatewayOptions {
  /// The format asked for: `--output`, else GROUNDSWELL_OUTPUT, else table.
  var format: OutputFormat {
    OutputFormat(rawValue: setting(output, env: "GROUNDSWELL_OUTPUT", default: "table")) ?? .table
  }

  /// Prints one response: as `table` renders it, or as one line of JSON.
  func show<M: SwiftProtobuf.Message>(_ response: M, table: (M) -> String) {
    switch format {
    case .json: print(Self.json(response))
    case .table: print(table(response))
    }
  }

  /// Prints items: as a table with `header`, or one JSON object each.
  func show<M: SwiftProtobuf.Message>(_ items: [M], header: [String], rightAligned: Set<Int> = [], row: (M) -> [String]) {
    switch format {
    case .json: for item in items { print(Self.json(item)) }
    case .table: print(Table.render(header: header, rows: items.map(row), rightAligned: rightAligned))
    }
  }

  static func json(_ message: some SwiftProtobuf.Message) -> String {
    var options = JSONEncodingOptions()
    options.preserveProtoFieldNames = true
    return (try? message.jsonString(options: options)) ?? "{}"
  }

  /// A timestamp for a table: RFC 3339, or `-` when unset.
  static func time(_ has: Bool, _ timestamp: Google_Protobuf_Timestamp) -> String {
    has ? timestamp.date.formatted(.iso8601) : "-"
  }
}
