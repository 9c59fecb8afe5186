import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GatewayService
import GroundswellAPI
import GroundswellRuntime
import Testing

/// Who may call what, from the `groundswell.api.v1.access` declarations in
/// `proto/`: every RPC declares it, the gateway forwards only public ones
/// and asks for their scopes, and each internal listener admits only the
/// identities each of its methods names.
@Suite struct AccessTests {
  static let declarations = AccessDeclarations.generated

  /// Every service of the generated code, with the service that hosts it.
  static let hosted: [(service: String, methods: [MethodDescriptor])] = [
    (ServiceName.petition, Groundswell_Petition_V1_PetitionService.Method.descriptors),
    (ServiceName.petition, Groundswell_Petition_V1_PetitionFeedService.Method.descriptors),
    (ServiceName.petition, Groundswell_Petition_V1_PetitionStatsService.Method.descriptors),
    (ServiceName.petition, Groundswell_Petition_V1_PetitionPrivacyService.Method.descriptors),
    (ServiceName.petition, Groundswell_Petition_V1_PetitionFraudService.Method.descriptors),
    (ServiceName.petition, Groundswell_Petition_V1_EventFeedService.Method.descriptors),
    (ServiceName.petition, Groundswell_Petition_V1_SignBatchService.Method.descriptors),
    // Declared in the petition package, served by the gateway at the edge.
    (ServiceName.gateway, Groundswell_Petition_V1_EventService.Method.descriptors),
    (ServiceName.supporter, Groundswell_Supporter_V1_SupporterService.Method.descriptors),
    (ServiceName.supporter, Groundswell_Supporter_V1_SupporterResolverService.Method.descriptors),
    (ServiceName.supporter, Groundswell_Supporter_V1_SupporterStatsService.Method.descriptors),
    (ServiceName.campaign, Groundswell_Campaign_V1_OrganizationService.Method.descriptors),
    (ServiceName.campaign, Groundswell_Campaign_V1_CampaignService.Method.descriptors),
    (ServiceName.campaign, Groundswell_Campaign_V1_CampaignFeedService.Method.descriptors),
    (ServiceName.gateway, Groundswell_Gateway_V1_GatewayService.Method.descriptors),
    (ServiceName.gateway, Groundswell_Gateway_V1_ApiKeyService.Method.descriptors),
    (ServiceName.gateway, Groundswell_Gateway_V1_AuditService.Method.descriptors),
    (ServiceName.gateway, Groundswell_Gateway_V1_WebhookService.Method.descriptors),
  ]

  @Test func everyRPCDeclaresWhoMayCallIt() {
    #expect(Self.declarations.undeclared.map(\.fullyQualifiedMethod) == [])
    let generated = Self.hosted.flatMap(\.methods)
    for method in generated {
      #expect(Self.declarations.method(method) != nil, "\(method) has no access declaration")
    }
    #expect(Set(generated.map(\.fullyQualifiedMethod)) == Set(Self.declarations.methods.keys))
    for method in Self.declarations.methods.values {
      if method.isPublic {
        #expect(method.scope != nil, "\(method.descriptor) is public without a scope")
      } else {
        #expect(!method.callers.isEmpty, "\(method.descriptor) is internal with no callers")
      }
    }
  }

  /// A forwarded stream would hold a backend stream for as long as its
  /// client likes: every public stream of an internal service is served at
  /// the edge instead, but for the bounded ones (an export ends by itself),
  /// which the gateway cuts off at a limit.
  @Test func everyPublicStreamOfAnInternalServiceIsServedAtTheEdge() {
    let streams = Self.declarations.publicMethods
      .filter { $0.isServerStreaming && !$0.descriptor.service.fullyQualifiedService.hasPrefix("groundswell.gateway.") }
      .map(\.descriptor)
    #expect(!streams.isEmpty)
    #expect(Set(streams) == GatewayApp.servedAtTheEdge.union(Forwarder.boundedStreams))
    #expect(GatewayApp.servedAtTheEdge.isDisjoint(with: Forwarder.boundedStreams))
    let forwarded = GatewayApp.forwarded().values.flatMap { $0 }
    #expect(forwarded.allSatisfy { Self.declarations.method($0)?.isPublic == true })
    #expect(Set(forwarded).isDisjoint(with: GatewayApp.servedAtTheEdge))
  }

  /// Calls `method` with an empty message and returns its error.
  static func call(
    _ client: GRPCClient<HTTP2ClientTransport.Posix>, _ method: MethodDescriptor, metadata: Metadata = [:]
  ) async -> RPCError? {
    await rpcError {
      var options = CallOptions.defaults
      options.timeout = .seconds(3)
      let request = StreamingClientRequest<[UInt8]>(metadata: metadata) { try await $0.write([]) }
      try await client.bidirectionalStreaming(
        request: request, descriptor: method, serializer: RawMessage(), deserializer: RawMessage(), options: options
      ) { response in
        for try await _ in response.messages {}
      }
    }
  }

