#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// IP addresses as clients send them.
public enum IPAddress {
  /// The address in its canonical text form (IPv4 dotted, IPv6 compressed
  /// lower case), or nil when it is not one. At most 45 bytes are read.
  public static func canonical(_ text: String) -> String? {
    guard !text.isEmpty, text.utf8.count <= 45 else { return nil }
    var v4 = in_addr()
    if inet_pton(AF_INET, text, &v4) == 1 { return format(AF_INET, &v4, length: INET_ADDRSTRLEN) }
    var v6 = in6_addr()
    if inet_pton(AF_INET6, text, &v6) == 1 { return format(AF_INET6, &v6, length: INET6_ADDRSTRLEN) }
    return nil
  }

  private static func format<T>(_ family: Int32, _ address: inout T, length: Int32) -> String? {
    var buffer = [CChar](repeating: 0, count: Int(length))
    guard inet_ntop(family, &address, &buffer, socklen_t(length)) != nil else { return nil }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}
