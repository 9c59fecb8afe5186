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
/// libFuzzer's driver (`-sanitize=fuzzer` links it).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
  _ argc: UnsafeMutablePointer<CInt>,
  _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
  _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// One input, as libFuzzer calls it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
  return 0
}

/// The entry point SwiftPM links as `main` for this executable; it hands
/// the command line to libFuzzer (built by `scripts/fuzz.sh`).
@_cdecl("handler_fuzzer_main")
func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
  var count = argc
  var arguments = argv
  return LLVMFuzzerRunDriver(&count, &arguments) { data, size in fuzzOne(data, size) }
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
