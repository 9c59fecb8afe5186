import GroundswellModel
import Testing

@Suite struct EmailTests {
  @Test(arguments: [
    ("ana@example.org", "ana@example.org"),
    ("  Ana@Example.ORG \n", "ana@example.org"),
    ("first.last+tag@sub.example.co.uk", "first.last+tag@sub.example.co.uk"),
  ])
  func canonicalFormIsTrimmedAndLowerCased(raw: String, canonical: String) {
    #expect(Email.canonical(raw) == canonical)
  }

  @Test(arguments: ["", "   ", "ana", "ana@", "@example.org", "ana@example", "ana@@example.org", "a b@example.org",
                    "ana@.example.org", "ana@example..org", "ana@example.org.", String(repeating: "x", count: 65) + "@example.org"])
  func implausibleAddressesAreRejected(raw: String) {
    #expect(Email.canonical(raw) == nil)
  }
}

@Suite struct ResourceNameTests {
  @Test func idsAreParsedOnlyFromTheirCollection() {
    #expect(ResourceName.id(of: "petitions/abc123", in: "petitions") == "abc123")
    #expect(ResourceName.id(of: "campaigns/abc123", in: "petitions") == nil)
    #expect(ResourceName.id(of: "petitions/", in: "petitions") == nil)
    #expect(ResourceName.id(of: "petitions/ABC", in: "petitions") == nil)
    #expect(ResourceName.id(of: "petitions/a/b", in: "petitions") == nil)
  }

  @Test func newIDsAreValidAndDistinct() {
    let ids = (0..<1000).map { _ in ResourceName.newID() }
    #expect(ids.allSatisfy(ResourceName.isValidID))
    #expect(Set(ids).count == ids.count)
  }
}

@Suite struct PageTests {
  @Test func tokensRoundTripOnlyForTheirQuery() {
    let token = PageToken.encode(position: 42, query: "organizations/a")
    #expect(PageToken.decode(token, query: "organizations/a") == 42)
    #expect(PageToken.decode(token, query: "organizations/b") == nil)
    #expect(PageToken.decode("garbage!", query: "organizations/a") == nil)
  }

  @Test func pageSizesAreCoerced() {
    var validator = Validator()
    #expect(PageRequest.parse(size: 0, token: "", query: "", into: &validator).size == 25)
    #expect(PageRequest.parse(size: 7, token: "", query: "", into: &validator).size == 7)
    #expect(PageRequest.parse(size: 5000, token: "", query: "", into: &validator).size == 100)
    #expect(validator.violations.isEmpty)
    _ = PageRequest.parse(size: -1, token: "nope", query: "", into: &validator)
    #expect(validator.violations.map(\.field) == ["page_size", "page_token"])
  }

  @Test func nextTokenIsEmptyOnlyAtTheEnd() {
    #expect(PageToken.next(lastPosition: 9, hasMore: false, query: "") == "")
    #expect(PageToken.next(lastPosition: 9, hasMore: true, query: "") != "")
  }
}

@Suite struct ValidatorTests {
  @Test func everyBadFieldIsNamed() {
    var validator = Validator()
    validator.text("title", "", minimum: 1, maximum: 10)
    validator.text("summary", String(repeating: "s", count: 11), maximum: 10)
    validator.text("body", "fine", maximum: 10)
    validator.name("parent", "orgs/x", collection: "organizations")
    #expect(validator.violations.map(\.field) == ["title", "summary", "parent"])
    #expect(throws: DomainError.self) { try validator.check() }
  }
}
