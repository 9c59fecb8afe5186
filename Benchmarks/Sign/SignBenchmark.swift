import ArgumentParser

/// The sign-path benchmark: `scripts/benchmark-sign.sh` builds release
/// binaries, starts the four services, then runs `run` (and `h2load-body` for
/// the h2load cross-check).
@main
struct SignBenchmark: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sign-benchmark",
    abstract: "Drives SignPetition and ImportSignatures through the gateway over TLS against the same run's health-check ceiling.",
    subcommands: [Run.self, H2LoadBody.self, Seed.self, Floor.self]
  )
}
