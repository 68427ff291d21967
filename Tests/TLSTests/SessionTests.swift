import Glibc
import Synchronization
import SystemCalls
import Testing
@testable import TLS

/// SIGPIPEs seen by the handler `writingToAPeerThatHasGoneThrowsInsteadOfRaisingSIGPIPE` installs.
private let brokenPipeSignals = Atomic<Int>(0)

@Suite struct SessionTests {
    /// A handshaken client and the server's session, made on a background thread, over a socket pair.
    struct Connected {
        let client: TLSSession
        let clientFD: Int32
        let serverFD: Int32
    }

    @Test func largeAndSmallMessagesTravelBothWaysAndShutdownReadsAsEnd() throws {
        let pair = try Pair()
        let (clientFD, serverFD) = try socketPair()
        defer { close(clientFD); close(serverFD) }
        let large = (0..<(4 * 1024 * 1024 + 17)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 11) }

        // The server echoes the large message, answers the small one, then reads until the client closes.
        let server = Background { [context = pair.server] () -> Int in
            let session = try TLSSession(context: context, fd: serverFD)
            try session.handshake(deadlineMillis: deadline())
            let received = try readAll(session, count: large.count, deadlineMillis: deadline())
            try session.write(received, deadlineMillis: deadline())
            let small = try readAll(session, count: 3, deadlineMillis: deadline())
            try session.write(small.reversed() + Array("ok".utf8), deadlineMillis: deadline())
            let end = try session.read(maximum: 100, deadlineMillis: deadline())
            session.shutdown()
            return end.count
        }
        let client = try TLSSession(context: pair.client, fd: clientFD)
        try client.handshake(deadlineMillis: deadline())
        try client.write(large, deadlineMillis: deadline())
        #expect(try readAll(client, count: large.count, deadlineMillis: deadline()) == large)

        try client.write([1, 2, 3], deadlineMillis: deadline())
        // One record of five bytes: read one, and the rest is held inside OpenSSL.
        #expect(try client.read(maximum: 1, deadlineMillis: deadline()) == [3])
        #expect(client.pendingBytes == 4)
        #expect(try readAll(client, count: 4, deadlineMillis: deadline()) == [2, 1] + Array("ok".utf8))
        #expect(client.pendingBytes == 0)

