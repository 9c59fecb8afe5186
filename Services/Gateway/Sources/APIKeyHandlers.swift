import Foundation
import GRPCCore
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime
import SwiftProtobuf

/// The handlers of `ApiKeyService`. An operator manages every key; a partner
/// key with `keys.manage` manages its own organization's, and gives a new
/// key no scope it lacks itself. Another organization's key answers exactly
/// like a key that does not exist.
public struct APIKeyHandlers: Groundswell_Gateway_V1_ApiKeyService.SimpleServiceProtocol {
  let repository: any APIKeyRepository
  let cache: APIKeyCache
  let directory: any TenantDirectory
  let now: @Sendable () -> Date

  /// How long an old secret works after a rotation, unless asked otherwise.
  public static let defaultGrace: Int64 = 86_400
  public static let maximumGrace: Int64 = 604_800

  public init(
    repository: any APIKeyRepository, cache: APIKeyCache, directory: any TenantDirectory,
    now: @escaping @Sendable () -> Date = Date.init
  ) {
    self.repository = repository
    self.cache = cache
    self.directory = directory
    self.now = now
  }

  public func createApiKey(
    request: Groundswell_Gateway_V1_CreateApiKeyRequest, context: ServerContext
  ) async throws -> Groundswell_Gateway_V1_CreateApiKeyResponse {
    let call = CallContext.current
    let key = request.apiKey
    var validator = Validator()
    validator.text("api_key.display_name", key.displayName, maximum: Limits.personName)
    let scopes = Self.scopes(key.scopes, into: &validator)
    if key.operator {
      if !key.organization.isEmpty { validator.add("api_key.organization", "api_key.organization must be empty for an operator key.") }
    } else if !key.organization.isEmpty || call.isOperator {
      validator.name("api_key.organization", key.organization, collection: "organizations")
    }
    var expiry: Date?
    if key.hasExpireTime {
      validator.time("api_key.expire_time", key.expireTime)
      let date = key.expireTime.date
      if date <= now() { validator.add("api_key.expire_time", "api_key.expire_time must be in the future.") }
      expiry = date
    }
    let quota = Self.quota(key.quota, into: &validator)
    try validator.check()

    let organization = key.operator ? nil : (key.organization.isEmpty ? call.organization : key.organization)
    if !call.isOperator {
      if key.operator { throw DomainError.permissionDenied("Only an operator key may create operator keys.") }
      try call.requireActing(for: organization ?? "", .manageKeys)
      try Self.requireGrantable(scopes: scopes, quota: quota, by: call)
    }
    if let organization, call.isOperator, try await !directory.organizationExists(organization) {
      throw DomainError.notFound("Organization `\(organization)` was not found.")
    }
    let given = scopes.isEmpty ? (call.isOperator ? APIScope.partnerDefault : call.scopes.intersection(APIScope.partnerDefault)) : scopes
    let (record, secret) = try await repository.create(
      NewAPIKey(
        organization: organization, isOperator: key.operator, label: key.displayName.trimmingWhitespace(), scopes: given,
        expireTime: expiry, quota: quota),
      now: now())
    try cache.refresh()
    return .with {
      $0.apiKey = record.proto
      $0.secret = secret
    }
  }

  public func listApiKeys(
    request: Groundswell_Gateway_V1_ListApiKeysRequest, context: ServerContext
  ) async throws -> Groundswell_Gateway_V1_ListApiKeysResponse {
    let call = CallContext.current
    var validator = Validator()
    if !request.organization.isEmpty { validator.name("organization", request.organization, collection: "organizations") }
    let query = "api-keys|\(request.organization)"
    let page = PageRequest.parse(size: request.pageSize, token: request.pageToken, query: query, into: &validator)
    try validator.check()
    var organization: String? = request.organization.isEmpty ? nil : request.organization
    if !call.isOperator {
      let own = call.organization ?? ""
      try call.requireActing(for: organization ?? own, .manageKeys)
      organization = own
    }
    let (keys, hasMore) = try await repository.keys(organization: organization, before: page.after, limit: page.size)
    return .with {
      $0.apiKeys = keys.map(\.proto)
      $0.nextPageToken = PageToken.next(lastPosition: keys.last?.sequence, hasMore: hasMore, query: query)
    }
  }

  public func updateApiKey(
    request: Groundswell_Gateway_V1_UpdateApiKeyRequest, context: ServerContext
  ) async throws -> Groundswell_Gateway_V1_UpdateApiKeyResponse {
    let key = request.apiKey
    var validator = Validator()
    let id = validator.name("api_key.name", key.name, collection: "apiKeys")
    let paths = Set(request.updateMask.paths)
    let editable: Set<String> = ["display_name", "scopes", "quota"]
    if paths.isEmpty { validator.add("update_mask", "update_mask must name the fields to change: display_name, scopes or quota.") }
    for path in paths.subtracting(editable).sorted() {
      validator.add("update_mask", "update_mask names `\(Echo.prefix(path))`, which cannot be changed; changeable: display_name, quota, scopes.")
    }
    if paths.contains("display_name") { validator.text("api_key.display_name", key.displayName, maximum: Limits.personName) }
    let scopes = paths.contains("scopes") ? Self.scopes(key.scopes, into: &validator) : nil
    if scopes?.isEmpty == true { validator.add("api_key.scopes", "api_key.scopes must name at least one scope.") }
    let quota = paths.contains("quota") ? Self.quota(key.quota, into: &validator) : nil
    try validator.check()
    _ = try await manageable(id!, name: key.name)
    let call = CallContext.current
    if !call.isOperator { try Self.requireGrantable(scopes: scopes ?? [], quota: quota ?? KeyQuota(), by: call) }
    guard let updated = try await repository.update(
      id: id!, label: paths.contains("display_name") ? key.displayName.trimmingWhitespace() : nil, scopes: scopes, quota: quota)
    else {
      throw DomainError.notFound("API key `\(key.name)` was not found.")
    }
    try cache.refresh()
    return .with { $0.apiKey = updated.proto }
  }

