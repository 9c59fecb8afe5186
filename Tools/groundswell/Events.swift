import ArgumentParser
import Foundation
import GRPCCore
import GroundswellAPI
import GroundswellRuntime
import Synchronization

/// `groundswell events`: the organization's event stream from a cursor.
struct Events: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Prints your organization's events from a cursor: the backlog, then (with --follow) live events.",
    discussion: """
      Each event prints as a table row, or with --output json as one JSON object per line. When it stops, the \
      last cursor goes to standard error as `cursor: …`: pass it as --cursor next time to get everything after it, \
      nothing twice. Without --follow it stops once nothing new has come for --idle seconds.
      """)

  typealias Event = Groundswell_Petition_V1_Event

  @OptionGroup var gateway: GatewayOptions

  @Option(name: .long, help: "Start after this cursor (empty: from the oldest event kept).")
  var cursor: String = ""

  @Flag(name: .long, help: "Start from now: skip the backlog.")
  var fromNow = false

  @Option(name: .long, help: "Only events of this type, e.g. SIGNATURE_CREATED; repeat for more.")
  var type: [String] = []

  @Flag(name: .long, help: "Keep printing live events until interrupted.")
  var follow = false

  @Option(name: .long, help: "Stop after this many events (0: no limit).")
  var limit: Int = 0

  @Option(name: .long, help: "Without --follow: stop after this many seconds with nothing new (1 to 60).")
  var idle: Int = 2

  /// The event types named by `--type`, checked against the API's names.
  static func types(_ type: [String]) throws -> [Event.TypeEnum] {
    guard !type.isEmpty else { return [] }
    let names = type.map { "\"\($0.uppercased().replacingOccurrences(of: "\"", with: ""))\"" }.joined(separator: ",")
    guard let request = try? Groundswell_Petition_V1_SubscribeEventsRequest(jsonString: "{\"types\":[\(names)]}") else {
      throw ValidationError("--type must be one of \(Events.typeNames.joined(separator: ", "))")
    }
    return request.types
  }

  func validate() throws {
    _ = try Self.types(type)
    if !(1...60).contains(idle) { throw ValidationError("--idle must be 1 to 60 seconds") }
    if limit < 0 { throw ValidationError("--limit must not be negative") }
    if fromNow && !cursor.isEmpty { throw ValidationError("give --cursor or --from-now, not both") }
  }

  /// Stops the stream once it has been quiet for `idle` seconds.
  struct Idle: Error {}

  /// How long to wait for the stream's first message (the gateway sends one
  /// at once, with the position, even when there is nothing to send).
  static let firstMessageWait = Duration.seconds(30)

  /// Where the stream is: shared by the reader and the idle watch.
  /// `lastActivity` is nil until the first message: the quiet time counts
  /// from the stream's answer, not from the connection, so a slow start is
  /// not taken for "nothing new".
  final class StreamState: Sendable {
    let value: Mutex<(cursor: String, count: Int, lastActivity: ContinuousClock.Instant?)>
    let started = ContinuousClock.now

    init(cursor: String) {
      value = Mutex((cursor, 0, nil))
    }

    /// Whether the idle watch should stop the stream now.
    func quiet(for idle: Duration) throws -> Bool {
      guard let last = value.withLock({ $0.lastActivity }) else {
        if started.duration(to: .now) >= Events.firstMessageWait {
          throw RPCError(code: .deadlineExceeded, message: "the gateway did not start the event stream within \(Events.firstMessageWait)")
        }
        return false
      }
      return last.duration(to: .now) >= idle
    }
  }

  func run() async throws {
    let request = Groundswell_Petition_V1_SubscribeEventsRequest.with {
      $0.cursor = cursor
      $0.startNow = fromNow
      $0.types = (try? Events.types(type)) ?? []
    }
    var options = gateway.callOptions
    options.timeout = nil
    let streamOptions = options
    let state = StreamState(cursor: cursor)
    let metadata = gateway.metadata
    let format = gateway.format
    let follow = follow
    let limit = limit
    let idle = Duration.seconds(idle)
    do {
      try await gateway.using(EventClient.init) { service in
        try await withThrowingTaskGroup(of: Void.self) { group in
          group.addTask {
            try await service.subscribeEvents(request, metadata: metadata, options: streamOptions) { response in
              for try await message in response.messages {
                for event in message.events {
                  Events.print(event, format: format)
                  let count = state.value.withLock { state in
                    state.count += 1
                    state.cursor = event.cursor
                    return state.count
                  }
                  if limit > 0 && count >= limit { return }
                }
                state.value.withLock { state in
                  state.cursor = message.cursor
                  if !message.events.isEmpty || state.lastActivity == nil { state.lastActivity = .now }
                }
              }
            }
          }
          if !follow {
            group.addTask {
              while true {
                try await Task.sleep(for: .milliseconds(200))
                if try state.quiet(for: idle) { throw Idle() }
              }
            }
          }
          try await group.next()
          group.cancelAll()
        }
      }
    } catch is Idle {
      // Caught up.
    }
    FileHandle.standardError.write(Data("cursor: \(state.value.withLock { $0.cursor })\n".utf8))
  }

  /// Writes one line at once (not held in a buffer while the stream waits).
  static func print(_ event: Event, format: OutputFormat) {
    let json = GatewayOptions.json(event)
    let line: String
    switch format {
    case .json: line = json
    case .table:
      // The API's own names of the enums, as the JSON mapping writes them.
      let fields = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] ?? [:]
      let subject =
        !event.campaign.isEmpty ? event.campaign
        : !event.signature.isEmpty ? event.signature : !event.update.isEmpty ? event.update : event.petition
      var detail: [String] = []
      if !event.campaign.isEmpty {
        detail.append("\(fields["membership_change"] as? String ?? "-") \(event.petition.isEmpty ? event.member : event.petition)")
      }
      if event.type == .milestoneReached || event.type == .milestoneCleared { detail.append("threshold \(event.milestoneThreshold)") }
      if event.type == .petitionStateChanged {
        detail.append("\(fields["previous_state"] as? String ?? "-") -> \(fields["state"] as? String ?? "-")")
      }
      if !event.signature.isEmpty { detail.append(event.counted ? "counted" : "not counted") }
      if !event.identifiers.isEmpty { detail.append(event.identifiers.joined(separator: ",")) }
      line = [String(event.sequence), GatewayOptions.time(event.hasTime, event.time), fields["type"] as? String ?? "-", subject,
        detail.joined(separator: "; ")].joined(separator: "  ")
    }
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
  }

  /// The API's names of the event types.
  static var typeNames: [String] {
    Event.TypeEnum.allCases.filter { $0 != .unspecified }.compactMap { value in
      let json = GatewayOptions.json(Event.with { $0.type = value })
      return ((try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any])?["type"] as? String
    }
  }
}
