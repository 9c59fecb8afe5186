import Foundation

/// One service process, read from `/proc`: CPU seconds used so far and peak
/// resident memory.
struct ServiceProcess: Sendable {
  var name: String
  var pid: Int32

  /// `name=pid` as given on the command line.
  init?(argument: String) {
    let parts = argument.split(separator: "=", maxSplits: 1)
    guard parts.count == 2, let pid = Int32(parts[1]), pid > 0 else { return nil }
    name = String(parts[0])
    self.pid = pid
  }

  /// User plus system CPU seconds, from fields 14 and 15 of `/proc/PID/stat`.
  func cpuSeconds() -> Double {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = stat.lastIndex(of: ")")
    else { return .nan }
    // Fields after the command name (which may hold spaces) start at field 3.
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return .nan }
    return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
  }

  /// `VmHWM` (peak resident) and `VmRSS` in MB, from `/proc/PID/status`.
  func memory() -> (peak: Double, resident: Double) {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return (.nan, .nan) }
    func kilobytes(_ field: String) -> Double {
      guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }) else { return .nan }
      return Double(line.split(whereSeparator: \.isWhitespace)[1]) ?? .nan
    }
    return (kilobytes("VmHWM") / 1024, kilobytes("VmRSS") / 1024)
  }
}
