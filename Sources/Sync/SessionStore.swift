import CRDT
import Store

/// What the session machines (`DeviceSession`, `HubSession`) ask of a
/// store: vectors and ranges to read, and the writes a session makes. A
/// store is local disk, not the network, so the machines call it directly.
/// `Store` is the one the product uses; a test can bring one holding fixed
/// operations, to replay the session vectors byte for byte.
protocol SessionStore: AnyObject {
    /// The replica id the store writes as now.
    var replica: ReplicaID { get }
    func versionVector() throws -> VersionVector
    func syncVector(ownUpTo: UInt64?) throws -> SyncVector
    func divergentOrigins(from peer: SyncVector) throws -> [ReplicaID]
    func operations(_ range: SeqRange, limit: Int) throws -> [Operation]

    // MARK: On a device

    func hubAcknowledged() throws -> UInt64
    func recordSync(acknowledged seq: UInt64, completed: Bool) throws
    func applyReporting(_ operations: [Operation]) throws -> (applied: Int, reissue: Reissue?)
    func nameReplicaIfNew() throws
    func clearReplacedValue(_ id: OperationID) throws -> Bool

    // MARK: On a hub

    func device(named name: String) throws -> DeviceEntry?
    func redeemEnrolment(device name: String, tokenHash: [UInt8], keyFingerprint: [UInt8]) throws
    func bind(device name: String, to replica: ReplicaID) throws
    func reissueOwnOperations(of expected: ReplicaID, from seq: UInt64) throws -> Reissue?
    func checkSchema(_ operations: [Operation]) throws
    func apply(_ operations: [Operation]) throws -> Int
    func recordSession(device name: String, operationsReceived: Int) throws
    /// The replica id a restore from a backup left behind (`Store.restore`),
    /// whose changes the backup lacked; nil if the store was not restored so.
    func restoredReplica() throws -> ReplicaID?

    // MARK: On both

    /// A catch-up (`Store+CatchUp.swift`): the value indexes wait until
    /// `finishCatchUp()`.
    func deferValueIndexes() throws
    @discardableResult func finishCatchUp() throws -> Bool
}

extension SessionStore {
    func restoredReplica() throws -> ReplicaID? { nil }
    func deferValueIndexes() throws {}
    func finishCatchUp() throws -> Bool { false }
}

extension Store: SessionStore {}
