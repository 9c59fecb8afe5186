extension Duration {
  /// The duration in seconds, as a number.
  public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
