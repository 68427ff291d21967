import CRDT
import Crypto
import Glibc
import Store
import Sync
import Synchronization
import Wire

/// Set by SIGINT or SIGTERM; the hub polls it.
let stopRequested = Atomic<Bool>(false)

struct HubServeCommand: Command {
    static let spec = CommandSpec(
        name: "hub serve", abstract: "Run the hub: merge the team's stores over TCP",
        options: [
            .option("listen", "HOST:PORT", "where to listen (default 127.0.0.1:7420; port 0 picks a free port)"),
            .option("max-connections", "N", "sessions at once; more get a 'busy' error (default 64)"),
            .option("idle-timeout", "SECONDS", "drop a peer that sends nothing for this long (default 60)"),
        ],
        discussion: """
            The hub store is an ordinary store (create it with 'fieldnotes --store hub.sqlite init --name hub'),
            so every read command works on it. Only devices enrolled with 'fieldnotes hub enroll' get in.
            Prints 'listening on HOST:PORT' when ready; logs one line per session to standard error.
            SIGINT or SIGTERM stops accepting, lets batches in flight commit, and exits 0.
            """)

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let text = arguments.value("listen") ?? "127.0.0.1:7420"
        guard let endpoint = Endpoint(text) else {
            throw UsageError(message: "--listen takes HOST:PORT, not '\(text)'", command: spec.name)
        }
        var settings = Hub.Settings()
        if let count = try arguments.integer("max-connections", range: 1...10_000) { settings.maxConnections = count }
        if let seconds = try arguments.integer("idle-timeout", range: 1...86_400) { settings.idleTimeout = Double(seconds) }
        let hub: Hub
        do {
            hub = try Hub(storePath: context.storePath, listen: endpoint, settings: settings) { Output.standardError($0) }
        } catch let error as SocketError {
            throw CommandFailure(message: "cannot listen on \(text) (\(error.message)); choose another --listen address")
        }
        // A parent may have left these blocked (a test runner, a service manager): unblock them.
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        sigaddset(&stopSignals, SIGINT)
        sigaddset(&stopSignals, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &stopSignals, nil)
        signal(SIGINT) { _ in stopRequested.store(true, ordering: .relaxed) }
        signal(SIGTERM) { _ in stopRequested.store(true, ordering: .relaxed) }
        signal(SIGPIPE, SIG_IGN)
        context.out("listening on \(hub.endpoint)")
        fflush(nil)
        Output.standardError("fieldnotes hub: serving \(context.storePath) on \(hub.endpoint); stop with Ctrl-C")
        hub.run(shouldStop: { stopRequested.load(ordering: .relaxed) })
        Output.standardError("fieldnotes hub: stopped")
    }
}

struct HubEnrollCommand: Command {
    static let spec = CommandSpec(
        name: "hub enroll", abstract: "Enrol a device; prints its one-line enrolment code last",
        arguments: [("DEVICE-NAME", "the device's name: letters, digits, '.', '_', '-'", true)],
        options: [.option("address", "HOST:PORT", "the address devices reach this hub at (default 127.0.0.1:7420)")],
        discussion: """
            Run on the hub's store. The code (fieldnotes://DEVICE:SECRET@HOST:PORT) holds a fresh 256-bit
            secret: give it to the device's user as you would a password; they run 'fieldnotes join CODE'.
            """)

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let name = arguments.positional(0) ?? ""
        let addressText = arguments.value("address") ?? "127.0.0.1:7420"
        guard let address = Endpoint(addressText) else {
            throw UsageError(message: "--address takes HOST:PORT, not '\(addressText)'", command: spec.name)
        }
        let store = try context.openStore()
        let secret = try SecureRandom.bytes(Handshake.secretLength)
        try store.enroll(device: name, secret: secret)
        context.err("fieldnotes: enrolled '\(name)'; on that device run: fieldnotes join CODE")
        context.out(EnrolmentCode(device: name, secret: secret, address: address).text)
    }
}

struct HubDevicesCommand: Command {
    static let spec = CommandSpec(name: "hub devices", abstract: "List the devices enrolled on this hub", options: [formatOption])

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let json = try arguments.json
        let store = try context.openStore()
        let devices = try store.devices()
        var replicas: [String: [ReplicaID]] = [:]
        for device in devices { replicas[device.name] = try store.replicas(ofDevice: device.name) }
        func time(_ ms: UInt64?) -> String? { ms.map { ISO8601.format(millis: $0) } }
        if json {
            context.out(JSON.array(devices.map { device in
                .object([
                    ("name", .string(device.name)),
                    ("replica", device.replica.map { .string($0.hex) } ?? .null),
                    ("replicas", .array((replicas[device.name] ?? []).map { .string($0.hex) })),
                    ("enrolled", .string(ISO8601.format(millis: device.enrolledMillis))),
                    ("last_seen", time(device.lastSeenMillis).map(JSON.string) ?? .null),
                    ("operations_received", .number(Double(device.operationsReceived))),
                    ("revoked", time(device.revokedMillis).map(JSON.string) ?? .null),
                ])
            }).pretty())
            return
        }
        var table = Table("NAME", "REPLICA", "ENROLLED", "LAST SEEN", "OPS IN", "STATUS")
        for device in devices {
            let earlier = max(0, (replicas[device.name]?.count ?? 0) - 1)
            table.add(device.name, (device.replica.map { String($0.hex.prefix(8)) } ?? "-") + (earlier > 0 ? " (+\(earlier) earlier)" : ""),
                      ISO8601.format(millis: device.enrolledMillis).replacingT, time(device.lastSeenMillis)?.replacingT ?? "never",
                      String(device.operationsReceived), device.isRevoked ? "revoked" : "active")
        }
        context.out(table.render())
    }
}

