// swift-tools-version:6.1
import PackageDescription

let grpc: [Target.Dependency] = [
  .product(name: "GRPCCore", package: "grpc-swift-2"),
  .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
  .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
  .product(name: "SwiftProtobuf", package: "swift-protobuf"),
]

/// The shared modules' generic code (the call batcher, the group commit,
/// the broadcaster) is specialized in the services that use it only when its
/// bodies are visible to them: release builds of these two modules make them
/// so (`docs/performance.md`, "Our generic code specialized").
let crossModule: [SwiftSetting] = [.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))]

/// A service is a library (composition root, handlers, repositories) that the
/// tests call, and a thin executable that parses flags and runs it.
func service(_ name: String, folder: String, executable: String, extra: [Target.Dependency] = []) -> [Target] {
  [
    .target(
      name: name,
      dependencies: [
        "GroundswellRuntime", "GroundswellModel", "GroundswellAPI",
        .product(name: "Crypto", package: "swift-crypto"),
      ] + grpc + extra,
      path: "Services/\(folder)/Sources"
    ),
    .executableTarget(
      name: executable,
      dependencies: [
        .target(name: name), "GroundswellRuntime",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Services/\(folder)/Main"
    ),
  ]
}

let package = Package(
  name: "groundswell",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "gateway", targets: ["gateway"]),
    .executable(name: "petition-service", targets: ["petition-service"]),
    .executable(name: "supporter-service", targets: ["supporter-service"]),
    .executable(name: "campaign-service", targets: ["campaign-service"]),
    .executable(name: "groundswell", targets: ["groundswell"]),
    .executable(name: "totals-benchmark", targets: ["totals-benchmark"]),
    .executable(name: "sign-benchmark", targets: ["sign-benchmark"]),
    .executable(name: "handler-fuzzer", targets: ["handler-fuzzer"]),
  ],
  dependencies: [
    .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
    .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
    .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", from: "2.4.1"),
    .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
    .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
    .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
    .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
    .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
    .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
    .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
    .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
    .package(url: "https://github.com/apple/swift-service-context.git", from: "1.5.1"),
    // OTLP over gRPC only: the HTTP exporter would bring async-http-client.
    .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPGRPC"]),
  ],
  targets: [
    .target(name: "GroundswellAPI", dependencies: grpc, path: "Shared/API"),
    .target(name: "GroundswellModel", path: "Shared/Model", swiftSettings: crossModule),
    .target(
      name: "GroundswellRuntime",
      dependencies: [
        "GroundswellAPI", "GroundswellModel",
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "GRDB", package: "GRDB.swift"),
        .product(name: "X509", package: "swift-certificates"),
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOSSL", package: "swift-nio-ssl"),
        .product(name: "NIOTLS", package: "swift-nio"),
        .product(name: "NIOCertificateReloading", package: "swift-nio-extras"),
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "Prometheus", package: "swift-prometheus"),
        .product(name: "Metrics", package: "swift-metrics"),
        .product(name: "Tracing", package: "swift-distributed-tracing"),
        .product(name: "ServiceContextModule", package: "swift-service-context"),
        .product(name: "OTel", package: "swift-otel"),
      ] + grpc,
      path: "Shared/Runtime",
      swiftSettings: crossModule
    ),
  ]
    + service("PetitionService", folder: "Petition", executable: "petition-service")
    + service("SupporterService", folder: "Supporter", executable: "supporter-service")
    + service("CampaignService", folder: "Campaign", executable: "campaign-service")
    + service(
      "GatewayService", folder: "Gateway", executable: "gateway",
      extra: [
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "Prometheus", package: "swift-prometheus"),
        // Webhook deliveries: one HTTPS POST per connection.
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
        .product(name: "NIOSSL", package: "swift-nio-ssl"),
      ])
    + [
      .executableTarget(
        name: "totals-benchmark",
        dependencies: [
          "PetitionService", "CampaignService", "GroundswellRuntime", "GroundswellModel", "GroundswellAPI",
          .product(name: "GRDB", package: "GRDB.swift"),
          .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ] + grpc,
        path: "Benchmarks/Totals"
      ),
      .executableTarget(
        name: "sign-benchmark",
        dependencies: [
          "GroundswellRuntime", "GroundswellAPI", "GroundswellModel", "PetitionService", "SupporterService",
          .product(name: "GRDB", package: "GRDB.swift"),
          .product(name: "ArgumentParser", package: "swift-argument-parser"),
          .product(name: "Histogram", package: "hdrhistogram-swift"),
        ] + grpc,
        path: "Benchmarks/Sign"
      ),
    ]
    + [
      .executableTarget(
        name: "groundswell",
        dependencies: [
          "GroundswellRuntime", "GroundswellAPI",
          .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ] + grpc,
        path: "Tools/groundswell"
      ),
      // Every handler behind an in-process server, for the fuzzers: the
      // libFuzzer target (scripts/fuzz.sh builds it with sanitizers) and
      // the test that replays the corpus in every run.
      .target(
        name: "HandlerFuzzing",
        dependencies: [
          "PetitionService", "SupporterService", "CampaignService", "GroundswellRuntime", "GroundswellModel", "GroundswellAPI",
          .product(name: "GRPCInProcessTransport", package: "grpc-swift-2"),
          .product(name: "Crypto", package: "swift-crypto"),
          .product(name: "Logging", package: "swift-log"),
        ] + grpc,
        path: "Fuzz/Harness"
      ),
      .executableTarget(name: "handler-fuzzer", dependencies: ["HandlerFuzzing"], path: "Fuzz/HandlerFuzzer"),
      .testTarget(name: "ModelTests", dependencies: ["GroundswellModel"], path: "Tests/ModelTests"),
      .testTarget(
        name: "EndToEndTests",
        dependencies: [
          "GroundswellRuntime", "GroundswellAPI", "GroundswellModel",
          "PetitionService", "SupporterService", "CampaignService", "GatewayService",
          .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
          .product(name: "X509", package: "swift-certificates"),
          .product(name: "GRDB", package: "GRDB.swift"),
          .product(name: "Crypto", package: "swift-crypto"),
          "HandlerFuzzing",
          .product(name: "GRPCInProcessTransport", package: "grpc-swift-2"),
          .product(name: "Logging", package: "swift-log"),
          .product(name: "Prometheus", package: "swift-prometheus"),
          .product(name: "NIOCore", package: "swift-nio"),
        ] + grpc,
        path: "Tests/EndToEndTests",
        exclude: ["Support/otlp_receiver.py", "Support/webhook_receiver.py"]
      ),
    ],
  swiftLanguageModes: [.v6]
)
