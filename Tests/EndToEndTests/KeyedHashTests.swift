import Crypto
import Foundation
import GroundswellModel
import GroundswellRuntime
import Testing

/// The deployment secret's HMAC and the ledger's hashes are computed on
/// `SHA256` directly: stored fraud marks, request fingerprints and ledger
/// chains must keep their values, so both are checked against published
/// vectors and against swift-crypto's own `HMAC` and Python's `hashlib`.
@Suite struct KeyedHashTests {
  static func hex(_ data: Data) -> String { Hex.lowercase(data) }

  @Test func theTagMatchesRFC4231() {
    // RFC 4231 test cases 1, 2 and 6 (a key longer than the block).
    let cases: [(key: [UInt8], data: String, tag: String)] = [
      (Array(repeating: 0x0b, count: 20), "Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
      (Array("Jefe".utf8), "what do ya want for nothing?", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
      (
        Array(repeating: 0xaa, count: 131), "Test Using Larger Than Block-Size Key - Hash Key First",
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
      ),
    ]
    for item in cases {
      let secret = DeploymentSecret(key: SymmetricKey(data: item.key))
      #expect(Self.hex(secret.tag(Array(item.data.utf8))) == item.tag)
      #expect(Self.hex(secret.tag(text: item.data)) == item.tag)
    }
  }

  @Test func theTagMatchesSwiftCryptosHMACForAnyKeyAndMessage() {
    var generator = SystemRandomNumberGenerator()
    for round in 0..<300 {
      let keyLength = [1, 16, 32, 63, 64, 65, 100, 200][round % 8]
      let key = (0..<keyLength).map { _ in UInt8.random(in: 0...255, using: &generator) }
      let message = (0..<Int.random(in: 0...300, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
      let symmetric = SymmetricKey(data: key)
      let expected = Data(HMAC<SHA256>.authenticationCode(for: message, using: symmetric))
      let secret = DeploymentSecret(key: symmetric)
      #expect(secret.tag(message) == expected, "key of \(keyLength) bytes, message of \(message.count)")
      #expect(secret.tag(Data(message)) == expected)
    }
  }

  @Test func aPrefixedTagIsTheTagOfTheJoinedText() {
    let secret = DeploymentSecret(key: SymmetricKey(size: .bits256))
    for text in ["", "example.org", "ana@example.org", "2001:db8::1", "ñandú@correo.example"] {
      #expect(secret.tag(text: text, after: "domain:") == secret.tag(Array(("domain:" + text).utf8)))
      #expect(secret.tag(text: text) == secret.tag(Array(text.utf8)))
    }
  }

  /// Values from Python: `hashlib.sha256(...)` of the same bytes.
  @Test func theLedgerHashesKeepTheirValues() {
    let salt = Data(0..<16)
    let signer = LedgerChain.signerHash(salt: salt, supporter: "supporters/9f2c")
    #expect(Self.hex(signer) == "de40877690d0b7cf64a25f772e4e12acbe026141126d661e3d61e53284c2a989")
    #expect(
      Self.hex(LedgerChain.signatureCommitment(signature: "sig-1", timeMillis: 1_765_000_000_123, signerHash: signer))
        == "66dff3529e7222f448a79fd9e1c58e914dd574177db38f1f73a4adb14b2c1180")
    #expect(
      Self.hex(LedgerChain.tombstoneCommitment(signature: "sig-1", timeMillis: 1_765_000_000_456))
        == "9998542b6057946da470278cc2d26ef1556bac541afc6efc2ebaf4b292322c04")
    #expect(
      Self.hex(LedgerChain.next(head: LedgerChain.emptyHead, commitment: signer))
        == "e8a76115d03ebb7f0d4b6c07ce832843330d4ccc8f9fba0dbb770c9999e0195f")
  }
}
