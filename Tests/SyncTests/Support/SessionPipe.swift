import CRDT
import Foundation
import Store
@testable import Sync
import Synchronization
import Wire

/// Which side wrote a frame.
enum Side: String, Sendable { case device, hub }

/// Drives a `DeviceSession` and a `HubSession` against each other in
/// process, with no socket and no TLS: each side's frames go through a
/// `FrameEncoder` into the other side's `FrameDecoder` (magic, handshake
/// frame limit and all), as `Channel` would move them. What a failing side's
/// driver does is done here too: the hub sends the code of a `SyncError` it
/// throws as an Error frame; either side then stops.
struct SessionPipe {
    struct Result {
        /// Every message in the order it was written, by whom.
        var transcript: [(from: Side, message: Message)] = []
        var device: DeviceSession
        var hub: HubSession
        var deviceOutcome: DeviceSession.Outcome?
        var deviceError: (any Error)?
        var hubError: (any Error)?
        /// Whether the hub ended the session as it should (it closed, or
        /// took the device's close as the end).
        var hubClosed = false

        /// `D:hello`, `H:welcome`, …: who wrote which type, in order.
        var types: [String] { transcript.map { "\($0.from == .device ? "D" : "H"):\($0.message.type.name ?? "?")" } }
        var deviceCode: ErrorCode? { (deviceError as? SyncError)?.code }
        var hubCode: ErrorCode? { (hubError as? SyncError)?.code }
    }

    private enum Step { case moved, waiting, finished }

    /// Runs one session to its end on both sides.
    static func run(_ device: DeviceSession, _ hub: HubSession) throws -> Result {
        var result = Result(device: device, hub: hub)
        var toHub = FrameDecoder(expectingMagic: true), toDevice = FrameDecoder(expectingMagic: true)
        toHub.append(WireProtocol.magic)
        toDevice.append(WireProtocol.magic)
        let encoder = FrameEncoder()
        var deviceDone = false, hubDone = false

        func write(_ messages: [Message], from side: Side) throws {
            for message in messages {
                result.transcript.append((side, message))
                let bytes = try encoder.encode(message)
                if side == .device { toHub.append(bytes) } else { toDevice.append(bytes) }
            }
        }
        /// A batch goes as the frame its sender built, as `Channel` sends it.
        func write(_ batch: EncodedMessage, from side: Side) throws {
            result.transcript.append((side, batch.message))
            let bytes = try encoder.encode(batch.frame)
            if side == .device { toHub.append(bytes) } else { toDevice.append(bytes) }
        }
        func stepDevice() -> Step {
            do {
                switch try result.device.next() {
                case .send(let messages): try write(messages, from: .device)
                case .sendBatch(let batch): try write(batch, from: .device)
                case .sendError(let code, let text): try write([.error(code: code, message: text)], from: .device)
                case .raiseFrameLimit: toDevice.beginSession()
                case .receive:
                    guard let message = try toDevice.decodeMessage() else { return .waiting }
                    try result.device.receive(message)
                case .close(let outcome):
                    result.deviceOutcome = outcome
                    return .finished
                }
                return .moved
            } catch {
                result.deviceError = error
                return .finished
            }
        }
        func stepHub() -> Step {
            do {
                switch try result.hub.next() {
                case .send(let messages): try write(messages, from: .hub)
                case .sendBatch(let batch): try write(batch, from: .hub)
                case .raiseFrameLimit: toHub.beginSession()
                case .receive:
                    if let message = try toHub.decodeMessage() {
                        try result.hub.receive(message)
                    } else if deviceDone {
                        // The device has closed: the end of an enrolment, or a failure.
                        result.hubClosed = result.hub.peerClosed()
                        if !result.hubClosed { result.hubError = SocketError(.closed, "the device closed the connection") }
                        return .finished
                    } else {
                        return .waiting
                    }
                case .close:
                    result.hubClosed = true
                    return .finished
                }
                return .moved
            } catch {
                // As `Hub.serve` does: a coded refusal goes to the device as an Error frame.
                result.hubError = error
                if let refusal = error as? SyncError, let code = refusal.code {
                    try? write([.error(code: code, message: String(refusal.message.utf8.prefix(WireLimits.maxErrorMessageLength)) ?? "")], from: .hub)
                }
                return .finished
            }
        }

        for _ in 0 ..< 1_000_000 {
            var moved = false
            while !deviceDone {
                let step = stepDevice()
                if step == .waiting { break }
                moved = true
                if step == .finished { deviceDone = true }
            }
            while !hubDone {
                let step = stepHub()
                if step == .waiting { break }
                moved = true
                if step == .finished { hubDone = true }
            }
            if deviceDone && hubDone { return result }
            if !moved {
                // Both wait for the other: the device gives up at its step deadline.
                result.deviceError = SocketError(.timeout, "both sides are waiting for the other")
                deviceDone = true
            }
        }
        throw SyncError("the session did not end")
    }
}

