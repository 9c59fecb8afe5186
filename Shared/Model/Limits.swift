/// The size limits of the API, as its proto comments state them.
public enum Limits {
  public static let title = 200
  public static let summary = 500
  public static let petitionBody = 20_000
  public static let letter = 5_000
  public static let personName = 100
  public static let email = 254
  public static let postalCode = 16
  public static let phoneNumber = 50
  public static let displayName = 200
  public static let organizationDescription = 2_000
  public static let campaignDescription = 5_000
  public static let uri = 2_000
  public static let petitionsPerCampaign = 1_000
  public static let batchSize = 1_000
  /// Signatures per `ImportSignatures` call, and signers per internal
  /// `ResolveSupporters` call (which an import's signers fill at once).
  public static let signaturesPerBatch = 1_000
  public static let tags = 10
  public static let tag = 32
  public static let targets = 20
  public static let office = 200
  public static let contact = 500
  public static let milestones = 20
  public static let milestoneLabel = 200
  public static let updateBody = 10_000
  public static let outcome = 5_000
  public static let comment = 1_000
  public static let source = 200
  public static let requestID = 64
  public static let hashtag = 50
  public static let demands = 20
  public static let demand = 1_000
  public static let actions = 20
  public static let actionTitle = 200
  public static let script = 5_000
  public static let members = 100
  public static let reason = 1_000
  public static let searchText = 200
  /// A text's UTF-8 size may be at most this many bytes per character of
  /// its limit (4 is the longest a single code point takes).
  public static let bytesPerCharacter = 4
}
