import ArgumentParser
import Foundation
import GroundswellAPI
import GroundswellRuntime
import SwiftProtobuf

/// `groundswell keys …`: the key lifecycle over `ApiKeyService`, with an
/// operator key or a partner key that has `keys.manage`.
struct Keys: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Create, list, rotate and revoke API keys (an operator key, or a partner key with keys.manage).",
    subcommands: [Create.self, List.self, Rotate.self, Revoke.self]
  )

  struct Create: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Creates a key and prints its secret once.")

    @OptionGroup var gateway: GatewayOptions

    @Option(name: .long, help: "The organization the key acts for, organizations/{id} (default: your key's).")
    var organization: String?

    @Flag(name: .long, help: "An operator key (operators only).")
    var `operator` = false

    @Option(name: .long, help: "Comma-separated scopes, e.g. totals.read for a dashboard (default: all you may give).")
    var scopes: String?

    @Option(name: .long, help: "A note to recognise the key by.")
    var label: String = ""

    @Option(name: .long, help: "Days until the key stops working.")
    var expiresInDays: Int?

    @Option(name: .long, help: "Calls per second (0.1 to 10000).")
    var callsPerSecond: Double?

    @Option(name: .long, help: "Calls at once (1 to 100000).")
    var burst: Int32?

    @Flag(name: .long, help: "No quota (operators only).")
    var unlimited = false

    func run() async throws {
      let request = Groundswell_Gateway_V1_CreateApiKeyRequest.with {
        $0.apiKey = .with {
          $0.organization = organization ?? ""
          $0.operator = `operator`
          $0.displayName = label
          $0.scopes = scopes.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? []
          if let expiresInDays { $0.expireTime = Google_Protobuf_Timestamp(date: Date().addingTimeInterval(Double(expiresInDays) * 86_400)) }
          $0.quota = .with {
            $0.callsPerSecond = callsPerSecond ?? 0
            $0.burst = burst ?? 0
            $0.unlimited = unlimited
          }
        }
      }
      let created = try await gateway.withClient { client in
        try await Groundswell_Gateway_V1_ApiKeyService.Client(wrapping: client)
          .createApiKey(request, metadata: bearer(gateway.key), options: gateway.callOptions)
      }
      if gateway.format == .json { return print(GatewayOptions.json(created)) }
      FileHandle.standardError.write(Data("\(created.apiKey.name) (shown once; only its hash is kept)\n".utf8))
      print(created.secret)
    }
  }

  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Lists keys, newest first; never a secret.")

    @OptionGroup var gateway: GatewayOptions

    @Option(name: .long, help: "Only this organization's keys, organizations/{id}.")
    var organization: String?

    func run() async throws {
      let keys = try await gateway.withClient { client in
        let service = Groundswell_Gateway_V1_ApiKeyService.Client(wrapping: client)
        var keys: [Groundswell_Gateway_V1_ApiKey] = []
        var token = ""
        repeat {
          let page = try await service.listApiKeys(
            .with {
              $0.organization = organization ?? ""
              $0.pageSize = 100
              $0.pageToken = token
            }, metadata: bearer(gateway.key), options: gateway.callOptions)
          keys += page.apiKeys
          token = page.nextPageToken
        } while !token.isEmpty
        return keys
      }
      let time = GatewayOptions.time
      gateway.show(keys, header: ["KEY", "ORGANIZATION", "SCOPES", "LAST USED", "EXPIRES", "REVOKED", "LABEL"]) {
        [$0.name, $0.operator ? "(operator)" : $0.organization, $0.operator ? "operator" : $0.scopes.joined(separator: ","),
         time($0.hasLastUseTime, $0.lastUseTime), time($0.hasExpireTime, $0.expireTime),
         time($0.hasRevokeTime, $0.revokeTime), $0.displayName]
      }
    }
  }

  struct Rotate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Gives a key a new secret, printed once; the old one works for the grace period.")

    @OptionGroup var gateway: GatewayOptions

    @Argument(help: "The key, apiKeys/{id}.")
    var name: String

    @Option(name: .long, help: "Seconds the old secret keeps working, 0 to 604800 (default 86400).")
    var graceSeconds: Int64?

    func run() async throws {
      let rotated = try await gateway.withClient { client in
        try await Groundswell_Gateway_V1_ApiKeyService.Client(wrapping: client).rotateApiKey(
          .with {
            $0.name = name
            if let graceSeconds { $0.gracePeriodSeconds = graceSeconds }
          }, metadata: bearer(gateway.key), options: gateway.callOptions)
      }
      if gateway.format == .json { return print(GatewayOptions.json(rotated)) }
      print(rotated.secret)
    }
  }

  struct Revoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Revokes a key; it stops working within two seconds.")

    @OptionGroup var gateway: GatewayOptions

    @Argument(help: "The key, apiKeys/{id}.")
    var name: String

    func run() async throws {
      let revoked = try await gateway.withClient { client in
        try await Groundswell_Gateway_V1_ApiKeyService.Client(wrapping: client)
          .revokeApiKey(.with { $0.name = name }, metadata: bearer(gateway.key), options: gateway.callOptions)
      }
      gateway.show(revoked) { "revoked \($0.apiKey.name)" }
    }
  }
}