struct HubRevokeCommand: Command {
    static let spec = CommandSpec(
        name: "hub revoke", abstract: "Lock a device out from its next connection",
        arguments: [("DEVICE-NAME", "the enrolled device's name", true)])

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let name = arguments.positional(0) ?? ""
        try context.openStore().revoke(device: name)
        context.out("revoked \(name)")
    }
}

struct JoinCommand: Command {
    static let spec = CommandSpec(
        name: "join", abstract: "Connect this store to a hub with an enrolment code",
        arguments: [("CODE", "the code 'fieldnotes hub enroll' printed: fieldnotes://DEVICE:SECRET@HOST:PORT", true)])

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        guard let code = EnrolmentCode(arguments.positional(0) ?? "") else {
            throw UsageError(message: "that is not an enrolment code (fieldnotes://DEVICE:SECRET@HOST:PORT with a 64-hex-digit secret)", command: spec.name)
        }
        let store = try context.openStore()
        try store.setHubLink(HubLink(address: code.address.description, device: code.device, secret: code.secret))
        context.out("joined the hub at \(code.address) as '\(code.device)'; run 'fieldnotes sync' when online")
    }
}

struct SyncCommand: Command {
    static let spec = CommandSpec(
        name: "sync", abstract: "Send what the hub lacks and fetch what the team wrote",
        options: [.option("timeout", "SECONDS", "give up on a silent hub after this long (default 30)")],
        discussion: "Safe to interrupt and re-run: each batch is committed and acknowledged, and a re-run resumes.")

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let timeout = Double(try arguments.integer("timeout", range: 1...3600) ?? 30)
        let store = try context.openStore()
        guard let link = try store.hubLink() else {
            throw CommandFailure(message: "this store has not joined a hub; run 'fieldnotes join CODE' with the code from 'fieldnotes hub enroll'")
        }
        signal(SIGPIPE, SIG_IGN)
        let report: SyncReport
        do {
            report = try DeviceSync(store: store, link: link, timeout: timeout).run()
        } catch let error as SocketError {
            throw CommandFailure(message: "cannot reach the hub at \(link.address) (\(error.message)); your notes are safe in this store: sync again when online")
        } catch let error as SyncError {
            throw CommandFailure(message: "sync with \(link.address) failed: \(error.message); your notes are safe in this store")
        }
        if abs(report.clockSkewMillis) > Int64(WireLimits.clockSkewWarningMillis) {
            context.err("fieldnotes: warning: this device's clock is \(abs(report.clockSkewMillis) / 60_000) minutes \(report.clockSkewMillis > 0 ? "behind" : "ahead of") the hub's; set the clock (the operations were still accepted)")
        }
        if let reissue = report.reissue {
            context.out("this store was restored from a backup or copied: \(reissue.moved) of its changes (to \(reissue.records) \(reissue.records == 1 ? "record" : "records")) had ids the hub already held for other changes, so they were re-issued as replica \(reissue.replica.hex.prefix(8)) and sent, and the \(report.fetchedOwn) \(report.fetchedOwn == 1 ? "change" : "changes") this laptop lacked were fetched from the hub; nothing was lost")
        }
        for origin in report.divergentOrigins {
            context.err("fieldnotes: warning: the hub holds a different history of replica \(origin.hex.prefix(8)) than this store (a copy of that device's store, or the hub, was restored from a backup); this store kept its own and fetched none of that replica's changes")
        }
        context.out("synced with \(link.address): sent \(report.sent) operations, received \(report.received); \(report.bytesOut) bytes out, \(report.bytesIn) bytes in; \(report.milliseconds) ms")
        if let (record, reason) = report.unsendable.first {
            let id = record.hex.prefix(8)
            throw CommandFailure(message: "record \(id) holds a value too large to sync (\(reason)); it and the changes made after it are safe in this store but stay here. Shorten it (for a note, 'fieldnotes edit \(id) --body-file SHORTER.txt') and run 'fieldnotes sync' again")
        }
    }
}
