import Glibc
import Testing
@testable import TLS

@Suite struct HandshakeTests {
    struct Outcome: Sendable {
        let peerFingerprint: [UInt8]?
        let protocolVersion: String
        let cipherSuite: String
        let group: String
    }

    @Test(arguments: [false, true])
    func mutualHandshakePinsBothCertificatesOnTheProfile(nonBlocking: Bool) throws {
        let pair = try Pair()
        let (clientFD, serverFD) = try socketPair()
        defer { close(clientFD); close(serverFD) }
        if nonBlocking {
            try setNonBlocking(clientFD)
            try setNonBlocking(serverFD)
        }
        let server = Background { [context = pair.server] in
            let session = try TLSSession(context: context, fd: serverFD)
            try session.handshake(deadlineMillis: deadline())
            return Outcome(peerFingerprint: session.peerFingerprint, protocolVersion: session.protocolVersion,
                           cipherSuite: session.cipherSuite, group: session.keyExchangeGroup)
        }
        let client = try TLSSession(context: pair.client, fd: clientFD)
        #expect(client.peerCertificateDER == nil)
        try client.handshake(deadlineMillis: deadline())
        let serverSaw = try server.value()

        #expect(client.peerCertificateDER == pair.serverIdentity.certificateDER)
        #expect(client.peerFingerprint == pair.serverIdentity.fingerprint)
        #expect(serverSaw.peerFingerprint == pair.clientIdentity.fingerprint)
        #expect(pair.clientIdentity.fingerprint.count == 32)
        #expect(pair.clientIdentity.fingerprint != pair.serverIdentity.fingerprint)
        for outcome in [serverSaw, Outcome(peerFingerprint: nil, protocolVersion: client.protocolVersion,
                                           cipherSuite: client.cipherSuite, group: client.keyExchangeGroup)] {
            #expect(outcome.protocolVersion == "TLSv1.3")
            #expect(TLSProfile.cipherSuites.contains(outcome.cipherSuite))
            #expect(outcome.group == "X25519")
        }
    }

    @Test func fingerprintIsSHA256OfTheDEREncoding() throws {
        // SHA-256("abc") from FIPS 180-2, appendix B.1.
        #expect(Identity.fingerprint(ofDER: Array("abc".utf8)) == [
            0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
            0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
        ])
        let identity = try Identity.generate(commonName: "fieldnotes device alice-laptop")
        #expect(identity.fingerprint == Identity.fingerprint(ofDER: identity.certificateDER))
    }

    @Test func theServerIssuesNoSessionTickets() throws {
        // Without tickets there is nothing to resume: every session is a full
        // handshake with both certificates. OpenSSL's default would send two
        // NewSessionTicket records right after the server's handshake.
        let pair = try Pair()
        let (clientFD, serverFD) = try socketPair()
        defer { close(clientFD); close(serverFD) }
        let server = Background { [context = pair.server] in
            let session = try TLSSession(context: context, fd: serverFD)
            try session.handshake(deadlineMillis: deadline())
            return session.peerFingerprint
        }
        let client = try TLSSession(context: pair.client, fd: clientFD)
        try client.handshake(deadlineMillis: deadline())
        #expect(try server.value() == pair.clientIdentity.fingerprint)
        var byte: UInt8 = 0
        let waiting = recv(clientFD, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        #expect(waiting == -1 && (errno == EAGAIN || errno == EWOULDBLOCK), "the server sent \(waiting) more bytes after its handshake")
    }

    @Test func noDataMovesBeforeTheHandshake() throws {
        let pair = try Pair()
        let (clientFD, serverFD) = try socketPair()
        defer { close(clientFD); close(serverFD) }
        let client = try TLSSession(context: pair.client, fd: clientFD)
        #expect(tlsError { try client.write([1], deadlineMillis: deadline()) }?.kind == .handshake)
        #expect(tlsError { _ = try client.read(maximum: 1, deadlineMillis: deadline(100)) }?.kind == .handshake)
        var byte: UInt8 = 0
        #expect(recv(serverFD, &byte, 1, Int32(MSG_DONTWAIT)) == -1, "no ClientHello was sent")
    }
}
