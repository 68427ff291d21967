import CRDT
import Crypto
import Foundation
import Store
import Sync
import Testing
import Wire

/// A hand-driven client: sends whatever bytes a test chooses and decodes the
/// hub's replies with the real `FrameDecoder`, so a test can play a broken
/// or hostile device that `DeviceSync` would never be.
final class RawPeer {
    let connection: Connection
    var encoder = FrameEncoder()
    var decoder = FrameDecoder(expectingMagic: true)

    init(port: UInt16) throws {
        _ = Fieldnotes.ignoreBrokenPipes
        connection = try Connection.connect(to: Endpoint(host: "127.0.0.1", port: port), timeout: 5)
    }

    deinit { connection.close() }

    func send(_ bytes: [UInt8]) throws { try connection.send(bytes, timeout: 5) }

    func sendMagic() throws { try send(WireProtocol.magic) }

    /// Encodes with this peer's encoder (tagged once authenticating) and sends.
    func send(_ message: Message) throws { try send(try encoder.encode(message)) }

    /// The bytes `send(message)` would send; advances the encoder's counter.
    func encode(_ message: Message) throws -> [UInt8] { try encoder.encode(message) }

    /// The hub's next message, or nil once it has closed the connection (a
    /// reset counts as closed). Throws if `seconds` pass first or the bytes
    /// do not decode.
    func receive(within seconds: Double = 5) throws -> Message? {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            if let message = try decoder.decodeMessage() { return message }
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { throw PeerTimedOut(seconds: seconds) }
            let bytes: [UInt8]
            do {
                bytes = try connection.receive(maximum: 65_536, timeout: remaining)
            } catch let error as SocketError where error.kind == .io {
                return nil
            } catch let error as SocketError where error.kind == .timeout {
                throw PeerTimedOut(seconds: seconds)
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

/// What a device needs to prove itself: its enrolled name, the secret from
/// its enrolment code and its store's replica id.
struct DeviceCredentials {
    let name: String
    let secret: [UInt8]
    let replica: ReplicaID

    init(code: String, replica: ReplicaID, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let parsed = try #require(EnrolmentCode(code), "not an enrolment code: \(code)", sourceLocation: sourceLocation)
        name = parsed.device
        secret = parsed.secret
        self.replica = replica
    }

    func hello(nonce: [UInt8]? = nil) throws -> Hello {
        Hello(deviceName: name, replica: replica, nonce: try nonce ?? SecureRandom.bytes(Hello.nonceLength),
              wallClockMillis: Store.systemMillis())
    }
}

extension RawPeer {
    /// Sends the magic and `hello`; returns the hub's Challenge after checking
    /// that its proof verifies under `credentials`' secret. The hub tags
    /// every frame after its Challenge (SPEC §6.4), so from here on this
    /// peer expects tags; it sends untagged until `authenticate` sends the Proof.
    func challenge(after hello: Hello, _ credentials: DeviceCredentials,
                   sourceLocation: SourceLocation = #_sourceLocation) throws -> Challenge {
        try send(WireProtocol.magic + hello.encodedFrame())
        let reply = try receive()
        guard case .challenge(let challenge)? = reply else {
            Issue.record("expected a Challenge, got \(String(describing: reply))", sourceLocation: sourceLocation)
            throw UnexpectedReply()
        }
        let expected = try Handshake.hubProof(secret: credentials.secret, hello: hello, challenge: challenge)
        try #require(Handshake.proofsMatch(challenge.proof, expected), "the real hub's proof does not verify", sourceLocation: sourceLocation)
        let keys = Handshake.sessionKeys(secret: credentials.secret, deviceNonce: hello.nonce, hubNonce: challenge.nonce)
        decoder.beginAuthentication(key: keys.hubToDevice)
        return challenge
    }

    /// A complete, honest handshake and the hub's first phase: proves
    /// itself, switches both directions to tagged frames, sends `vector`,
    /// acknowledges every batch the hub sends (without applying it) and
    /// returns at the hub's Done with the hub's vector. The next frame is
    /// this peer's to send: Ops batches of its own operations, then Done.
    @discardableResult
    func authenticate(_ credentials: DeviceCredentials, vector: SyncVector,
                      sourceLocation: SourceLocation = #_sourceLocation) throws -> SyncVector {
        let hello = try credentials.hello()
        let challenge = try challenge(after: hello, credentials, sourceLocation: sourceLocation)
        try send(.proof(mac: Handshake.deviceProof(secret: credentials.secret, hello: hello, challenge: challenge)))
        let keys = Handshake.sessionKeys(secret: credentials.secret, deviceNonce: hello.nonce, hubNonce: challenge.nonce)
        encoder.beginAuthentication(key: keys.deviceToHub)
        try send(.vector(vector))
        guard case .welcome? = try receive() else {
            Issue.record("the hub did not welcome an honest proof", sourceLocation: sourceLocation)
            throw UnexpectedReply()
        }
        guard case .vector(let hubVector)? = try receive() else {
            Issue.record("the hub did not send its vector", sourceLocation: sourceLocation)
            throw UnexpectedReply()
        }
        while true {
            switch try receive() {
            case .operations(let batchID, let batch)?:
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
    /// The untagged Hello frame, as the first frame after the magic.
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
