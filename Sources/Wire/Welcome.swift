import CRDT

/// The hub's acceptance of the device's proof, and the first authenticated
/// frame from the hub.
///
/// ```
/// 0                  16
/// +------------------+
/// | hub replica (16) |
/// +------------------+
/// ```
public struct Welcome: Hashable, Sendable {
    /// The hub's replica id.
    public var hubReplica: ReplicaID

    public init(hubReplica: ReplicaID) { self.hubReplica = hubReplica }
}
