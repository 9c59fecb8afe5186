/// Petition name → `PetitionEntry`, stored compactly: the entries in one
/// array and the names in a dictionary of 4-byte slots. (A dictionary of
/// whole entries spends its spare capacity — up to half its buckets — on
/// 72-byte values.) Freed slots are reused.
struct PetitionTable: Sendable, Sequence {
  private var slots: [String: Int32] = [:]
  private var entries: ContiguousArray<PetitionEntry> = []
  private var free: [Int32] = []

  var count: Int { slots.count }

  subscript(name: String) -> PetitionEntry? {
    get { slots[name].map { entries[Int($0)] } }
    set {
      if let newValue {
        entries[Int(slot(for: name))] = newValue
      } else if let slot = slots.removeValue(forKey: name) {
        entries[Int(slot)] = PetitionEntry()
        free.append(slot)
      }
    }
  }

  /// Changed in place (no copy of the entry's signer set).
  subscript(name: String, default value: PetitionEntry) -> PetitionEntry {
    get { self[name] ?? value }
    _modify {
      let slot = Int(slot(for: name, new: value))
      yield &entries[slot]
    }
  }

  /// The name as the table holds it, so every holder shares one copy.
  func storedName(_ name: String) -> String? {
    slots.index(forKey: name).map { slots[$0].key }
  }

  struct Iterator: IteratorProtocol {
    var slots: Dictionary<String, Int32>.Iterator
    let entries: ContiguousArray<PetitionEntry>

    mutating func next() -> (name: String, entry: PetitionEntry)? {
      guard let (name, slot) = slots.next() else { return nil }
      return (name, entries[Int(slot)])
    }
  }

  func makeIterator() -> Iterator {
    Iterator(slots: slots.makeIterator(), entries: entries)
  }

  private mutating func slot(for name: String, new: PetitionEntry = PetitionEntry()) -> Int32 {
    if let slot = slots[name] { return slot }
    let slot: Int32
    if let reused = free.popLast() {
      slot = reused
      entries[Int(slot)] = new
    } else {
      slot = Int32(entries.count)
      entries.append(new)
    }
    slots[name] = slot
    return slot
  }
}
