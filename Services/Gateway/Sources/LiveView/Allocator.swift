#if canImport(Glibc)
import Glibc
#endif

/// The gateway's one dealing with glibc's allocator, which holds the live
/// view (a no-op on other C libraries). `malloc_trim` is not in the Glibc
/// module, so it is looked up by name.
enum Allocator {
  /// Hands the memory a snapshot's messages used back to the system once the
  /// snapshot is in the view; otherwise the allocator keeps it for reuse and
  /// the gateway's footprint stays at its loading peak.
  static func releaseFreedMemory() {
    #if canImport(Glibc)
    typealias MallocTrim = @convention(c) (Int) -> Int32
    if let symbol = dlsym(nil, "malloc_trim") { _ = unsafeBitCast(symbol, to: MallocTrim.self)(0) }
    #endif
  }
}
