import ArgumentParser
import Foundation
import GroundswellAPI
import GroundswellRuntime

struct Sign: AsyncParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Signs an open petition for one person.")

  @OptionGroup var gateway: GatewayOptions

  @Argument(help: "The petition, petitions/{id}.")
  var petition: String

  @Option(name: .long, help: "The signer's email address.")
  var email: String

  @Option(name: .long, help: "The signer's given (first) name.")
  var givenName: String

  @Option(name: .long, help: "The signer's family (last) name.")
  var familyName: String = ""

  @Option(name: .long, help: "The signer's country, ISO 3166-1 (US).")
  var country: String = ""

  @Option(name: .long, help: "The signer's postal code (needs --country).")
  var postalCode: String = ""

  @Option(name: .long, help: "The signer's public comment.")
  var comment: String = ""

  @Flag(name: .long, help: "The signer allows their name to be shown.")
  var showName = false

  @Flag(name: .long, help: "The signer agreed to hear from your organization.")
  var optIn = false

  @Option(name: .long, help: "Where the signature came from.")
  var source: String = ""

  @Option(name: .long, help: "Makes the call safe to retry: the same id answers the first answer again (a UUID fits).")
  var requestID: String = ""

  @Option(name: .long, help: "Your own id for the person, system:id (e.g. acme_crm:12345); repeat for more.")
  var identifier: [String] = []

  func run() async throws {
    let request = Groundswell_Petition_V1_SignPetitionRequest.with {
      $0.petition = petition
      $0.signer = .with {
        $0.email = email
        $0.givenName = givenName
        $0.familyName = familyName
        $0.country = country
        $0.postalCode = postalCode
        $0.identifiers = identifier
      }
      $0.comment = comment
      $0.showName = showName
      $0.optIn = optIn
      $0.source = source
      $0.requestID = requestID
    }
    let response = try await gateway.using(PetitionClient.init) {
      try await $0.signPetition(request, metadata: gateway.metadata, options: gateway.callOptions)
    }
    gateway.show(response) { response in
      let what = response.alreadySigned ? "already signed" : "signed"
      return "\(what) \(petition): \(response.signature.name); the petition has \(response.signatureCount.formatted()) signatures"
    }
  }
}

struct Signatures: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "List, withdraw and import signatures (sign one with `groundswell sign`).",
    subcommands: [List.self, Withdraw.self, Import.self])

  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Lists a petition's signatures, newest first.")

    @OptionGroup var gateway: GatewayOptions

    @Argument(help: "The petition, petitions/{id}.")
    var petition: String

    @Option(name: .long, help: "The most signatures to show (1 to 100000).")
    var limit: Int = 100

    func validate() throws {
      if !(1...100_000).contains(limit) { throw ValidationError("--limit must be 1 to 100000") }
    }

    func run() async throws {
      let signatures = try await gateway.using(PetitionClient.init) { service in
        try await collectPages(limit: limit) { size, token in
          let page = try await service.listSignatures(
            .with {
              $0.parent = petition
              $0.pageSize = size
              $0.pageToken = token
            }, metadata: gateway.metadata, options: gateway.callOptions)
          return (page.signatures, page.nextPageToken)
        }
      }
      gateway.show(signatures, header: ["SIGNATURE", "SIGNED", "SUPPORTER", "NAME", "REGION"]) {
        [$0.name, GatewayOptions.time($0.hasCreateTime, $0.createTime), $0.supporter.isEmpty ? "-" : $0.supporter,
         $0.publicName.isEmpty ? "-" : $0.publicName, $0.subdivision.isEmpty ? $0.country : $0.subdivision]
      }
    }
  }

  struct Withdraw: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Withdraws a supporter's signature from your petition.")

    @OptionGroup var gateway: GatewayOptions

    @Argument(help: "The petition, petitions/{id}.")
    var petition: String

    @Option(name: .long, help: "The supporter who signed, supporters/{id}.")
    var supporter: String

    func run() async throws {
      let response = try await gateway.using(PetitionClient.init) {
        try await $0.withdrawSignature(
          .with {
            $0.petition = petition
            $0.supporter = supporter
          }, metadata: gateway.metadata, options: gateway.callOptions)
      }
      gateway.show(response) { _ in "withdrawn: \(supporter) from \(petition)" }
    }
  }

  struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Imports signatures collected offline from a CSV file, up to 1,000 per call.",
      discussion: """
        The first row names the columns: email, given_name and sign_time (RFC 3339) are required; family_name, \
        country, postal_code, comment, source, show_name and opt_in (true/false) and identifier (system:id) are \
        optional. Each item is checked like a signature; bad rows are reported by line and the rest are stored. \
        A call carries up to 1,000 rows and 4,000,000 bytes (fewer rows when comments are long); a row over that \
        alone is refused here. A progress line per call goes to standard error. Exits 3 when any row was refused.
        """)

    @OptionGroup var gateway: GatewayOptions

    @Argument(help: "The petition, petitions/{id}: OPEN and your organization's.")
    var petition: String

    @Option(name: .long, help: "The CSV file.")
    var file: String

    func run() async throws {
      let text: String
      do {
        text = try String(contentsOfFile: file, encoding: .utf8)
      } catch {
        throw ValidationError("cannot read \(file) as UTF-8 text")
      }
      let rows = CSVReader.rows(text)
      guard let header = rows.first else { throw ValidationError("\(file) is empty") }
      let items = try SignatureImportFile.items(header: header, rows: Array(rows.dropFirst()))
      var results: [(line: Int, result: Groundswell_Petition_V1_ImportResult)] = []
      var totals = (signed: 0, already: 0, invalid: 0)
      var lastCount: Int64?
      let sizes = items.map { item in (try? item.serializedBytes() as [UInt8])?.count ?? Int.max }
      let plan = SignatureImportFile.calls(sizes: sizes)
      for index in plan.oversize {
        results.append((index + 2, SignatureImportFile.oversize(index: index, bytes: sizes[index])))
        totals.invalid += 1
      }
      var sent = 0
      for call in plan.calls {
        let batch = call.map { items[$0] }
        let response = try await gateway.using(PetitionClient.init) {
          try await $0.importSignatures(
            .with {
              $0.petition = petition
              $0.signatures = batch
            }, metadata: gateway.metadata, options: gateway.callOptions)
        }
        for var result in response.results {
          guard call.indices.contains(Int(result.index)) else { continue }
          // The row's place in the file (0 for the first after the header),
          // not in its call; line numbers as an editor shows them.
          result.index = Int32(call[Int(result.index)])
          results.append((Int(result.index) + 2, result))
        }
        totals.signed += Int(response.signedCount)
        totals.already += Int(response.alreadySignedCount)
        totals.invalid += Int(response.invalidCount)
        lastCount = response.signatureCount
        sent += batch.count
        FileHandle.standardError.write(Data("import: \(sent) of \(items.count) rows sent\n".utf8))
      }
      results.sort { $0.line < $1.line }
      switch gateway.format {
      case .json:
        for (_, result) in results { print(GatewayOptions.json(result)) }
      case .table:
        for (line, result) in results where result.outcome == .invalid {
          for violation in result.violations { print("line \(line): \(violation.field): \(violation.description_p)") }
        }
        let summary = "signed \(totals.signed), already signed \(totals.already), refused \(totals.invalid)"
        if let lastCount {
          print("\(summary); the petition has \(lastCount.formatted()) signatures")
        } else {
          print("\(summary); nothing was sent")
        }
      }
      if totals.invalid > 0 { throw ExitCode(ExitStatus.invalid) }
    }
  }
}
