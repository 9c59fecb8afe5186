import ArgumentParser

/// The live-totals benchmark: `scripts/benchmark-totals.sh` seeds the
/// databases with `seed`, starts the four services, then runs `measure`.
@main
struct TotalsBenchmark: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "totals-benchmark",
    abstract: "Seeds campaigns and petitions, then measures the gateway's live totals over TLS.",
    subcommands: [Seed.self, Measure.self]
  )
}
