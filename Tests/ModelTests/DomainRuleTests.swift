import GroundswellModel
import Testing

@Suite struct GoalLadderTests {
  @Test(arguments: [
    (Int64(0), Int64(100)), (99, 100), (100, 200), (1_562, 2_500), (2_500, 5_000), (99_999, 100_000),
    (999_999, 1_000_000), (1_000_000, 1_500_000), (1_500_000, 2_300_000), (2_300_000, 3_500_000),
  ])
  func theGoalIsTheFirstStepAboveTheCount(count: Int64, goal: Int64) {
    #expect(GoalLadder.standard.goal(for: count) == goal)
  }

  @Test func aDeploymentMaySetItsOwnLadder() throws {
    let ladder = try #require(GoalLadder(parsing: " 10, 50 ,1_000"))
    #expect(ladder.steps == [10, 50, 1_000])
    #expect(ladder.goal(for: 10) == 50)
    #expect(ladder.goal(for: 1_000) == 1_500)
    #expect(GoalLadder(parsing: "10,5") == nil)
    #expect(GoalLadder(parsing: "0,5") == nil)
    #expect(GoalLadder(parsing: "10,x") == nil)
    #expect(GoalLadder(parsing: "") == nil)
  }

  @Test func goalsAlwaysExceedTheCountEvenNearTheTop() {
    for count: Int64 in [3_000_000, 123_456_789, Int64.max / 2] {
      #expect(GoalLadder.standard.goal(for: count) > count)
    }
  }
}

@Suite struct ProviderEmailTests {
  @Test(arguments: [
    ("First.Last+news@Gmail.com", "firstlast@gmail.com"),
    ("firstlast@googlemail.com", "firstlast@gmail.com"),
    ("ana+petitions@outlook.com", "ana@outlook.com"),
    ("ana.r@outlook.com", "ana.r@outlook.com"),
    ("ana.r+x@example.org", "ana.r+x@example.org"),
  ])
  func providersThatIgnoreDotsOrTagsIdentifyOnePerson(raw: String, canonical: String) {
    #expect(Email.canonical(raw) == canonical)
  }

  @Test func anAddressThatIsOnlyATagIsRejected() {
    #expect(Email.canonical("+news@gmail.com") == nil)
    #expect(Email.canonical("...@gmail.com") == nil)
  }
}

@Suite struct RegionTests {
  @Test(arguments: [
    ("US", "06103", "US-CT"), ("us", "90210", "US-CA"), ("US", "10001-1234", "US-NY"), ("US", "75201", "US-TX"),
    ("US", "00901", "US-PR"), ("CA", "K1A 0B1", "CA-ON"), ("CA", "v6b1a1", "CA-BC"), ("GB", "SW1A 1AA", ""),
    ("US", "", ""),
  ])
  func theSubdivisionComesFromThePostalCode(country: String, postal: String, subdivision: String) throws {
    let region = try #require(try Region.derive(country: country, postalCode: postal).get())
    #expect(region.country == country.uppercased())
    #expect(region.subdivision == subdivision)
  }

  @Test func badPlacesSayWhatIsWrong() {
    #expect(throws: Region.Problem.self) { try Region.derive(country: "", postalCode: "06103").get() }
    #expect(throws: Region.Problem.self) { try Region.derive(country: "USA", postalCode: "").get() }
    #expect(throws: Region.Problem.self) { try Region.derive(country: "US", postalCode: "6103").get() }
    #expect(throws: Region.Problem.self) { try Region.derive(country: "CA", postalCode: "12345").get() }
    let nowhere = try? Region.derive(country: "", postalCode: "").get()
    #expect(nowhere == .some(nil))
  }

  @Test func jurisdictionsAreISO3166Codes() {
    #expect(Region.isJurisdictionCode("US-CT"))
    #expect(Region.isJurisdictionCode("US"))
    #expect(Region.isJurisdictionCode("GB-ENG"))
    #expect(!Region.isJurisdictionCode("us-ct"))
    #expect(!Region.isJurisdictionCode("US-"))
    #expect(!Region.isJurisdictionCode("Connecticut"))
  }
}

@Suite struct FieldRuleTests {
  @Test func tagsURIsAndRequestIDsAreChecked() {
    var validator = Validator()
    validator.tags("tags", ["clemency", "Bad Tag", "clemency"])
    validator.uri("image_uri", "ftp://example.org/x.png")
    validator.uri("ok_uri", "https://example.org/x.png")
    validator.requestID("request_id", "has space")
    validator.requestID("ok_id", "3f2b8c1e-9a7d-4c2b-8e1f-0a9b8c7d6e5f")
    #expect(Set(validator.violations.map(\.field)) == ["tags", "tags[1]", "image_uri", "request_id"])
  }
}