/// A hub for `HubSession`s in process: a store on disk opened per session
/// (as `Hub` opens one per connection), a write lock, and a registry that
/// admits, or answers what a test sets.
final class PipeHub: HubSessionHost {
    let storePath: String
    var promotion = SessionRegistry.Promotion.admitted
    var stopping = false
    let clock: UInt64
    private let lock = Mutex(())
    private(set) var logged: [String] = []

    init(storePath: String, clock: UInt64 = 1_717_243_201_234) {
        self.storePath = storePath
        self.clock = clock
    }

    func openStore() throws -> any SessionStore { try Store.open(at: storePath) }
    func write<T>(_ body: () throws -> T) throws -> T { try lock.withLock { _ in try body() } }
    func promote(device: String) -> SessionRegistry.Promotion { promotion }
    var maxSessions: Int { 64 }
    var isStopping: Bool { stopping }
    var acceptsLostOwnChanges: Bool { false }
    func wallClockMillis() -> UInt64 { clock }
    func log(_ line: String) { logged.append(line) }

    /// A hub session as the hub starts one for a device that presented `key`.
    func session(key: [UInt8]?) -> HubSession { HubSession(host: self, presentedKey: key) }
}

/// A device store in a test's temporary directory, and the syncs it runs
/// through a `SessionPipe`, as `DeviceSync.run()` runs them over TLS.
struct PipeDevice {
    let name: String
    let store: Store
    /// The fingerprint of the key it presents.
    let key: [UInt8]

    /// Sessions until one completes (at most six), carrying the report.
    @discardableResult
    func sync(with hub: PipeHub) throws -> (report: SyncReport, sessions: [SessionPipe.Result]) {
        var report = SyncReport()
        var sessions: [SessionPipe.Result] = []
        for _ in 0 ..< 6 {
            let result = try SessionPipe.run(DeviceSession(store: store, deviceName: name, purpose: .sync, report: report), hub.session(key: key))
            sessions.append(result)
            if let error = result.deviceError { throw error }
            report = result.device.report
            if result.deviceOutcome == .complete { return (report, sessions) }
        }
        throw SyncError("no session completed")
    }

    func enrol(with hub: PipeHub, token: EnrolmentToken) throws -> SessionPipe.Result {
        try SessionPipe.run(DeviceSession(store: store, deviceName: name, purpose: .enrol(token)), hub.session(key: key))
    }

    /// Writes notes with these titles, in one commit.
    @discardableResult
    func write(_ titles: [String]) throws -> [RecordID] {
        var ids: [RecordID] = []
        var changes: [Change] = []
        for title in titles {
            let id = try Store.newRecordID()
            ids.append(id)
            changes += [.create(id, type: Note.type), .assign(id, field: "title", value: .text(title))]
        }
        try store.commit(changes)
        return ids
    }

    func titles() throws -> Set<String> { try Self.titles(store) }

    static func titles(_ store: Store) throws -> Set<String> {
        Set(try store.list(RecordFilter(type: Note.type)).compactMap { record -> String? in
            if case .text(let title)? = record.value("title") { return title }
            return nil
        })
    }
}
