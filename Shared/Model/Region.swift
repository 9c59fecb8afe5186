/// Where a signer is, as far as a petition's organizers need to know: the
/// country (ISO 3166-1 alpha-2) and, where the postal code tells it, the
/// subdivision as an ISO 3166-2 code such as `US-CA` or `CA-ON`.
public struct Region: Sendable, Equatable, Hashable {
  public var country: String
  /// Empty when the postal code does not tell the subdivision.
  public var subdivision: String

  public init(country: String, subdivision: String = "") {
    self.country = country
    self.subdivision = subdivision
  }

  /// Why a country and postal code cannot be used.
  public enum Problem: Error, Equatable {
    case country(String)
    case postalCode(String)
  }

  /// Derives the region from a country code and a postal code. The country
  /// is required when a postal code is given; the postal code is checked for
  /// the countries whose format Groundswell knows (US, CA).
  public static func derive(country rawCountry: String, postalCode rawPostal: String) -> Result<Region?, Problem> {
    let country = rawCountry.trimmingWhitespace().uppercased()
    let postal = rawPostal.trimmingWhitespace().uppercased()
    if country.isEmpty {
      return postal.isEmpty ? .success(nil) : .failure(.country("is required with a postal code, as an ISO 3166-1 code such as `US`."))
    }
    guard isCountryCode(country) else {
      return .failure(.country("must be a two-letter ISO 3166-1 code such as `US` or `GB`; got `\(Echo.prefix(rawCountry))`."))
    }
    guard postal.count <= Limits.postalCode else { return .failure(.postalCode("must be at most \(Limits.postalCode) characters.")) }
    switch country {
    case "US":
      guard postal.isEmpty || isUSZip(postal) else {
        return .failure(.postalCode("must be a US ZIP code such as `06103` or `06103-1234`."))
      }
      return .success(Region(country: country, subdivision: postal.isEmpty ? "" : usState(zip: postal).map { "US-\($0)" } ?? ""))
    case "CA":
      let compact = postal.replacingOccurrences(of: " ", with: "")
      guard postal.isEmpty || isCanadianPostalCode(compact) else {
        return .failure(.postalCode("must be a Canadian postal code such as `K1A 0B1`."))
      }
      return .success(Region(country: country, subdivision: compact.first.flatMap { canadianProvinces[$0] }.map { "CA-\($0)" } ?? ""))
    default:
      return .success(Region(country: country))
    }
  }

  /// Whether `code` looks like an ISO 3166-1 alpha-2 code.
  public static func isCountryCode(_ code: String) -> Bool {
    code.utf8.count == 2 && code.utf8.allSatisfy { $0 >= 65 && $0 <= 90 }
  }

  /// Whether `code` looks like an ISO 3166-2 code (`US-CT`) or a bare country.
  public static func isJurisdictionCode(_ code: String) -> Bool {
    let parts = code.split(separator: "-", omittingEmptySubsequences: false)
    guard let country = parts.first, isCountryCode(String(country)) else { return false }
    if parts.count == 1 { return true }
    guard parts.count == 2, (1...3).contains(parts[1].utf8.count) else { return false }
    return parts[1].utf8.allSatisfy { ($0 >= 65 && $0 <= 90) || ($0 >= 48 && $0 <= 57) }
  }

  private static func isUSZip(_ zip: String) -> Bool {
    let digits = zip.utf8.map { $0 }
    let isDigit = { (byte: UInt8) in byte >= 48 && byte <= 57 }
    if digits.count == 5 { return digits.allSatisfy(isDigit) }
    return digits.count == 10 && digits[5] == 45 && digits[..<5].allSatisfy(isDigit) && digits[6...].allSatisfy(isDigit)
  }

  private static func isCanadianPostalCode(_ code: String) -> Bool {
    let bytes = Array(code.utf8)
    guard bytes.count == 6 else { return false }
    return bytes.enumerated().allSatisfy { index, byte in
      index % 2 == 0 ? (byte >= 65 && byte <= 90) : (byte >= 48 && byte <= 57)
    }
  }

  /// The state of a ZIP code by its first three digits (USPS sectional
  /// centers); nil for the prefixes no state uses.
  static func usState(zip: String) -> String? {
    guard let prefix = Int(zip.prefix(3)) else { return nil }
    return usZipRanges.first { $0.range.contains(prefix) }?.state
  }

  private static let usZipRanges: [(range: ClosedRange<Int>, state: String)] = [
    (6...7, "PR"), (8...8, "VI"), (9...9, "PR"), (10...27, "MA"), (28...29, "RI"), (30...38, "NH"),
    (39...49, "ME"), (50...54, "VT"), (55...55, "MA"), (56...59, "VT"), (60...69, "CT"), (70...89, "NJ"),
    (100...149, "NY"), (150...196, "PA"), (197...199, "DE"), (200...200, "DC"), (201...201, "VA"),
    (202...205, "DC"), (206...219, "MD"), (220...246, "VA"), (247...268, "WV"), (270...289, "NC"),
    (290...299, "SC"), (300...319, "GA"), (320...339, "FL"), (341...349, "FL"), (350...369, "AL"),
    (370...385, "TN"), (386...397, "MS"), (398...399, "GA"), (400...427, "KY"), (430...459, "OH"),
    (460...479, "IN"), (480...499, "MI"), (500...528, "IA"), (530...549, "WI"), (550...567, "MN"),
    (569...569, "DC"), (570...577, "SD"), (580...588, "ND"), (590...599, "MT"), (600...629, "IL"),
    (630...658, "MO"), (660...679, "KS"), (680...693, "NE"), (700...714, "LA"), (716...729, "AR"),
    (730...732, "OK"), (733...733, "TX"), (734...749, "OK"), (750...799, "TX"), (800...816, "CO"),
    (820...831, "WY"), (832...838, "ID"), (840...847, "UT"), (850...865, "AZ"), (870...884, "NM"),
    (885...885, "TX"), (889...898, "NV"), (900...961, "CA"), (967...968, "HI"), (969...969, "GU"),
    (970...979, "OR"), (980...994, "WA"), (995...999, "AK"),
  ]

  /// Canadian provinces and territories by the first letter of the postal code.
  private static let canadianProvinces: [Character: String] = [
    "A": "NL", "B": "NS", "C": "PE", "E": "NB", "G": "QC", "H": "QC", "J": "QC", "K": "ON", "L": "ON",
    "M": "ON", "N": "ON", "P": "ON", "R": "MB", "S": "SK", "T": "AB", "V": "BC", "X": "NT", "Y": "YT",
  ]
}
