import ArgumentParser
import Foundation
import GroundswellAPI
import GroundswellRuntime

/// `groundswell webhooks …`: the organization's HTTPS endpoints for events.
struct Webhooks: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Register HTTPS endpoints that receive your events, read their delivery logs, resume and replay them.",
    subcommands: [Create.self, List.self, Delete.self, Deliveries.self, Resume.self, Replay.self])

  typealias Webhook = Groundswell_Gateway_V1_Webhook

  static let header = ["WEBHOOK", "STATE", "CURSOR", "FAILURES", "URL"]

  static func row(_ webhook: Webhook) -> [String] {
    [webhook.name, webhook.state == .active ? "ACTIVE" : "PAUSED", webhook.cursor, "\(webhook.failureCount)", webhook.url]
  }

  static func table(_ webhook: Webhook) -> String {
    var text = Table.render(header: header, rows: [row(webhook)], rightAligned: [3])
    if !webhook.pauseReason.isEmpty { text += "\npaused: \(webhook.pauseReason)" }
    return text
  }

  struct Name: ParsableArguments {
    @Argument(help: "The webhook, webhooks/{id}.")
    var webhook: String
  }

  struct Create: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Registers an endpoint and prints its signing secret once (on standard output; the name on standard error).")

    @OptionGroup var gateway: GatewayOptions

    @Option(name: .long, help: "https://host[:port]/path; not an internal address.")
    var url: String

    @Option(name: .long, help: "Only events of this type, e.g. SIGNATURE_CREATED; repeat for more.")
    var type: [String] = []

    @Option(name: .long, help: "Deliver the events after this cursor (default: those after now).")
    var cursor: String = ""

    @Flag(name: .long, help: "Send your own identifiers of signers (needs a key with supporters.read).")
    var includeIdentifiers = false

    func run() async throws {
      let types = try Events.types(type)
      let response = try await gateway.using(WebhookClient.init) {
        try await $0.createWebhook(
          .with {
            $0.webhook = .with {
              $0.url = url
              $0.types = types
              $0.includeIdentifiers = includeIdentifiers
            }
            $0.cursor = cursor
          }, metadata: gateway.metadata, options: gateway.callOptions)
      }
      if gateway.format == .json { return print(GatewayOptions.json(response)) }
      FileHandle.standardError.write(Data("\(response.webhook.name) (the secret is shown once)\n".utf8))
      print(response.secret)
    }
  }

  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Lists your organization's endpoints.")

    @OptionGroup var gateway: GatewayOptions

    func run() async throws {
      let response = try await gateway.using(WebhookClient.init) {
        try await $0.listWebhooks(.init(), metadata: gateway.metadata, options: gateway.callOptions)
      }
      gateway.show(response.webhooks, header: Webhooks.header, rightAligned: [3], row: Webhooks.row)
    }
  }

  struct Delete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Deletes an endpoint; nothing more is sent to it.")

    @OptionGroup var gateway: GatewayOptions
    @OptionGroup var name: Name

    func run() async throws {
      let response = try await gateway.using(WebhookClient.init) {
        try await $0.deleteWebhook(.with { $0.name = name.webhook }, metadata: gateway.metadata, options: gateway.callOptions)
      }
      gateway.show(response) { _ in "deleted \(name.webhook)" }
    }
  }

  struct Deliveries: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Shows an endpoint's delivery log, newest first (kept 7 days).")

    @OptionGroup var gateway: GatewayOptions
    @OptionGroup var name: Name

    @Option(name: .long, help: "The most attempts to show (1 to 10000).")
    var limit: Int = 50

    func validate() throws {
      if !(1...10_000).contains(limit) { throw ValidationError("--limit must be 1 to 10000") }
    }

    func run() async throws {
      let deliveries = try await gateway.using(WebhookClient.init) { service in
        try await collectPages(limit: limit) { size, token in
          let page = try await service.listWebhookDeliveries(
            .with {
              $0.name = name.webhook
              $0.pageSize = size
              $0.pageToken = token
            }, metadata: gateway.metadata, options: gateway.callOptions)
          return (page.deliveries, page.nextPageToken)
        }
      }
      gateway.show(deliveries, header: ["ATTEMPT", "OUTCOME", "HTTP", "EVENTS", "SEQUENCES", "MS", "ERROR"], rightAligned: [2, 3, 5]) {
        [GatewayOptions.time($0.hasAttemptTime, $0.attemptTime),
         $0.outcome == .delivered ? "DELIVERED" : $0.outcome == .failed ? "FAILED" : "REFUSED",
         $0.statusCode == 0 ? "-" : "\($0.statusCode)", "\($0.eventCount)", "\($0.firstSequence)-\($0.lastSequence)",
         "\($0.durationMilliseconds)", String($0.error.prefix(60))]
      }
    }
  }

  struct Resume: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Resumes a paused endpoint where it stopped.")

    @OptionGroup var gateway: GatewayOptions
    @OptionGroup var name: Name

    func run() async throws {
      let response = try await gateway.using(WebhookClient.init) {
        try await $0.resumeWebhook(.with { $0.name = name.webhook }, metadata: gateway.metadata, options: gateway.callOptions)
      }
      gateway.show(response) { Webhooks.table($0.webhook) }
    }
  }

  struct Replay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Sends the events after a cursor again (and resumes the endpoint).")

    @OptionGroup var gateway: GatewayOptions
    @OptionGroup var name: Name

    @Option(name: .long, help: "Replay the events after this cursor (empty: from the oldest kept).")
    var cursor: String = ""

    func run() async throws {
      let response = try await gateway.using(WebhookClient.init) {
        try await $0.replayWebhook(
          .with {
            $0.name = name.webhook
            $0.cursor = cursor
          }, metadata: gateway.metadata, options: gateway.callOptions)
      }
      gateway.show(response) { Webhooks.table($0.webhook) }
    }
  }
}
