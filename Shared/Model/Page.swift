import Foundation

/// Pagination (AIP-158): page sizes coerced into range and opaque page tokens
/// that carry the position after the last item and the query they belong to.
public struct PageRequest: Sendable, Equatable {
  public static let defaultSize = 25
  public static let maximumSize = 100

  /// How many items to return.
  public var size: Int
  /// The sequence number after which the page starts; 0 for the first page.
  public var after: Int64

  public init(size: Int, after: Int64) {
    self.size = size
    self.after = after
  }

  /// Reads `page_size` and `page_token` of a list request; `query` names the
  /// filters so that a token cannot be replayed against a different query.
  public static func parse(size: Int32, token: String, query: String, into validator: inout Validator) -> PageRequest {
    var result = PageRequest(size: defaultSize, after: 0)
    if size < 0 {
      validator.add("page_size", "page_size must not be negative.")
    } else if size > 0 {
      result.size = min(Int(size), maximumSize)
    }
    if !token.isEmpty {
      if let position = PageToken.decode(token, query: query) {
        result.after = position
      } else {
        validator.add("page_token", "page_token is not one this query returned; start again with an empty token.")
      }
    }
    return result
  }
}

/// The opaque token: base64url of `v1|query|position`.
public enum PageToken {
  /// The largest position a token may carry: far beyond any table, and
  /// small enough that adding a page to it cannot overflow.
  public static let maximumPosition: Int64 = 1 << 53

  public static func encode(position: Int64, query: String) -> String {
    Data("v1|\(query)|\(position)".utf8).base64EncodedString()
      .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
      .replacingOccurrences(of: "=", with: "")
  }

  public static func decode(_ token: String, query: String) -> Int64? {
    var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    while base64.count % 4 != 0 { base64 += "=" }
    guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8) else { return nil }
    // The query may itself hold `|`: the position follows the last one.
    guard text.hasPrefix("v1|"), let last = text.lastIndex(of: "|"), last >= text.index(text.startIndex, offsetBy: 2),
      text[text.index(text.startIndex, offsetBy: 3)..<last] == query,
      let position = Int64(text[text.index(after: last)...]), position > 0, position <= maximumPosition
    else { return nil }
    return position
  }

  /// The next page token for a page that was filled from `size + 1` fetched
  /// rows: empty when nothing follows.
  public static func next(lastPosition: Int64?, hasMore: Bool, query: String) -> String {
    guard hasMore, let lastPosition else { return "" }
    return encode(position: lastPosition, query: query)
  }
}
