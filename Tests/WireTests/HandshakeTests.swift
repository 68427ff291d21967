import CRDT
import Testing
import Wire

@Suite struct HandshakeTests {
    let hello = VectorCatalog.typicalHello

    func challenge(nonce: [UInt8] = Fixtures.hubNonce) throws -> Challenge {
        var challenge = Challenge(nonce: nonce, wallClockMillis: Fixtures.hubClock, proof: [])
        challenge.proof = try Handshake.hubProof(secret: Fixtures.secret, hello: hello, challenge: challenge)
        return challenge
    }

    @Test func proofsVerifyOnlyWithTheSecretAndTheirOwnLabel() throws {
        let challenge = try challenge()
        let deviceProof = try Handshake.deviceProof(secret: Fixtures.secret, hello: hello, challenge: challenge)
        #expect(deviceProof.count == 32 && challenge.proof.count == 32)
        #expect(deviceProof != challenge.proof)
        #expect(Handshake.proofsMatch(deviceProof, try Handshake.deviceProof(secret: Fixtures.secret, hello: hello, challenge: challenge)))
        let wrongSecret = Fixtures.randomBytes(32, seed: 77)
        #expect(!Handshake.proofsMatch(deviceProof, try Handshake.deviceProof(secret: wrongSecret, hello: hello, challenge: challenge)))
        #expect(!Handshake.proofsMatch(challenge.proof, try Handshake.hubProof(secret: wrongSecret, hello: hello, challenge: challenge)))
        // The hub proof does not depend on the proof field it fills in.
        var other = challenge
        other.proof = Array(repeating: 0, count: 32)
        #expect(try Handshake.hubProof(secret: Fixtures.secret, hello: hello, challenge: other) == challenge.proof)
    }

    @Test func replayedDeviceProofFailsAgainstAFreshHubNonce() throws {
        let recorded = try Handshake.deviceProof(secret: Fixtures.secret, hello: hello, challenge: try challenge())
        let fresh = try challenge(nonce: Fixtures.randomBytes(32, seed: 500))
        let expected = try Handshake.deviceProof(secret: Fixtures.secret, hello: hello, challenge: fresh)
        #expect(!Handshake.proofsMatch(recorded, expected))
    }

    @Test func everyTranscriptFieldIsCovered() throws {
        let base = try Handshake.deviceProof(secret: Fixtures.secret, hello: hello, challenge: try challenge())
        var variants: [Hello] = []
        var changed = hello
        changed.deviceName = "field-laptoq"
        variants.append(changed)
        changed = hello
        changed.wallClockMillis += 1
        variants.append(changed)
        changed = hello
        changed.versions = 1 ... 2
        variants.append(changed)
        changed = hello
        changed.replica = Fixtures.tablet
        variants.append(changed)
        changed = hello
        changed.nonce[31] ^= 1
        variants.append(changed)
        for variant in variants {
            #expect(try Handshake.deviceProof(secret: Fixtures.secret, hello: variant, challenge: try challenge()) != base)
        }
        var later = try challenge()
        later.wallClockMillis += 1
        #expect(try Handshake.deviceProof(secret: Fixtures.secret, hello: hello, challenge: later) != base)
    }

    @Test func sessionKeysDifferPerDirectionAndPerSession() {
        let keys = Handshake.sessionKeys(secret: Fixtures.secret, deviceNonce: Fixtures.deviceNonce, hubNonce: Fixtures.hubNonce)
        #expect(keys.deviceToHub.count == 32 && keys.hubToDevice.count == 32)
        #expect(keys.deviceToHub != keys.hubToDevice)
        let next = Handshake.sessionKeys(secret: Fixtures.secret, deviceNonce: Fixtures.deviceNonce, hubNonce: Fixtures.randomBytes(32, seed: 8))
        #expect(next.deviceToHub != keys.deviceToHub && next.hubToDevice != keys.hubToDevice)
    }

    @Test func versionNegotiationPicksTheHighestCommonVersion() {
        #expect(WireProtocol.negotiate(device: 1 ... 1, hub: 1 ... 1) == 1)
        #expect(WireProtocol.negotiate(device: 1 ... 3, hub: 2 ... 5) == 3)
        #expect(WireProtocol.negotiate(device: 4 ... 6, hub: 1 ... 3) == nil)
        #expect(WireProtocol.negotiate(device: 1 ... 1, hub: 2 ... 3) == nil)
    }

    @Test func errorCodesHaveNamesAndRetryAdvice() {
        #expect(ErrorCode.allKnown.map(\.rawValue) == Array(1 ... 17))
        #expect(ErrorCode.allKnown.allSatisfy { $0.name != nil })
        #expect(ErrorCode.busy.isRetryable && !ErrorCode.authFailed.isRetryable && !ErrorCode.revoked.isRetryable)
        #expect(ErrorCode(rawValue: 999).name == nil && ErrorCode(rawValue: 999).isRetryable)
    }
}