  public func rotateApiKey(
    request: Groundswell_Gateway_V1_RotateApiKeyRequest, context: ServerContext
  ) async throws -> Groundswell_Gateway_V1_RotateApiKeyResponse {
    var validator = Validator()
    let id = validator.name("name", request.name, collection: "apiKeys")
    let grace = request.hasGracePeriodSeconds ? request.gracePeriodSeconds : Self.defaultGrace
    if grace < 0 || grace > Self.maximumGrace {
      validator.add("grace_period_seconds", "grace_period_seconds must be between 0 and \(Self.maximumGrace) (a week).")
    }
    try validator.check()
    _ = try await manageable(id!, name: request.name)
    guard let (record, secret) = try await repository.rotate(id: id!, grace: TimeInterval(grace), now: now()) else {
      throw DomainError.notFound("API key `\(request.name)` was not found.")
    }
    try cache.refresh()
    return .with {
      $0.apiKey = record.proto
      $0.secret = secret
    }
  }

  public func revokeApiKey(
    request: Groundswell_Gateway_V1_RevokeApiKeyRequest, context: ServerContext
  ) async throws -> Groundswell_Gateway_V1_RevokeApiKeyResponse {
    var validator = Validator()
    let id = validator.name("name", request.name, collection: "apiKeys")
    try validator.check()
    _ = try await manageable(id!, name: request.name)
    guard let record = try await repository.revoke(id: id!, now: now()) else {
      throw DomainError.notFound("API key `\(request.name)` was not found.")
    }
    try cache.refresh()
    return .with { $0.apiKey = record.proto }
  }

  /// The key, if the caller may manage it; another organization's key is
  /// NOT_FOUND, like one that does not exist.
  func manageable(_ id: String, name: String) async throws -> APIKeyRecord {
    let call = CallContext.current
    guard let record = try await repository.key(id: id), call.isOperator || (record.organization != nil && record.organization == call.organization)
    else {
      throw DomainError.notFound("API key `\(name)` was not found.")
    }
    return record
  }

  /// The scopes named, each checked.
  static func scopes(_ names: [String], into validator: inout Validator) -> Set<APIScope> {
    var scopes = Set<APIScope>()
    guard validator.count("api_key.scopes", names, maximum: APIScope.allCases.count) else { return scopes }
    for (index, name) in names.enumerated() {
      let field = "api_key.scopes[\(index)]"
      guard let scope = APIScope(rawValue: name) else {
        validator.add(field, "\(field) `\(Echo.prefix(name))` is not a scope; scopes are \(APIScope.partnerDefault.sorted().map(\.rawValue).joined(separator: ", ")).")
        continue
      }
      if scope == .operator { validator.add(field, "api_key.scopes may not include operator; set api_key.operator instead.") }
      scopes.insert(scope)
    }
    return scopes
  }

  /// A partner may give only scopes its own key has, and no unlimited quota.
  static func requireGrantable(scopes: Set<APIScope>, quota: KeyQuota, by call: CallContext) throws {
    if quota.unlimited { throw DomainError.permissionDenied("Only an operator key may make a key unlimited.") }
    let missing = scopes.subtracting(call.scopes)
    if !missing.isEmpty {
      throw DomainError.permissionDenied("Your API key may give a key only scopes it has; it lacks \(APIScope.list(missing)).")
    }
  }

  /// The quota asked for, range-checked; zeros take the defaults.
  static func quota(_ quota: Groundswell_Gateway_V1_Quota, into validator: inout Validator) -> KeyQuota {
    if quota.callsPerSecond != 0 && !(quota.callsPerSecond >= 0.1 && quota.callsPerSecond <= 10_000) {
      validator.add("api_key.quota.calls_per_second", "api_key.quota.calls_per_second must be between 0.1 and 10000 (0 means the default).")
    }
    if quota.burst != 0 && !(1...100_000).contains(quota.burst) {
      validator.add("api_key.quota.burst", "api_key.quota.burst must be between 1 and 100000 (0 means the default).")
    }
    return KeyQuota(
      callsPerSecond: quota.callsPerSecond == 0 ? nil : quota.callsPerSecond, burst: quota.burst == 0 ? nil : Int(quota.burst),
      unlimited: quota.unlimited)
  }
}

extension APIKeyRecord {
  var proto: Groundswell_Gateway_V1_ApiKey {
    .with {
      $0.name = "apiKeys/\(id)"
      $0.organization = organization ?? ""
      $0.operator = isOperator
      $0.displayName = label
      $0.scopes = (isOperator ? Set(APIScope.allCases) : scopes).sorted().map(\.rawValue)
      $0.createTime = Google_Protobuf_Timestamp(clamping: createTime)
      if let lastUseTime { $0.lastUseTime = Google_Protobuf_Timestamp(clamping: lastUseTime) }
      if let expireTime { $0.expireTime = Google_Protobuf_Timestamp(clamping: expireTime) }
      if let revokeTime { $0.revokeTime = Google_Protobuf_Timestamp(clamping: revokeTime) }
      if let previousSecretExpireTime { $0.previousSecretExpireTime = Google_Protobuf_Timestamp(clamping: previousSecretExpireTime) }
      $0.quota = .with {
        $0.callsPerSecond = quota.callsPerSecond ?? 0
        $0.burst = Int32(clamping: quota.burst ?? 0)
        $0.unlimited = quota.unlimited
      }
    }
  }
}
