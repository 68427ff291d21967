import CRDT
import Synthetic
import Wire

/// Deterministic ids, tokens, nonces and clocks for vectors and tests.
enum Fixtures {
    static let device = ReplicaID(high: 0x5e1f_0c2a_9b8d_4e7f, low: 0xa3c6_b1d2_e4f6_0789)
    static let tablet = ReplicaID(high: 0x7c2d_9e4b_1a3f_5c6d, low: 0x8e9f_0a1b_2c3d_4e5f)
    static let hub = ReplicaID(high: 0x4b1d_8a3c_5e7f_9021, low: 0xc3d5_e7f9_a1b3_c5d7)

    static let note1 = record("3f9a1c0e7b2d4f6a8c1e3b5d7f9a2c4e")
    static let note2 = record("b7e2d4f6a8c0e1f3a5b7c9d1e3f5a7b9")
    static let note3 = record("0c4e6a8b2d1f3e5c7a9b0d2f4e6c8a1b")

    /// 2024-06-01T12:00:00Z.
    static let deviceClock: UInt64 = 1_717_243_200_000
    static let hubClock: UInt64 = 1_717_243_201_234

    /// The Hello's nonce, unused since version 2 but still in the layout.
    static let deviceNonce = randomBytes(32, seed: 2)

    /// The token `7YD1-R3KV-5N7P-N30Y-W` ("typical" in token.json).
    static let tokenBytes: [UInt8] = [0x3F, 0x9A, 0x1C, 0x0E, 0x7B, 0x2D, 0x4F, 0x6A, 0x8C, 0x1E]

    static var token: EnrolmentToken {
        guard let token = EnrolmentToken(bytes: tokenBytes) else { preconditionFailure("10 bytes make a token") }
        return token
    }

    static func record(_ hex: String) -> RecordID {
        guard let id = RecordID(hex: hex) else { preconditionFailure("bad fixture record id \(hex)") }
        return id
    }

    static func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var generator = SplitMix64(seed: seed)
        return (0 ..< count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// A Vector's content: each entry with a made-up fingerprint, fixed by its seq.
    static func vector(_ entries: [ReplicaID: UInt64]) -> SyncVector {
        SyncVector(VersionVector(entries), fingerprints: entries.mapValues { seq in
            randomBytes(8, seed: seq &+ 77).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        })
    }

    /// An operation of `origin` (the device unless said otherwise).
    static func op(_ seq: UInt64, at physical: UInt64, logical: UInt16 = 0, _ record: RecordID, _ action: Action,
                   origin: ReplicaID = device) -> Operation {
        Operation(id: OperationID(origin: origin, seq: seq), timestamp: Timestamp(physical: physical, logical: logical),
                  record: record, action: action)
    }
}
