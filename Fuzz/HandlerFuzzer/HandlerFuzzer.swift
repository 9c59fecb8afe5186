import Foundation
import HandlerFuzzing

/// Runs one input through the harness, blocking (libFuzzer calls in from C).
func run(_ input: [UInt8]) {
  let done = DispatchSemaphore(value: 0)
  Task {
    do {
      try await harness.call(input)
    } catch {
      FileHandle.standardError.write(Data("defect: \(error)\n".utf8))
      abort()
    }
    done.signal()
  }
  done.wait()
}

nonisolated(unsafe) let harness = try! HandlerHarness()

#if FUZZING
/// The libFuzzer entry point: build with `scripts/fuzz.sh` (`-sanitize=fuzzer,address`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  run(Array(UnsafeBufferPointer(start: data, count: size)))
  return 0
}
#else
/// Without libFuzzer: replays the files named on the command line (a
/// corpus or a crash), one by one.
@main
struct Replay {
  static func main() {
    let paths = CommandLine.arguments.dropFirst().flatMap { path -> [String] in
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return [] }
      guard isDirectory.boolValue else { return [path] }
      return ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { "\(path)/\($0)" }
    }
    for path in paths { run(Array(FileManager.default.contents(atPath: path) ?? Data())) }
    print("replayed \(paths.count) inputs")
  }
}
#endif
