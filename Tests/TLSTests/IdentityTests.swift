import Foundation
import Glibc
import Testing
@testable import TLS

@Suite struct IdentityTests {
    @Test func savedIdentityLoadsWithTheSameFingerprintAndIsPrivate() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/device.pem"
            let identity = try Identity.generate(commonName: "fieldnotes device alice-laptop")
            try identity.save(path: path)

            var status = stat()
            #expect(stat(path, &status) == 0)
            #expect(status.st_mode & 0o777 == 0o600)
            let text = try String(contentsOfFile: path, encoding: .utf8)
            let key = try #require(text.range(of: "-----BEGIN PRIVATE KEY-----"))
            let certificate = try #require(text.range(of: "-----BEGIN CERTIFICATE-----"))
            #expect(key.lowerBound < certificate.lowerBound)

            let loaded = try Identity.load(path: path)
            #expect(loaded.fingerprint == identity.fingerprint)
            #expect(loaded.certificateDER == identity.certificateDER)
        }
    }

    @Test func aLoadedIdentityAuthenticatesInAHandshake() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/hub.pem"
            let original = try Identity.generate(commonName: "fieldnotes hub")
            try original.save(path: path)
            let server = try TLSContext.server(identity: try Identity.load(path: path))
            let clientIdentity = try Identity.generate(commonName: "fieldnotes device")
            let (clientFD, serverFD) = try socketPair()
            defer { close(clientFD); close(serverFD) }
            let background = Background {
                try TLSSession(context: server, fd: serverFD).handshake(deadlineMillis: deadline())
            }
            let client = try TLSSession(context: try TLSContext.client(identity: clientIdentity), fd: clientFD)
            try client.handshake(deadlineMillis: deadline())
            try background.value()
            #expect(client.peerFingerprint == original.fingerprint)
        }
    }

    @Test func saveNeverOverwrites() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/device.pem"
            let first = try Identity.generate(commonName: "first")
            try first.save(path: path)
            let error = tlsError { try Identity.generate(commonName: "second").save(path: path) }
            #expect(error?.kind == .identity)
            #expect(error?.message.contains("already exists") == true)
            #expect(try Identity.load(path: path).fingerprint == first.fingerprint)

            // Nor through a symbolic link.
            let link = directory + "/link.pem"
            #expect(symlink(directory + "/elsewhere.pem", link) == 0)
            #expect(tlsError { try first.save(path: link) }?.kind == .identity)
            #expect(access(directory + "/elsewhere.pem", F_OK) != 0)
        }
    }

    @Test func loadRefusesAFileOthersCanRead() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/device.pem"
            try Identity.generate(commonName: "fieldnotes device").save(path: path)
            for mode: mode_t in [0o644, 0o640, 0o602] {
                #expect(chmod(path, mode) == 0)
                let error = tlsError { _ = try Identity.load(path: path) }
                #expect(error?.kind == .identity)
                #expect(error?.message.contains("chmod 600 \(path)") == true, "mode \(String(mode, radix: 8))")
            }
            #expect(chmod(path, 0o400) == 0)
            _ = try Identity.load(path: path)
        }
    }

    @Test func loadRefusesWhatIsNotAnIdentity() throws {
        try withTemporaryDirectory { directory in
            func file(_ name: String, _ bytes: [UInt8]) throws -> String {
                let path = directory + "/" + name
                #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes), attributes: [.posixPermissions: 0o600]))
                return path
            }
            let a = try Identity.generate(commonName: "a")
            let b = try Identity.generate(commonName: "b")
            /// The key block and the certificate block of an identity's PEM.
            func blocks(_ identity: Identity) throws -> (key: String, certificate: String) {
                let text = String(decoding: try identity.pemEncoding(), as: UTF8.self)
                let start = try #require(text.range(of: "-----BEGIN CERTIFICATE-----")).lowerBound
                return (String(text[..<start]), String(text[start...]))
            }
            let (aKey, aCertificate) = try blocks(a)
            let bCertificate = try blocks(b).certificate

            let cases: [(String, [UInt8], String)] = [
                ("garbage", Array("this is not PEM\n".utf8) + (0..<200).map { UInt8($0) }, "no readable private key"),
                ("empty", [], "no readable private key"),
                ("key-only", Array(aKey.utf8), "no readable certificate"),
                ("mismatched", Array((aKey + bCertificate).utf8), "is not for the private key"),
            ]
            for (name, bytes, expected) in cases {
                let path = try file(name, bytes)
                let error = tlsError { _ = try Identity.load(path: path) }
                #expect(error?.kind == .identity, "\(name)")
                #expect(error?.message.contains(expected) == true, "\(name): \(error?.message ?? "")")
            }
            // The certificate first is fine too.
            #expect(try Identity.load(path: try file("reversed", Array((aCertificate + aKey).utf8))).fingerprint == a.fingerprint)

            #expect(tlsError { _ = try Identity.load(path: directory + "/missing.pem") }?.message.contains("No such file") == true)
            #expect(tlsError { _ = try Identity.load(path: directory) }?.message.contains("not a regular file") == true)
        }
    }

    @Test func theCommonNameMustBePrintableASCII() throws {
        for bad in ["", "caf\u{e9}", "tab\there", String(repeating: "x", count: 65)] {
            #expect(tlsError { _ = try Identity.generate(commonName: bad) }?.kind == .identity, "\(bad)")
        }
        let identity = try Identity.generate(commonName: "fieldnotes device alice-laptop")
        let der = identity.certificateDER
        let name = Array("fieldnotes device alice-laptop".utf8)
        // Subject and issuer both carry the name.
        let occurrences = (0...(der.count - name.count)).filter { Array(der[$0..<($0 + name.count)]) == name }.count
        #expect(occurrences == 2)
    }
}
