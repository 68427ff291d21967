import Foundation
import Glibc
import Synchronization
import SystemCalls
import Testing
@testable import TLS
import TestSupport

/// A connected pair of Unix stream sockets (`socketpair`), blocking like a fresh TCP socket.
func socketPair() throws -> (Int32, Int32) {
    var fds: [Int32] = [-1, -1]
    let result = socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds)
    try #require(result == 0, "socketpair: \(String(cString: strerror(errno)))")
    return (fds[0], fds[1])
}

func setNonBlocking(_ fd: Int32) throws {
    let flags = fcntl(fd, F_GETFL)
    try #require(flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0)
}

/// A deadline `milliseconds` from now on the module's clock.
func deadline(_ milliseconds: Int64 = 5_000) -> Int64 {
    MonotonicClock.nowMillis() + milliseconds
}

/// Runs `body` on a new thread; `value()` waits for it and returns or rethrows its result.
final class Background<Value: Sendable>: Sendable {
    private final class State: Sendable {
        let result = Mutex<Result<Value, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
    }
    private let state = State()

    init(_ body: @escaping @Sendable () throws -> Value) {
        let thread = Thread { [state] in
            let outcome = Result { try body() }
            state.result.withLock { $0 = outcome }
            state.done.signal()
        }
        thread.start()
    }

    func value() throws -> Value {
        state.done.wait()
        state.done.signal()   // later calls return at once
        return try state.result.withLock { stored in
            guard let stored else { throw TLSError(.setup, "background result missing") }
            return try stored.get()
        }
    }
}

/// Calls `body` and returns the `TLSError` it throws; records an issue if it throws nothing or something else.
func tlsError(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> TLSError? {
    do {
        try body()
        Issue.record("expected a TLSError, got success", sourceLocation: sourceLocation)
    } catch let error as TLSError {
        return error
    } catch {
        Issue.record("expected a TLSError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// Reads exactly `count` bytes, or fewer if the peer closes first.
func readAll(_ session: TLSSession, count: Int, deadlineMillis: Int64) throws -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(count)
    while bytes.count < count {
        let chunk = try session.read(maximum: count - bytes.count, deadlineMillis: deadlineMillis)
        if chunk.isEmpty { break }
        bytes += chunk
    }
    return bytes
}

/// Two fresh identities and the contexts made from them.
struct Pair {
    let serverIdentity: Identity
    let clientIdentity: Identity
    let server: TLSContext
    let client: TLSContext

    init() throws {
        serverIdentity = try Identity.generate(commonName: "fieldnotes hub test")
        clientIdentity = try Identity.generate(commonName: "fieldnotes device test")
        server = try TLSContext.server(identity: serverIdentity)
        client = try TLSContext.client(identity: clientIdentity)
    }
}

/// A scoped temporary directory, removed with everything in it afterwards.
func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
    try TemporaryDirectory.with(prefix: "tls-tests") { try body($0.path) }
}

/// A man in the middle: forwards bytes between two sockets in both directions
/// until each reaches EOF, and on request flips one bit in the next chunk
/// going from the client to the server.
final class Relay: Sendable {
    private let flipNext = Mutex(false)
    private let pumps = Mutex<[Background<Void>]>([])

    /// `clientSide` is connected to the client's socket, `serverSide` to the server's.
    func start(clientSide: Int32, serverSide: Int32) {
        let up = Background { [self] in pump(from: clientSide, to: serverSide, mayCorrupt: true) }
        let down = Background { [self] in pump(from: serverSide, to: clientSide, mayCorrupt: false) }
        pumps.withLock { $0 = [up, down] }
    }

    /// Flips the lowest bit of byte 10 of the next client-to-server chunk: past a
    /// record's 5-byte header, inside its encrypted payload.
    func corruptNextClientChunk() {
        flipNext.withLock { $0 = true }
    }

    /// Waits until both directions have reached EOF.
    func wait() throws {
        for pump in pumps.withLock({ $0 }) { try pump.value() }
    }

    private func pump(from source: Int32, to destination: Int32, mayCorrupt: Bool) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(source, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 {
                Glibc.shutdown(destination, Int32(SHUT_WR))
                return
            }
            if mayCorrupt && flipNext.withLock({ flip in defer { flip = false }; return flip }) {
                buffer[min(10, count - 1)] ^= 0x01
            }
            var offset = 0
            while offset < count {
                let sent = buffer[offset..<count].withUnsafeBytes { send(destination, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if sent < 0 && errno == EINTR { continue }
                if sent <= 0 { return }
                offset += sent
            }
        }
    }
}
