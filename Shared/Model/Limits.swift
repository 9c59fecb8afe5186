/// The size limits of the API, as its proto comments state them.
public enum Limits {
  public static let title = 200
  public static let summary = 500
  public static let petitionBody = 20_000
  public static let personName = 100
  public static let email = 254
  public static let displayName = 200
  public static let organizationDescription = 2_000
  public static let campaignDescription = 5_000
  public static let uri = 2_000
  public static let petitionsPerCampaign = 1_000
  public static let batchSize = 1_000
}
