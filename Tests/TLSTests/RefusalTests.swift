import Glibc
import SystemCalls
import Testing
@testable import TLS

/// Peers that must not get a session: an old TLS version, not TLS at all,
/// silence, and a client with no certificate.
@Suite struct RefusalTests {
    @Test func aTLS12OnlyClientIsRefused() throws {
        let pair = try Pair()
        let oldClient = try TLSContext(role: .client, identity: pair.clientIdentity, minimumVersion: .tls12, maximumVersion: .tls12)
        let (clientFD, serverFD) = try socketPair()
        defer { close(clientFD); close(serverFD) }
        let server = Background { [context = pair.server] () -> TLSError? in
            let session = try TLSSession(context: context, fd: serverFD)
            return tlsError { try session.handshake(deadlineMillis: deadline()) }
        }
        let client = try TLSSession(context: oldClient, fd: clientFD)
        let clientError = tlsError { try client.handshake(deadlineMillis: deadline()) }
        let serverError = try server.value()
        #expect(serverError?.kind == .protocolVersion)
        #expect(serverError?.message.hasPrefix("the peer did not speak TLS 1.3 (OpenSSL: ") == true)
        #expect(serverError?.message.contains("unsupported protocol") == true)
        #expect(clientError?.kind == .protocolVersion)
    }

    @Test func aPeerThatIsNotTLSIsRefusedAtOnce() throws {
        let pair = try Pair()
        let (peerFD, serverFD) = try socketPair()
        defer { close(peerFD); close(serverFD) }
        let request = Array("GET / HTTP/1.0\r\n\r\n".utf8)
        #expect(request.withUnsafeBytes { send(peerFD, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == request.count)
        let session = try TLSSession(context: pair.server, fd: serverFD)
        let started = MonotonicClock.nowMillis()
        let error = tlsError { try session.handshake(deadlineMillis: deadline()) }
        #expect(MonotonicClock.nowMillis() - started < 1_000)
        #expect(error?.kind == .protocolVersion)
        #expect(error?.message.hasPrefix("the peer did not speak TLS 1.3") == true)
        #expect(error?.openSSLErrors.isEmpty == false)
    }

    @Test func aSilentPeerTimesOutAtTheDeadline() throws {
        let pair = try Pair()
        let (peerFD, serverFD) = try socketPair()
        defer { close(peerFD); close(serverFD) }
        let session = try TLSSession(context: pair.server, fd: serverFD)
        let started = MonotonicClock.nowMillis()
        let error = tlsError { try session.handshake(deadlineMillis: started + 300) }
        let elapsed = MonotonicClock.nowMillis() - started
        #expect(error?.kind == .timeout)
        #expect(elapsed >= 300 && elapsed < 1_500, "timed out after \(elapsed) ms")
    }

    @Test func aPeerThatHangsUpMidHandshakeIsAConnectionError() throws {
        let pair = try Pair()
        let (peerFD, serverFD) = try socketPair()
        defer { close(serverFD) }
        close(peerFD)
        let session = try TLSSession(context: pair.server, fd: serverFD)
        let error = tlsError { try session.handshake(deadlineMillis: deadline()) }
        #expect(error?.kind == .connection)
        #expect(error?.message.contains("closed the connection during the TLS handshake") == true)
    }

    @Test func theServerRefusesAClientWithoutACertificate() throws {
        let pair = try Pair()
        let anonymous = try TLSContext(role: .client, identity: nil)
        let (clientFD, serverFD) = try socketPair()
        defer { close(clientFD); close(serverFD) }
        let server = Background { [context = pair.server] () -> TLSError? in
            let session = try TLSSession(context: context, fd: serverFD)
            return tlsError { try session.handshake(deadlineMillis: deadline()) }
        }
        let client = try TLSSession(context: anonymous, fd: clientFD)
        // In TLS 1.3 the client finishes first; the refusal arrives on its first read.
        let clientError = tlsError {
            try client.handshake(deadlineMillis: deadline())
            _ = try client.read(maximum: 10, deadlineMillis: deadline())
        }
        let serverError = try server.value()
        #expect(serverError?.kind == .handshake)
        #expect(serverError?.message.contains("presented no certificate") == true)
        #expect(clientError?.kind == .handshake)
        #expect(clientError?.message.contains("requires a client certificate") == true)
    }
}
