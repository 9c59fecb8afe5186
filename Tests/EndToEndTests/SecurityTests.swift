import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GroundswellAPI
import GroundswellRuntime
import Testing

/// TLS on every listener, API keys on the gateway, certificate identities
/// inside, and tenants kept apart.
@Suite struct SecurityTests {
  /// Calls petition-service directly with the given transport security.
  func callPetitionService(
    _ stack: Stack, security: HTTP2ClientTransport.Posix.TransportSecurity, metadata: Metadata = [:]
  ) async throws {
    let transport = try HTTP2ClientTransport.Posix(
      target: .ipv4(address: "127.0.0.1", port: stack.petition.port), transportSecurity: security)
    try await withGRPCClient(transport: transport) { client in
      _ = try await Groundswell_Petition_V1_PetitionService.Client(wrapping: client)
        .listPetitions(.init(), metadata: metadata, options: { var o = CallOptions.defaults; o.timeout = .seconds(5); return o }())
    }
  }

  @Test func aPlaintextClientGetsNoService() async throws {
    let stack = try await sharedStack.value
    for port in [stack.gateway.port, stack.petition.port, stack.supporter.port, stack.campaign.port] {
      let transport = try HTTP2ClientTransport.Posix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext)
      let error = await rpcError {
        try await withGRPCClient(transport: transport) { client in
          var options = CallOptions.defaults
          options.timeout = .seconds(5)
          _ = try await Grpc_Health_V1_Health.Client(wrapping: client).check(.init(), options: options)
        }
      }
      #expect(error != nil, "port \(port) answered a plaintext client")
      #expect(error?.code == .unavailable || error?.code == .deadlineExceeded)
    }
  }

  @Test func theGatewayRefusesCallsWithoutAValidKeyAndForwardsNothing() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    try await stack.withGateway { api in
      let create: (Metadata) async -> RPCError? = { metadata in
        await rpcError {
          _ = try await api.petitions.createPetition(
            .with {
              $0.parent = organization
              $0.petition = .with { $0.title = "Should not exist" }
            }, metadata: metadata)
        }
      }
      let none = await create([:])
      #expect(none?.code == .unauthenticated)
      #expect(none?.message.contains("authorization: Bearer") == true)
      #expect(await create(bearer("gsk_wrong"))?.code == .unauthenticated)
      #expect(await create(["authorization": "Basic \(key)"])?.code == .unauthenticated)
      let totals = await rpcError { _ = try await api.totals.getGrandTotal(.init()) }
      #expect(totals?.code == .unauthenticated)
      let listed = try await api.petitions.listPetitions(.with { $0.parent = organization }, metadata: bearer(key))
      #expect(listed.petitions.isEmpty)
    }
  }

  @Test func internalServicesRefuseClientsWithoutACertificateFromTheirCA() async throws {
    let stack = try await sharedStack.value
    // Control: the gateway's own certificate is accepted.
    try await callPetitionService(stack, security: stack.pki.files(for: "gateway").clientMutualTLS)

    let noCertificate = await rpcError {
      try await callPetitionService(
        stack, security: .tls { $0.trustRoots = .certificates([.file(path: stack.pki.caFile, format: .pem)]) })
    }
    #expect(noCertificate?.code == .unavailable)

    let otherCA = try TestPKI.make()
    let stranger = TLSFiles(
      certificate: "\(otherCA.directory)/gateway.crt", privateKey: "\(otherCA.directory)/gateway.key",
      certificateAuthority: stack.pki.caFile)
    let foreign = await rpcError { try await callPetitionService(stack, security: stranger.clientMutualTLS) }
    #expect(foreign?.code == .unavailable)
  }

  @Test func onlyPetitionServiceMayResolveSupporters() async throws {
    let stack = try await sharedStack.value
    func resolve(as service: String) async -> RPCError? {
      await rpcError {
        let transport = try HTTP2ClientTransport.Posix(
          target: .ipv4(address: "127.0.0.1", port: stack.supporter.port),
          transportSecurity: stack.pki.files(for: service).clientMutualTLS)
        try await withGRPCClient(transport: transport) { client in
          _ = try await Groundswell_Supporter_V1_SupporterResolverService.Client(wrapping: client).resolveSupporter(
            .with {
              $0.email = "pat@example.org"
              $0.givenName = "Pat"
              $0.organization = "organizations/any-org"
            })
        }
      }
    }
    #expect(await resolve(as: "petition-service") == nil)
    #expect(await resolve(as: "campaign-service")?.code == .permissionDenied)
    #expect(await resolve(as: "gateway")?.code == .permissionDenied)
  }

  @Test func onlyTheGatewayMayPassCallerIdentity() async throws {
    let stack = try await sharedStack.value
    let identity: Metadata = [IdentityMetadata.organization: "organizations/someone-else"]
    // campaign-service may call GetPetition, but not on someone's behalf.
    let forged = await rpcError {
      let transport = try HTTP2ClientTransport.Posix(
        target: .ipv4(address: "127.0.0.1", port: stack.petition.port),
        transportSecurity: stack.pki.files(for: "campaign-service").clientMutualTLS)
      try await withGRPCClient(transport: transport) { client in
        _ = try await Groundswell_Petition_V1_PetitionService.Client(wrapping: client)
          .getPetition(.with { $0.name = "petitions/anything" }, metadata: identity)
      }
    }
    #expect(forged?.code == .permissionDenied)
    #expect(forged?.message.contains("Only the gateway may pass caller identity") == true)
    try await callPetitionService(stack, security: stack.pki.files(for: "gateway").clientMutualTLS, metadata: identity)
  }

  @Test func anOrganizationCannotActForAnother() async throws {
    let stack = try await sharedStack.value
    let (mine, myKey) = try await stack.makeOrganization()
    let (theirs, theirKey) = try await stack.makeOrganization()
    let theirOpen = try await stack.makeOpenPetition(organization: theirs, key: theirKey)
    try await stack.withGateway { api in
      let petition = await rpcError {
        _ = try await api.petitions.createPetition(
          .with {
            $0.parent = theirs
            $0.petition = .with { $0.title = "Not yours" }
          }, metadata: bearer(myKey))
      }
      #expect(petition?.code == .permissionDenied)
      #expect(petition?.message.contains(mine) == true)

      let campaign = await rpcError {
        _ = try await api.campaigns.createCampaign(
          .with {
            $0.parent = theirs
            $0.campaign = .with { $0.title = "Not yours" }
          }, metadata: bearer(myKey))
      }
      #expect(campaign?.code == .permissionDenied)

      let close = await rpcError { _ = try await api.petitions.closePetition(.with { $0.name = theirOpen }, metadata: bearer(myKey)) }
      #expect(close?.code == .permissionDenied)

      let theirDraft = try await api.petitions.createPetition(
        .with {
          $0.parent = theirs
          $0.petition = .with { $0.title = "Secret draft" }
        }, metadata: bearer(theirKey)
      ).petition.name
      let peek = await rpcError { _ = try await api.petitions.getPetition(.with { $0.name = theirDraft }, metadata: bearer(myKey)) }
      #expect(peek?.code == .notFound)
      let listed = try await api.petitions.listPetitions(.with { $0.parent = theirs }, metadata: bearer(myKey))
      #expect(listed.petitions.map(\.name) == [theirOpen])

      let organization = await rpcError {
        _ = try await api.organizations.createOrganization(
          .with { $0.organization = .with { $0.displayName = "Sneaky" } }, metadata: bearer(myKey))
      }
      #expect(organization?.code == .permissionDenied)

      // A supporter is visible only to the organizations whose petitions they signed.
      let signed = try await sign(api, theirOpen, email: "visible@example.org", key: theirKey)
      let supporter = try await api.supporters.getSupporter(.with { $0.name = signed.signature.supporter }, metadata: bearer(theirKey))
      #expect(supporter.supporter.email == "visible@example.org")
      let hidden = await rpcError {
        _ = try await api.supporters.getSupporter(.with { $0.name = signed.signature.supporter }, metadata: bearer(myKey))
      }
      #expect(hidden?.code == .notFound)
    }
  }
}
