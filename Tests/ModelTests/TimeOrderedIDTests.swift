import Foundation
import GroundswellModel
import Testing

@Suite struct TimeOrderedIDTests {
  private static func id(milliseconds: Int64) -> String {
    ResourceName.newTimeOrderedID(at: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
  }

  @Test func idsCompareBytewiseAsTheirTimesDo() {
    // Random times over the whole range, and neighbours across each
    // character's boundary (where a carry changes several characters).
    var generator = SystemRandomNumberGenerator()
    var times = (0..<2_000).map { _ in Int64.random(in: 0..<(26 << 40), using: &generator) }
    for shift in stride(from: 0, through: 40, by: 5) {
      let boundary = Int64(1) << shift
      times += [boundary - 1, boundary, 3 * boundary - 1, 3 * boundary]
    }
    let ordered = Array(Set(times)).sorted()
    let ids = ordered.map { Self.id(milliseconds: $0) }
    for (earlier, later) in zip(ids, ids.dropFirst()) {
      #expect(Array(earlier.utf8).prefix(9).lexicographicallyPrecedes(Array(later.utf8).prefix(9)), "\(earlier) ≮ \(later)")
      #expect(earlier < later)
    }
  }

  @Test func theClockPartIsTheMillisecondsInSortedBase32() {
    // Worked by hand: 1,700,000,000,123 ms is 1 × 2⁴⁰ (b) and then eight
    // 5-bit groups in "234567abcdefghijklmnopqrstuvwxyz".
    #expect(Self.id(milliseconds: 1_700_000_000_123).hasPrefix("bljbyeu5v"))
    #expect(Self.id(milliseconds: 0).hasPrefix("a22222222"))
    // Out of range times are clamped, not trapped on.
    #expect(ResourceName.newTimeOrderedID(at: Date(timeIntervalSince1970: -5)).hasPrefix("a22222222"))
    #expect(ResourceName.newTimeOrderedID(at: .distantFuture).hasPrefix("zzzzzzzzz"))
    #expect(Self.id(milliseconds: (26 << 40) - 1).hasPrefix("zzzzzzzzz"))
  }

  @Test func idsOfOneMillisecondAreValidAndStillUnguessable() {
    let now = Date()
    let ids = (0..<2_000).map { _ in ResourceName.newTimeOrderedID(at: now) }
    #expect(ids.allSatisfy { $0.utf8.count == 25 && ResourceName.isValidID($0) })
    #expect(Set(ids.map { $0.prefix(9) }).count == 1)
    #expect(Set(ids).count == ids.count)
    // The 16 characters after the clock are a whole random id: every
    // position draws from its whole alphabet.
    for position in 9..<25 {
      let seen = Set(ids.map { Array($0.utf8)[position] })
      #expect(seen.count == (position == 9 ? 26 : 32), "position \(position) used \(seen.count) characters")
    }
  }
}
