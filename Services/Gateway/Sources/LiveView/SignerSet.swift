/// A petition's signers as `SupporterKey`s. Most petitions in a large
/// deployment have few signers, and a hash set's header and spare capacity
/// cost several times its keys; so up to `smallLimit` signers live in a
/// plain array (a linear scan of a few hundred bytes), and more in a
/// `CompactKeyTable` (about 17 bytes a signer).
struct SignerSet: Sendable, Equatable, Sequence {
  private enum Storage: Sendable {
    case small(ContiguousArray<UInt128>)
    case large(CompactKeyTable)
  }

  static let smallLimit = 32

  private var storage = Storage.small([])

  init() {}

  init(_ keys: some Sequence<UInt128>) {
    // Room for exactly the keys expected (appending one by one would double).
    let expected = keys.underestimatedCount
    if expected <= Self.smallLimit {
      var small = ContiguousArray<UInt128>()
      small.reserveCapacity(expected)
      storage = .small(small)
    } else {
      storage = .large(CompactKeyTable(minimumCapacity: expected))
    }
    formUnion(keys)
  }

  var count: Int {
    switch storage {
    case .small(let keys): keys.count
    case .large(let keys): keys.count
    }
  }

  var isEmpty: Bool { count == 0 }

  func contains(_ key: UInt128) -> Bool {
    switch storage {
    case .small(let keys): keys.contains(key)
    case .large(let keys): keys.contains(key)
    }
  }

  /// Adds `key`; returns whether it was new.
  @discardableResult
  mutating func insert(_ key: UInt128) -> Bool {
    switch storage {
    case .small(var keys):
      guard !keys.contains(key) else { return false }
      storage = .small([])  // release the array so appending does not copy it
      if keys.count < Self.smallLimit {
        keys.append(key)
        storage = .small(keys)
      } else {
        var table = CompactKeyTable(minimumCapacity: keys.count + 1)
        for old in keys { table.insert(old) }
        table.insert(key)
        storage = .large(table)
      }
      return true
    case .large(var keys):
      storage = .small([])
      defer { storage = .large(keys) }
      return keys.insert(key)
    }
  }

  /// Removes `key`; returns whether it was there.
  @discardableResult
  mutating func remove(_ key: UInt128) -> Bool {
    switch storage {
    case .small(var keys):
      guard let index = keys.firstIndex(of: key) else { return false }
      storage = .small([])
      keys.swapAt(index, keys.count - 1)
      keys.removeLast()
      storage = .small(keys)
      return true
    case .large(var keys):
      storage = .small([])
      defer { storage = .large(keys) }
      return keys.remove(key)
    }
  }

  mutating func formUnion(_ keys: some Sequence<UInt128>) {
    for key in keys { insert(key) }
  }

  /// The keys of `self` that `other` lacks.
  func subtracting(_ other: SignerSet) -> [UInt128] {
    filter { !other.contains($0) }
  }

  func makeIterator() -> AnyIterator<UInt128> {
    switch storage {
    case .small(let keys): AnyIterator(keys.makeIterator())
    case .large(let keys): AnyIterator(keys.makeIterator())
    }
  }

  static func == (left: SignerSet, right: SignerSet) -> Bool {
    left.count == right.count && left.allSatisfy(right.contains)
  }
}
