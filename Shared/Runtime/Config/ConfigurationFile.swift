import ArgumentParser
import Foundation
import Synchronization

/// The optional settings file (`--config` / `GROUNDSWELL_CONFIG`): a JSON
/// object of settings, each named like its `GROUNDSWELL_*` variable without
/// the prefix, in lower case with dashes (`GROUNDSWELL_ADMIN_LISTEN` is
/// `"admin-listen"`), whose values are strings or numbers. A flag wins over
/// the variable, the variable over the file, the file over the default. A
/// key the service does not read stops start-up (a misspelt key would
/// otherwise be ignored in silence).
public enum ConfigurationFile {
  struct State {
    var path: String?
    var values: [String: String] = [:]
    var read: Set<String> = []
  }

  static let state = Mutex(State())

  /// The file key of a `GROUNDSWELL_*` variable.
  public static func key(forEnvironment name: String) -> String {
    String(name.dropFirst(name.hasPrefix("GROUNDSWELL_") ? "GROUNDSWELL_".count : 0)).lowercased()
      .replacingOccurrences(of: "_", with: "-")
  }

  /// Reads the file; an error names the file and what to fix.
  public static func load(path: String) throws {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw ValidationError("--config: cannot read \(path)")
    }
    guard data.count <= 1 << 20 else { throw ValidationError("--config: \(path) is over 1 MiB") }
    let settings: [String: Scalar]
    do {
      settings = try JSONDecoder().decode([String: Scalar].self, from: data)
    } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
      throw ValidationError("--config: \(path) is not valid JSON")
    } catch DecodingError.typeMismatch(_, let context) where context.codingPath.isEmpty {
      throw ValidationError("--config: \(path) must hold one JSON object of settings, such as {\"log-level\": \"debug\"}")
    } catch {
      let key = (error as? DecodingError).flatMap(\.codingPath.first?.stringValue) ?? "?"
      throw ValidationError("--config: the value of `\(key.prefix(40))` in \(path) must be a string or a number")
    }
    let values = settings.mapValues(\.text)
    state.withLock { $0 = State(path: path, values: values) }
  }

  /// The file's value for a setting, if any; notes that the setting exists.
  static func value(forEnvironment name: String) -> String? {
    let key = key(forEnvironment: name)
    return state.withLock { state in
      state.read.insert(key)
      return state.values[key]
    }
  }

  /// Fails naming the file's keys that no setting read.
  public static func checkEveryKeyIsASetting() throws {
    let (path, unknown) = state.withLock { state in
      (state.path, state.values.keys.filter { !state.read.contains($0) }.sorted())
    }
    guard let path, !unknown.isEmpty else { return }
    let names = unknown.prefix(5).map { "`\($0.prefix(40))`" }.joined(separator: ", ")
    throw ValidationError(
      "--config: \(path) names \(unknown.count == 1 ? "a setting" : "settings") this service does not have: \(names) (see the settings table in the README)")
  }
}

/// A setting's value in the file: a string or a number, nothing else.
struct Scalar: Decodable {
  let text: String

  init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    if let text = try? container.decode(String.self) {
      self.text = text
    } else if let number = try? container.decode(Int64.self) {
      self.text = String(number)
    } else if let number = try? container.decode(Double.self), number.isFinite {
      self.text = String(number)
    } else {
      throw DecodingError.typeMismatch(
        String.self, .init(codingPath: decoder.codingPath, debugDescription: "a string or a number"))
    }
  }
}

private extension DecodingError {
  var codingPath: [any CodingKey] {
    switch self {
    case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context), .dataCorrupted(let context):
      context.codingPath
    @unknown default: []
    }
  }
}
