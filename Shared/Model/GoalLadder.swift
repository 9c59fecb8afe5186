/// The goal a petition shows next to its count: the first step of a ladder
/// that the count has not reached yet. Past the last step each goal is the
/// previous one × 1.5, rounded to two significant digits.
public struct GoalLadder: Sendable, Equatable {
  /// The default steps, as the large petition sites use them.
  public static let defaultSteps: [Int64] = [
    100, 200, 500, 1_000, 1_500, 2_500, 5_000, 10_000, 15_000, 25_000, 50_000, 75_000, 100_000,
    150_000, 250_000, 500_000, 1_000_000,
  ]
  public static let standard = GoalLadder(validSteps: defaultSteps)

  public let steps: [Int64]

  private init(validSteps: [Int64]) { steps = validSteps }

  /// A ladder of strictly increasing positive steps; nil otherwise.
  public init?(steps: [Int64]) {
    guard let first = steps.first, first > 0, zip(steps, steps.dropFirst()).allSatisfy({ $0 < $1 }) else { return nil }
    self.steps = steps
  }

  /// Parses a comma-separated list such as `100,200,500`.
  public init?(parsing text: String) {
    let parts = text.split(separator: ",").map { String($0).trimmingWhitespace() }
    let numbers = parts.compactMap { Int64($0.filter { $0 != "_" }) }
    guard numbers.count == parts.count else { return nil }
    self.init(steps: numbers)
  }

  /// The goal for a petition with `count` signatures: reaching a goal moves it
  /// to the next step, so the goal is always above the count.
  public func goal(for count: Int64) -> Int64 {
    if let step = steps.first(where: { $0 > count }) { return step }
    var goal = steps.last!
    while goal <= count {
      let (next, overflow) = goal.multipliedReportingOverflow(by: 3)
      if overflow { return Int64.max }
      goal = max(goal + 1, Self.roundedToTwoDigits(next / 2))
    }
    return goal
  }

  /// `value` rounded to its two most significant digits (2,250,000 → 2,300,000).
  static func roundedToTwoDigits(_ value: Int64) -> Int64 {
    var unit: Int64 = 1
    while value / unit >= 100 { unit *= 10 }
    return (value + unit / 2) / unit * unit
  }
}