  /// Internal RPCs and made-up paths are not reachable through the gateway,
  /// and without a key they answer exactly like a public method does.
  @Test func theGatewayServesOnlyPublicMethods() async throws {
    let stack = try await sharedStack.value
    let (_, key) = try await stack.makeOrganization()
    let internalMethods = Self.declarations.methods.values.filter { !$0.isPublic }.map(\.descriptor)
    #expect(internalMethods.contains(Groundswell_Petition_V1_PetitionStatsService.Method.BatchGetPetitionsStarted.descriptor))
    let madeUp = [
      MethodDescriptor(fullyQualifiedService: "groundswell.petition.v1.PetitionService", method: "BatchGetPetitionsStarted"),
      MethodDescriptor(fullyQualifiedService: "groundswell.petition.v1.PetitionService", method: "NoSuchMethod"),
      MethodDescriptor(fullyQualifiedService: "no.such.Service", method: "Anything"),
    ]
    try await stack.withGateway { api in
      let known = await Self.call(api.client, Groundswell_Petition_V1_PetitionService.Method.GetPetition.descriptor)
      #expect(known?.code == .unauthenticated)
      for method in internalMethods + madeUp {
        let withoutKey = await Self.call(api.client, method)
        #expect(withoutKey?.code == .unauthenticated, "\(method) without a key")
        #expect(withoutKey?.message == known?.message, "\(method) without a key")
        let badKey = await Self.call(api.client, method, metadata: bearer("gsk_not-a-key"))
        #expect(badKey?.code == .unauthenticated, "\(method) with an unknown key")
        let withKey = await Self.call(api.client, method, metadata: bearer(key))
        #expect(withKey?.code == .unimplemented, "\(method) with a partner key: \(String(describing: withKey))")
        let asOperator = await Self.call(api.client, method, metadata: bearer(stack.operatorKey))
        #expect(asOperator?.code == .unimplemented, "\(method) with an operator key")
      }
    }
  }

  /// Each internal method admits the identities its declaration names (the
  /// gateway for every public one) and refuses every other certificate from
  /// the deployment's CA — another service, or `monitoring`.
  @Test func eachInternalMethodAdmitsOnlyItsDeclaredCallers() async throws {
    let stack = try await sharedStack.value
    let ports = [ServiceName.petition: stack.petition.port, ServiceName.supporter: stack.supporter.port,
                 ServiceName.campaign: stack.campaign.port]
    let identities = [ServiceName.gateway, ServiceName.petition, ServiceName.supporter, ServiceName.campaign, "monitoring"]
    for identity in identities {
      for (service, port) in ports.sorted(by: { $0.key < $1.key }) {
        let transport = try HTTP2ClientTransport.Posix(
          target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: stack.pki.files(for: identity).clientMutualTLS)
        try await withGRPCClient(transport: transport) { client in
          for (host, methods) in Self.hosted where host == service {
            for method in methods {
              let declared = try #require(Self.declarations.method(method))
              let error = await Self.call(client, method)
              let refused = error?.code == .permissionDenied && error?.message.contains("may not call") == true
              #expect(refused == !declared.admits(peer: identity), "\(identity) calling \(method): \(String(describing: error))")
            }
          }
        }
      }
    }
  }

  /// A key does what its scopes allow and nothing else: a dashboard key
  /// (`totals.read`) reads totals and counts, never petitions or people.
  @Test func aKeyCarriesOnlyTheScopesItWasGiven() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: organization, key: key)
    let dashboard = try await stack.makeKey(organization: organization, scopes: [.totalsRead])
    try await stack.withGateway { api in
      _ = try await api.totals.getGrandTotal(.init(), metadata: bearer(dashboard))
      _ = try await api.petitions.batchGetSignatureCounts(.with { $0.petitions = [petition] }, metadata: bearer(dashboard))
      let read = await rpcError {
        _ = try await api.petitions.getPetition(.with { $0.name = petition }, metadata: bearer(dashboard))
      }
      #expect(read?.code == .permissionDenied)
      #expect(read?.message.contains("`petitions.read`") == true)
      let people = await rpcError {
        _ = try await api.supporters.listSupporters(.with { $0.parent = organization }, metadata: bearer(dashboard))
      }
      #expect(people?.code == .permissionDenied)
      let sign = await rpcError {
        _ = try await api.petitions.signPetition(
          .with {
            $0.petition = petition
            $0.signer = .with {
              $0.email = "scoped@example.org"
              $0.givenName = "Scoped"
            }
          }, metadata: bearer(dashboard))
      }
      #expect(sign?.code == .permissionDenied)
      #expect(sign?.message.contains("`signatures.write`") == true)
    }
  }

  /// A backend that is down is named, never its address.
  @Test func backendErrorsNameTheServiceNotItsAddress() async throws {
    let stack = try await Stack.start()
    let (organization, key) = try await stack.makeOrganization()
    try await stack.petition.stop()
    try await stack.withGateway { api in
      let error = await rpcError {
        _ = try await api.petitions.listPetitions(.with { $0.parent = organization }, metadata: bearer(key))
      }
      #expect(error?.code == .unavailable)
      #expect(error?.message.contains(ServiceName.petition) == true)
      #expect(error?.message.contains("127.0.0.1") == false)
      #expect(error?.message.contains("\(stack.petition.port)") == false)
    }
    for service in [stack.gateway, stack.campaign, stack.supporter] { try await service.stop() }
  }
}
