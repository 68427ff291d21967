import CRDT
import Testing
import Wire

/// Version negotiation, error codes, and the messages version 2 changed:
/// Enrol is new, Welcome carries the version and clock, and version 1's
/// Challenge and Proof are gone. Version 3 changed no message (it added
/// text operations); version 4 adds CompressedOps and still serves version 3.
@Suite struct WireProtocolTests {
    @Test func versionNegotiationPicksTheHighestCommonVersion() {
        #expect(WireProtocol.negotiate(device: 1 ... 1, hub: 1 ... 1) == 1)
        #expect(WireProtocol.negotiate(device: 1 ... 3, hub: 2 ... 5) == 3)
        #expect(WireProtocol.negotiate(device: 4 ... 6, hub: 1 ... 3) == nil)
        #expect(WireProtocol.negotiate(device: 1 ... 1, hub: 2 ... 3) == nil)
        #expect(WireProtocol.negotiate(device: 1 ... 1) == nil, "a version 1 device finds no common version")
        #expect(WireProtocol.negotiate(device: 3 ... 3) == 3, "a version 3 device is served in version 3")
        #expect(WireProtocol.negotiate(device: 2 ... 3) == 3)
        #expect(WireProtocol.negotiate(device: 3 ... 4) == WireProtocol.currentVersion)
        #expect(WireProtocol.negotiate(device: 4 ... 9) == 4)
    }

    @Test func versionsThreeAndFourAreSpoken() {
        #expect(WireProtocol.currentVersion == 4)
        #expect(WireProtocol.supportedVersions == 3 ... 4)
        #expect(WireProtocol.negotiate(device: 2 ... 2) == nil, "a version 2 device, which cannot read text operations, gets unsupportedVersion")
        #expect(Hello(deviceName: "d", replica: Fixtures.device, nonce: [], wallClockMillis: 0).versions == 3 ... 4)
    }

    @Test func compressedOpsIsAMessageOfVersionFourOnly() throws {
        #expect(MessageType.compressedOperations.rawValue == 0x16 && MessageType.compressedOperations.name == "compressedOps")
        let batch = try OperationBatch(VectorCatalog.morning)
        let message = Message.compressedOperations(batchID: 1, batch: batch)
        #expect(message.isAllowed(inVersion: 4) && !message.isAllowed(inVersion: 3))
        #expect(Message.operations(batchID: 1, batch: batch).isAllowed(inVersion: 3))
        #expect(message.operationBatch?.batch == batch && message.operationBatch?.batchID == 1)
    }

    @Test func errorCodesHaveNamesAndRetryAdvice() {
        #expect(ErrorCode.allKnown.map(\.rawValue) == Array(1 ... 17))
        #expect(ErrorCode.allKnown.allSatisfy { $0.name != nil })
        #expect(ErrorCode.busy.isRetryable && !ErrorCode.authFailed.isRetryable && !ErrorCode.revoked.isRetryable)
        #expect(ErrorCode(rawValue: 999).name == nil && ErrorCode(rawValue: 999).isRetryable)
        // Version 1's badTag keeps its number and name, though version 2 never sends it.
        #expect(ErrorCode.badTag.rawValue == 11 && ErrorCode.badTag.name == "badTag")
    }

    @Test func versionOneChallengeAndProofAreNotMessages() throws {
        for type: UInt8 in [0x02, 0x03] {
            #expect(MessageType(rawValue: type).name == nil)
            do {
                _ = try Message.decode(Frame(type: MessageType(rawValue: type), payload: Array(repeating: 0, count: 32)))
                Issue.record("type \(type) decoded")
            } catch {
                #expect(error.code == .unknownMessageType && error.wireCode == .malformed)
            }
        }
    }

    @Test func enrolCarriesExactlyTheTokensTenBytes() throws {
        let frame = try Message.enrol(Fixtures.token).encode()
        #expect(frame == [0, 0, 0, 11, 0x06] + Fixtures.tokenBytes)
        #expect(try Message.decode(Frame(type: .enrol, payload: Fixtures.tokenBytes)) == .enrol(Fixtures.token))
        for (length, code) in [(0, WireError.Code.truncated), (9, .truncated), (11, .trailingBytes)] {
            let payload = Array((Fixtures.tokenBytes + [0]).prefix(length))
            do {
                _ = try Message.decode(Frame(type: .enrol, payload: payload))
                Issue.record("an Enrol of \(length) bytes decoded")
            } catch {
                #expect(error.code == code, "\(length) bytes")
            }
        }
    }

    @Test func welcomeCarriesVersionReplicaAndClock() throws {
        let welcome = Welcome(hubReplica: Fixtures.hub, wallClockMillis: Fixtures.hubClock)
        #expect(welcome.version == WireProtocol.currentVersion)
        let frame = try Message.welcome(welcome).encode()
        #expect(frame.count == 4 + 1 + 2 + 16 + 8)
        #expect(Array(frame[5 ..< 7]) == [0, 4])
        #expect(Array(frame[7 ..< 23]) == Fixtures.hub.bytes)
        #expect(try Message.decode(Frame(type: .welcome, payload: Array(frame.dropFirst(5)))) == .welcome(welcome))
        #expect(throws: WireError.self) { try Message.welcome(Welcome(version: 0, hubReplica: Fixtures.hub, wallClockMillis: 0)).encode() }
    }
}