        client.shutdown()
        #expect(try server.value() == 0)
        #expect(try client.read(maximum: 100, deadlineMillis: deadline()) == [])
    }

    @Test func plainEndOfStreamReadsAsEnd() throws {
        let pair = try Pair()
        let (clientFD, serverFD) = try socketPair()
        defer { close(clientFD) }
        let server = Background { [context = pair.server] in
            let session = try TLSSession(context: context, fd: serverFD)
            try session.handshake(deadlineMillis: deadline())
            try session.write(Array("bye".utf8), deadlineMillis: deadline())
            close(serverFD)   // no close_notify
        }
        let client = try TLSSession(context: pair.client, fd: clientFD)
        try client.handshake(deadlineMillis: deadline())
        try server.value()
        #expect(try readAll(client, count: 3, deadlineMillis: deadline()) == Array("bye".utf8))
        #expect(try client.read(maximum: 10, deadlineMillis: deadline()) == [])
    }

    @Test func readTimesOutAtTheDeadlineAndTheSessionStaysUsable() throws {
        let pair = try Pair()
        let (clientFD, serverFD) = try socketPair()
        defer { close(clientFD); close(serverFD) }
        let server = Background { [context = pair.server] in
            let session = try TLSSession(context: context, fd: serverFD)
            try session.handshake(deadlineMillis: deadline())
            _ = try readAll(session, count: 2, deadlineMillis: deadline())   // "go"
            try session.write(Array("late".utf8), deadlineMillis: deadline())
        }
        let client = try TLSSession(context: pair.client, fd: clientFD)
        try client.handshake(deadlineMillis: deadline())
        let started = MonotonicClock.nowMillis()
        let error = tlsError { _ = try client.read(maximum: 10, deadlineMillis: started + 200) }
        let elapsed = MonotonicClock.nowMillis() - started
        #expect(error?.kind == .timeout)
        #expect(elapsed >= 200 && elapsed < 1_500)

        try client.write(Array("go".utf8), deadlineMillis: deadline())
        #expect(try readAll(client, count: 4, deadlineMillis: deadline()) == Array("late".utf8))
        try server.value()
    }

    @Test func aFlippedBitInARecordIsAnErrorNotData() throws {
        let pair = try Pair()
        let (clientFD, relayClientSide) = try socketPair()
        let (relayServerSide, serverFD) = try socketPair()
        let relay = Relay()
        relay.start(clientSide: relayClientSide, serverSide: relayServerSide)

        let server = Background { [context = pair.server] () -> ([UInt8], TLSError?) in
            let session = try TLSSession(context: context, fd: serverFD)
            try session.handshake(deadlineMillis: deadline())
            let intact = try readAll(session, count: 5, deadlineMillis: deadline())
            try session.write([1], deadlineMillis: deadline())   // tells the client the relay is idle
            do {
                let data = try session.read(maximum: 1_000, deadlineMillis: deadline())
                Issue.record("a corrupted record was returned as \(data.count) bytes")
                return (intact, nil)
            } catch let error as TLSError {
                return (intact, error)
            }
        }
        let client = try TLSSession(context: pair.client, fd: clientFD)
        try client.handshake(deadlineMillis: deadline())
        // The same path carries an intact record faithfully...
        try client.write(Array("hello".utf8), deadlineMillis: deadline())
        #expect(try client.read(maximum: 1, deadlineMillis: deadline()) == [1])
        // ...but not one with one bit flipped in its ciphertext.
        relay.corruptNextClientChunk()
        try client.write(Array(repeating: 0x41, count: 100), deadlineMillis: deadline())
        let (intact, error) = try server.value()
        #expect(intact == Array("hello".utf8))
        #expect(error?.kind == .corrupt)
        #expect(error?.message.contains("failed authentication") == true)
        #expect(error?.openSSLErrors.isEmpty == false)

        close(clientFD)
        close(serverFD)
        try relay.wait()
        close(relayClientSide)
        close(relayServerSide)
    }

    @Test func writingToAPeerThatHasGoneThrowsInsteadOfRaisingSIGPIPE() throws {
        // Count SIGPIPEs on this thread (the one that writes), where a write(2)
        // to the closed socket would raise it.
        var pipe = sigset_t()
        sigemptyset(&pipe)
        sigaddset(&pipe, SIGPIPE)
        var previousMask = sigset_t()
        #expect(pthread_sigmask(SIG_UNBLOCK, &pipe, &previousMask) == 0)
        let previousHandler = signal(SIGPIPE) { _ in brokenPipeSignals.add(1, ordering: .relaxed) }
        defer {
            signal(SIGPIPE, previousHandler)
            pthread_sigmask(SIG_SETMASK, &previousMask, nil)
        }
        let signalsBefore = brokenPipeSignals.load(ordering: .relaxed)
        let pair = try Pair()
        let (clientFD, serverFD) = try socketPair()
        defer { close(clientFD) }
        let server = Background { [context = pair.server] in
            let session = try TLSSession(context: context, fd: serverFD)
            try session.handshake(deadlineMillis: deadline())
            close(serverFD)
        }
        let client = try TLSSession(context: pair.client, fd: clientFD)
        try client.handshake(deadlineMillis: deadline())
        try server.value()
        let error = tlsError {
            for _ in 0..<4 { try client.write([UInt8](repeating: 7, count: 65_536), deadlineMillis: deadline()) }
        }
        #expect(error?.kind == .connection)
        #expect(error?.message.contains("Broken pipe") == true)
        #expect(brokenPipeSignals.load(ordering: .relaxed) == signalsBefore)
    }
}
