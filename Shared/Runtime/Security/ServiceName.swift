/// The names of the four services: their executables, the common names in
/// their certificates (by which services authorize each other), and the
/// names internal clients verify on the servers they call.
public enum ServiceName {
  public static let gateway = "gateway"
  public static let petition = "petition-service"
  public static let supporter = "supporter-service"
  public static let campaign = "campaign-service"
}
