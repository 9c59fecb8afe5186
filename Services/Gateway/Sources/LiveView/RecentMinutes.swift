/// A petition's signatures per minute over the last day, as a short array
/// sorted by minute (a dictionary per petition costs several times more).
struct RecentMinutes: Sendable, Sequence {
  /// Minutes since the epoch fit 32 bits until the year 6053.
  struct Minute: Sendable {
    var minute: Int32
    var count: Int32
  }

  private var minutes: ContiguousArray<Minute> = []

  init() {}

  /// From minute → signatures; zero counts are left out.
  init(_ counts: [Int64: Int64]) {
    merge(counts)
  }

  var isEmpty: Bool { minutes.isEmpty }

  /// Signatures in the minutes `range`.
  func sum(_ range: ClosedRange<Int64>) -> Int64 {
    var total: Int64 = 0
    for entry in minutes[firstIndex(atOrAfter: range.lowerBound)...] {
      guard Int64(entry.minute) <= range.upperBound else { break }
      total += Int64(entry.count)
    }
    return total
  }

  /// Adds each minute from `first` on to `sums[minute - first]`.
  func add(into sums: inout [Int64], from first: Int64) {
    for entry in minutes[firstIndex(atOrAfter: first)...] {
      let index = Int(Int64(entry.minute) - first)
      guard index < sums.count else { break }
      sums[index] += Int64(entry.count)
    }
  }

  /// Sets the given minutes' counts (newer figures win); a zero removes one.
  mutating func merge(_ counts: [Int64: Int64]) {
    guard !counts.isEmpty else { return }
    var merged = Dictionary(uniqueKeysWithValues: minutes.map { (Int64($0.minute), Int64($0.count)) })
    merged.merge(counts) { _, newer in newer }
    minutes = ContiguousArray(
      merged.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map {
        Minute(minute: Int32(clamping: $0.key), count: Int32(clamping: $0.value))
      })
  }

  /// Forgets minutes before `minute`; returns whether any were dropped.
  @discardableResult
  mutating func prune(before minute: Int64) -> Bool {
    let index = firstIndex(atOrAfter: minute)
    guard index > 0 else { return false }
    minutes.removeFirst(index)
    return true
  }

  func makeIterator() -> some IteratorProtocol<(minute: Int64, count: Int64)> {
    minutes.lazy.map { (Int64($0.minute), Int64($0.count)) }.makeIterator()
  }

  private func firstIndex(atOrAfter minute: Int64) -> Int {
    var low = 0
    var high = minutes.count
    while low < high {
      let middle = (low + high) / 2
      if Int64(minutes[middle].minute) < minute { low = middle + 1 } else { high = middle }
    }
    return low
  }
}
