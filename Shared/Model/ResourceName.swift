import Foundation

/// Resource names (AIP-122) and the ids inside them.
public enum ResourceName {
  /// The id of `collection/{id}`, or nil when `name` is not in that shape.
  public static func id(of name: String, in collection: String) -> String? {
    let prefix = collection + "/"
    guard name.hasPrefix(prefix) else { return nil }
    let id = String(name.dropFirst(prefix.count))
    return isValidID(id) ? id : nil
  }

  /// Whether `id` is 3 to 63 lower-case letters, digits and hyphens starting
  /// with a letter (AIP-122), the rule for ids a caller chooses.
  public static func isValidID(_ id: String) -> Bool {
    guard (3...63).contains(id.utf8.count), let first = id.utf8.first, isLetter(first) else { return false }
    return id.utf8.allSatisfy { isLetter($0) || ($0 >= 48 && $0 <= 57) || $0 == 45 }
  }

  /// The characters of ids Groundswell makes (lower-case base32), made once.
  public static let idAlphabet = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)

  /// A new random id: a letter and 15 characters of lower-case base32, about
  /// 80 bits of randomness, so ids cannot be guessed or enumerated.
  public static func newID() -> String {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(16)
    appendRandomID(to: &bytes)
    return String(decoding: bytes, as: UTF8.self)
  }

  /// Appends the 16 characters of a new random id to `bytes`.
  private static func appendRandomID(to bytes: inout [UInt8]) {
    let alphabet = idAlphabet
    // One getrandom call for all 128 bits, not one per character: ids are
    // made on every signature.
    var bits = (UInt64(0), UInt64(0))
    withUnsafeMutableBytes(of: &bits) { Randomness.fill($0) }
    // The letter from 49 bits (a bias below 2^-44), then 15 × 5 bits.
    bytes.append(alphabet[Int((bits.1 >> 15) % 26)])
    for index in 0..<15 {
      let value = index < 12 ? bits.0 & 31 : bits.1 & 31
      if index < 12 { bits.0 >>= 5 } else { bits.1 >>= 5 }
      bytes.append(alphabet[Int(value)])
    }
  }

  /// The characters of a time-ordered id's clock, in bytewise order
  /// (digits sort before letters), so that comparing ids compares times.
  static let sortedAlphabet = Array("234567abcdefghijklmnopqrstuvwxyz".utf8)

  /// The milliseconds a time-ordered id can hold: 26 × 2⁴⁰, until the year 2875.
  static let orderedMillisecondLimit: Int64 = 26 << 40

  /// A new id that sorts by `time` and is as unguessable as `newID()`:
  /// a letter and 8 characters of base 32 holding the milliseconds since
  /// 1970 (in an order that compares bytewise like the times), then a whole
  /// `newID()` — 25 characters. Rows keyed by such ids are appended to their
  /// index instead of landing on a random page of it. The id tells whoever
  /// sees it when it was made, to the millisecond, so use it only where the
  /// row's time is no secret from them (a signature's, say).
  public static func newTimeOrderedID(at time: Date) -> String {
    // Clamped as a Double first: converting an out-of-range Double traps.
    let since1970 = (time.timeIntervalSince1970 * 1000).rounded()
    let milliseconds = since1970.isNaN ? 0 : Int64(min(max(since1970, 0), Double(orderedMillisecondLimit - 1)))
    let sorted = sortedAlphabet
    var bytes: [UInt8] = [idAlphabet[Int(milliseconds >> 40)]]
    bytes.reserveCapacity(25)
    for shift in stride(from: 35, through: 0, by: -5) { bytes.append(sorted[Int((milliseconds >> Int64(shift)) & 31)]) }
    appendRandomID(to: &bytes)
    return String(decoding: bytes, as: UTF8.self)
  }

  private static func isLetter(_ byte: UInt8) -> Bool { byte >= 97 && byte <= 122 }
}
