/// A hash set of `SupporterKey`s that stores the usual key in 10 bytes.
///
/// Supporter names Groundswell makes are 16 characters of base32 (80 random
/// bits), so their keys have one shape: the length 16 in the top byte, 80
/// bits of id, zeros between. Such a key is kept as its low 64 bits and the
/// next 16, in two parallel arrays probed linearly (load at most 4/5): about
/// 17 bytes a signer instead of about 29 in a `Set<UInt128>`. Any other key
/// (a name of another length or form, hashed) and the one key whose stored
/// parts would both be zero — the sign of an empty slot — live in a small
/// ordinary set beside it.
struct CompactKeyTable: Sendable, Sequence {
  private var lows = ContiguousArray<UInt64>()
  private var highs = ContiguousArray<UInt16>()
  private var stored = 0
  private var others = Set<UInt128>()

  /// The top 64 bits of a compact key, apart from its 16 id bits.
  private static let compactTop = UInt64(16) << 56

  init(minimumCapacity: Int = 0) {
    if minimumCapacity > 0 { resize(to: Self.capacity(for: minimumCapacity)) }
  }

  var count: Int { stored + others.count }

  func contains(_ key: UInt128) -> Bool {
    guard let (low, high) = Self.parts(of: key) else { return others.contains(key) }
    return find(low, high).found
  }

  /// Adds `key`; returns whether it was new.
  @discardableResult
  mutating func insert(_ key: UInt128) -> Bool {
    guard let (low, high) = Self.parts(of: key) else { return others.insert(key).inserted }
    if (stored + 1) * 5 > lows.count * 4 { resize(to: Swift.max(16, lows.count * 2)) }
    let (found, slot) = find(low, high)
    if found { return false }
    lows[slot] = low
    highs[slot] = high
    stored += 1
    return true
  }

  /// Removes `key`; returns whether it was there.
  @discardableResult
  mutating func remove(_ key: UInt128) -> Bool {
    guard let (low, high) = Self.parts(of: key) else { return others.remove(key) != nil }
    let (found, start) = find(low, high)
    guard found else { return false }
    var hole = start
    // Backward-shift deletion: move later entries of the run into the hole
    // when their home slot is not between the hole and where they sit.
    let mask = lows.count - 1
    var next = (hole + 1) & mask
    while !Self.isEmpty(lows[next], highs[next]) {
      let home = Self.home(lows[next], highs[next], mask: mask)
      if (next - home) & mask >= (next - hole) & mask {
        lows[hole] = lows[next]
        highs[hole] = highs[next]
        hole = next
      }
      next = (next + 1) & mask
    }
    lows[hole] = 0
    highs[hole] = 0
    stored -= 1
    return true
  }

  /// Every key, in no particular order, without copying the table.
  struct Iterator: IteratorProtocol {
    fileprivate let table: CompactKeyTable
    fileprivate var slot = 0
    fileprivate var rest: Set<UInt128>.Iterator

    mutating func next() -> UInt128? {
      while slot < table.lows.count {
        defer { slot += 1 }
        let (low, high) = (table.lows[slot], table.highs[slot])
        if !CompactKeyTable.isEmpty(low, high) { return UInt128(CompactKeyTable.compactTop | UInt64(high)) << 64 | UInt128(low) }
      }
      return rest.next()
    }
  }

  func makeIterator() -> Iterator { Iterator(table: self, rest: others.makeIterator()) }

  // MARK: slots

  /// The two stored parts of a compact key, or nil for a key kept in `others`.
  private static func parts(of key: UInt128) -> (UInt64, UInt16)? {
    let top = UInt64(truncatingIfNeeded: key >> 64)
    guard top & ~0xFFFF == compactTop else { return nil }
    let low = UInt64(truncatingIfNeeded: key)
    let high = UInt16(truncatingIfNeeded: top)
    return isEmpty(low, high) ? nil : (low, high)
  }

  private static func isEmpty(_ low: UInt64, _ high: UInt16) -> Bool { low == 0 && high == 0 }

  /// The slot a key's probe starts at (ids are random, but names made
  /// elsewhere may not be: the bits are mixed first).
  private static func home(_ low: UInt64, _ high: UInt16, mask: Int) -> Int {
    let mixed = (low ^ UInt64(high) << 48 ^ low >> 29) &* 0x9E37_79B9_7F4A_7C15
    return Int(truncatingIfNeeded: mixed >> 32) & mask
  }

  /// Where the key is, or the empty slot where it would go.
  private func find(_ low: UInt64, _ high: UInt16) -> (found: Bool, slot: Int) {
    guard !lows.isEmpty else { return (false, 0) }
    let mask = lows.count - 1
    var slot = Self.home(low, high, mask: mask)
    while true {
      if lows[slot] == low && highs[slot] == high { return (true, slot) }
      if Self.isEmpty(lows[slot], highs[slot]) { return (false, slot) }
      slot = (slot + 1) & mask
    }
  }

  private static func capacity(for count: Int) -> Int {
    var capacity = 16
    while capacity * 4 < count * 5 { capacity *= 2 }
    return capacity
  }

  private mutating func resize(to capacity: Int) {
    let oldLows = lows
    let oldHighs = highs
    lows = ContiguousArray(repeating: 0, count: capacity)
    highs = ContiguousArray(repeating: 0, count: capacity)
    for slot in oldLows.indices where !Self.isEmpty(oldLows[slot], oldHighs[slot]) {
      let (_, free) = find(oldLows[slot], oldHighs[slot])
      lows[free] = oldLows[slot]
      highs[free] = oldHighs[slot]
    }
  }
}
