import Foundation
import GroundswellModel
import Testing

@Suite struct HexTests {
  @Test func everyByteGivesWhatPercent02xGives() {
    let all = (0...255).map(UInt8.init)
    #expect(Hex.lowercase(all) == all.map { String(format: "%02x", $0) }.joined())
    #expect(Hex.lowercase([UInt8]()) == "")
    // Data and a sequence with no contiguous storage give the same text.
    #expect(Hex.lowercase(Data(all)) == Hex.lowercase(all))
    #expect(Hex.lowercase(all.lazy.map { $0 }) == Hex.lowercase(all))
    #expect(Hex.lowercase(Data()) == "")
  }

  @Test func newIDsKeepTheirShapeAndSpread() {
    let ids = (0..<2_000).map { _ in ResourceName.newID() }
    #expect(ids.allSatisfy { $0.utf8.count == 16 && ResourceName.isValidID($0) })
    #expect(Set(ids).count == ids.count)
    // Every position draws from its whole alphabet: 26 letters first, 32 after.
    for position in 0..<16 {
      let seen = Set(ids.map { Array($0.utf8)[position] })
      #expect(seen.count == (position == 0 ? 26 : 32), "position \(position) used \(seen.count) characters")
    }
  }
}
