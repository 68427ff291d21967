import CRDT
import Crypto
import Foundation
import Store
import Sync
import SystemCalls
import Testing
import TestSupport
import TLS
import Wire

/// A hand-driven client: sends whatever bytes a test chooses, before TLS or
/// inside it, and decodes the hub's replies with the real `FrameDecoder`, so
/// a test can play a broken or hostile device that `DeviceSync` would never be.
final class RawPeer {
    let connection: Connection
    private(set) var tls: TLSSession?
    var encoder = FrameEncoder()
    var decoder = FrameDecoder(expectingMagic: true)

    init(port: UInt16) throws {
        Child.ignoreBrokenPipes()
        connection = try Connection.connect(to: Endpoint(host: "127.0.0.1", port: port), timeout: 5)
    }

    deinit { connection.close() }

    /// Runs the TLS handshake presenting `identity`; returns the hub's key fingerprint.
    @discardableResult
    func startTLS(_ identity: Identity, within seconds: Double = 5) throws -> [UInt8] {
        let session = try TLSSession(context: try TLSContext.client(identity: identity), fd: connection.descriptor)
        try session.handshake(deadlineMillis: MonotonicClock.nowMillis() + Int64(seconds * 1000))
        tls = session
        return session.peerFingerprint ?? []
    }

    /// Sends bytes: inside TLS once it has started, else on the bare socket.
    func send(_ bytes: [UInt8]) throws {
        if let tls {
            try tls.write(bytes, deadlineMillis: MonotonicClock.nowMillis() + 5000)
        } else {
            try connection.send(bytes, timeout: 5)
        }
    }

    /// Encodes with this peer's encoder and sends.
    func send(_ message: Message) throws { try send(try encoder.encode(message)) }

    /// The hub's next message, or nil once it has closed the connection (a
    /// reset or a TLS failure counts as closed). Throws if `seconds` pass
    /// first or the bytes do not decode.
    func receive(within seconds: Double = 5) throws -> Message? {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            if let message = try decoder.decodeMessage() { return message }
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { throw PeerTimedOut(seconds: seconds) }
            let bytes: [UInt8]
            if let tls {
                do {
                    bytes = try tls.read(maximum: 65_536, deadlineMillis: MonotonicClock.nowMillis() + Int64(remaining * 1000))
                } catch let error as TLSError where error.kind == .timeout {
                    throw PeerTimedOut(seconds: seconds)
                } catch is TLSError {
                    return nil
                }
            } else {
                do {
                    bytes = try connection.receive(maximum: 65_536, timeout: remaining)
                } catch let error as SocketError where error.kind == .io {
                    return nil
                } catch let error as SocketError where error.kind == .timeout {
                    throw PeerTimedOut(seconds: seconds)
                }
            }
            if bytes.isEmpty { return nil }
            decoder.append(bytes)
        }
    }

    /// Whether the hub closes the connection within `seconds`, sending nothing more.
    func closesWithoutAnotherFrame(within seconds: Double = 5) throws -> Bool {
        try receive(within: seconds) == nil
    }

    func close() { connection.close() }
}

struct PeerTimedOut: Error, CustomStringConvertible {
    let seconds: Double
    var description: String { "the hub sent no complete frame within \(seconds) s" }
}

/// What a device presents: its enrolled name, its key pair and its store's replica id.
struct DeviceCredentials {
    let name: String
    let identity: Identity
    let replica: ReplicaID

    /// The credentials of a store that has joined: its name and replica, and its key file.
    init(_ store: StoreHandle, replica: ReplicaID? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws {
        name = store.name
        identity = try Identity.load(path: KeyFile.path(forStore: store.path))
        self.replica = replica ?? store.replica
    }

    init(name: String, identity: Identity, replica: ReplicaID) {
        self.name = name
        self.identity = identity
        self.replica = replica
    }

    func hello(versions: ClosedRange<UInt16> = WireProtocol.supportedVersions) throws -> Hello {
        Hello(versions: versions, deviceName: name, replica: replica, nonce: try SecureRandom.bytes(Hello.nonceLength),
              wallClockMillis: Store.systemMillis())
    }
}

extension RawPeer {
    /// A complete, honest opening and the hub's first phase: TLS with the
    /// device's key, magic, Hello and `vector`, the hub's Welcome and Vector,
    /// then acknowledges every batch the hub sends (without applying it) and
    /// returns at the hub's Done with the hub's vector. The next frame is
    /// this peer's to send: Ops batches of its own operations, then Done.
    @discardableResult
    func authenticate(_ credentials: DeviceCredentials, vector: SyncVector, versions: ClosedRange<UInt16> = WireProtocol.supportedVersions,
                      sourceLocation: SourceLocation = #_sourceLocation) throws -> SyncVector {
        try startTLS(credentials.identity)
        try send(WireProtocol.magic)
        try send(.hello(try credentials.hello(versions: versions)))
        try send(.vector(vector))
        guard case .welcome? = try receive() else {
            Issue.record("the hub did not welcome an enrolled device", sourceLocation: sourceLocation)
            throw UnexpectedReply()
        }
        decoder.beginSession()
        guard case .vector(let hubVector)? = try receive() else {
            Issue.record("the hub did not send its vector", sourceLocation: sourceLocation)
            throw UnexpectedReply()
        }
        while true {
            switch try receive() {
            case .operations(let batchID, let batch)?, .compressedOperations(let batchID, let batch)?:
                try send(.ack(batchID: batchID, applied: UInt64(batch.operations.count)))
            case .done?:
                return hubVector
            case let other:
                Issue.record("unexpected \(String(describing: other)) during the hub's phase", sourceLocation: sourceLocation)
                throw UnexpectedReply()
            }
        }
    }
}

struct UnexpectedReply: Error {}

extension Hello {
    /// The untagged Hello frame.
    func encodedFrame() throws -> [UInt8] { try Message.hello(self).encode() }
}

/// Records an issue unless `message` is an Error frame with `code`.
func expectError(_ message: Message?, _ code: ErrorCode, sourceLocation: SourceLocation = #_sourceLocation) {
    guard case .error(let received, let text)? = message else {
        Issue.record("expected an Error frame \(code), got \(String(describing: message))", sourceLocation: sourceLocation)
        return
    }
    #expect(received == code, "Error frame \(received): \(text)", sourceLocation: sourceLocation)
}
