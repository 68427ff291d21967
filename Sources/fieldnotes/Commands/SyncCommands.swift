import Analysis
import CRDT
import Crypto
import Formats
import Glibc
import Store
import Sync
import Synchronization
import SystemCalls
import TLS
import Wire

/// Set by SIGINT or SIGTERM; the hub polls it.
let stopRequested = Atomic<Bool>(false)

struct HubServeCommand: Command {
    static let spec = CommandSpec(
        name: "hub serve", abstract: "Run the hub: merge the team's stores over TLS",
        options: [
            .option("listen", "HOST:PORT", "where to listen (default 127.0.0.1:7420; port 0 picks a free port)"),
            .option("max-connections", "N", "sessions at once; more get a 'busy' error (default 64)"),
            .option("idle-timeout", "SECONDS", "drop a peer that sends nothing for this long (default 60)"),
            .flag("restored", "this store was restored from a backup: take back from devices the hub's own changes the restore lost"),
        ],
        discussion: """
            The hub store is an ordinary store (create it with 'fieldnotes --store hub.sqlite init --name hub'),
            so every read command works on it. Only devices enrolled with 'fieldnotes hub enroll' get in,
            each with its own key, over TLS 1.3. The hub's key pair is in STORE.key beside the store
            (made on first use, readable by its owner only); enrolment codes carry its fingerprint.
            Prints 'listening on HOST:PORT' when ready; logs one line per session to standard error.
            SIGINT or SIGTERM stops accepting, lets batches in flight commit, and exits 0.
            While serving it holds STORE.hub, which 'hub status' reads; a second hub on the same store is refused.
            After 'hub restore' it takes back what the backup lacked for 30 days, as --restored does.
            """)

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let text = arguments.value("listen") ?? "127.0.0.1:7420"
        guard let endpoint = Endpoint(text) else {
            throw UsageError(message: "--listen takes HOST:PORT, not '\(text)'", command: spec.name)
        }
        var settings = Hub.Settings()
        if let count = try arguments.integer("max-connections", range: 1...10_000) { settings.maxConnections = count }
        if let seconds = try arguments.integer("idle-timeout", range: 1...86_400) { settings.idleTimeout = Double(seconds) }
        // A store restored by 'hub restore' in the last 30 days takes back what the backup lacked.
        let (identity, restored) = try { () throws -> (Identity, UInt64?) in
            let store = try context.openStore()
            return (try hubIdentity(context, store), try store.restoredMillis())
        }()
        let recentlyRestored = restored.map { Store.systemMillis() < $0 + restoredHubWindowMillis } ?? false
        settings.restoredFromBackup = arguments.flag("restored") || recentlyRestored
        guard let status = try HubStatusFile.lock(forStore: context.storePath) else {
            throw CommandFailure(message: "another hub is serving \(context.storePath), or a 'hub restore' is running; stop it first")
        }
        let hub: Hub
        do {
            hub = try Hub(storePath: context.storePath, listen: endpoint, identity: identity, settings: settings) { Output.standardError($0) }
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
        context.info("fieldnotes hub: serving \(context.storePath) on \(hub.endpoint); stop with Ctrl-C")
        if recentlyRestored, let restored {
            Output.standardError("fieldnotes hub: this store was restored from a backup on \(ISO8601.format(millis: restored)): until 30 days after, devices may give back what the backup lacked")
        }
        let started = Store.systemMillis()
        hub.run(shouldStop: {
            status.record(sessions: hub.deviceSessions, startedMillis: started)
            return stopRequested.load(ordering: .relaxed)
        })
        context.info("fieldnotes hub: stopped")
    }
}

/// The hub's key pair, made on first use. Once devices have enrolled with
/// its fingerprint, a missing key file is refused rather than replaced: a
/// new key would lock every device out.
func hubIdentity(_ context: Context, _ store: Store) throws -> Identity {
    let path = KeyFile.path(forStore: context.storePath)
    if access(path, F_OK) != 0, try store.devices().contains(where: { $0.keyFingerprint != nil }) {
        throw CommandFailure(message: "the hub's key file \(path) is missing, and devices enrolled with its fingerprint; restore it from the backup of this store "
                             + "(a new key would lock every device out; to start afresh, give each device a new code with 'hub enroll NAME --replace')")
    }
    do {
        return try KeyFile.loadOrCreate(forStore: context.storePath, commonName: "fieldnotes hub")
    } catch let error as SyncError {
        throw CommandFailure(message: error.message)
    }
}

struct HubEnrollCommand: Command {
    static let spec = CommandSpec(
        name: "hub enroll", abstract: "Enrol a device; prints its one-line enrolment code last",
        arguments: [("DEVICE-NAME", "the device's name: letters, digits, '.', '_', '-'", true)],
        options: [
            .option("address", "HOST:PORT", "the address devices reach this hub at (default 127.0.0.1:7420)"),
            .option("expires", "DURATION", "how long the code works: 30m, 12h, 7d (default 7d)"),
            .flag("replace", "give a device that already enrolled a new code (a new laptop): its old key stops working"),
        ],
        discussion: """
            Run on the hub's store. The code, fieldnotes://DEVICE@HOST:PORT/HUB-FINGERPRINT#TOKEN, carries
            the hub's key fingerprint (the device trusts no other server) and a one-time token such as
            7K3M-Q9TD-XW2R-H8PV-5, short enough to read over the phone, with a check symbol that catches
            a typo. The first 'fieldnotes join CODE' with it enrols that laptop's key; the token then stops
            working, and it expires unused after --expires. The hub keeps only the token's hash.
            Send the code without the token by email and read the token out, if you like: 'join' takes
            '--token'. A new code for a name replaces the one before.
            """)

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let name = arguments.positional(0) ?? ""
        let addressText = arguments.value("address") ?? "127.0.0.1:7420"
        guard let address = Endpoint(addressText) else {
            throw UsageError(message: "--address takes HOST:PORT, not '\(addressText)'", command: spec.name)
        }
        let expiresText = arguments.value("expires") ?? "7d"
        guard let lifetime = Self.parseDuration(expiresText) else {
            throw UsageError(message: "--expires takes a duration such as 30m, 12h or 7d (at most 365d), not '\(expiresText)'", command: spec.name)
        }
        let store = try context.openStore()
        let identity = try hubIdentity(context, store)
        let token = try EnrolmentToken.random()
        try store.enroll(device: name, tokenHash: token.hash, expiresMillis: Store.systemMillis() + lifetime, replacing: arguments.flag("replace"))
        let code = EnrolmentCode(device: name, address: address, hubFingerprint: identity.fingerprint, token: token)
        context.info("fieldnotes: enrolled '\(name)'; the code works once, until \(ISO8601.format(millis: Store.systemMillis() + lifetime)); on that device run: fieldnotes join CODE")
        context.out(code.text)
    }

    /// "30m", "12h", "7d" as milliseconds; nil if not one, or over a year.
    static func parseDuration(_ text: String) -> UInt64? {
        guard let unit = text.last, let count = UInt64(text.dropLast()), count > 0, count <= 525_600 else { return nil }
        let unitMillis: UInt64
        switch unit {
        case "m": unitMillis = 60_000
        case "h": unitMillis = 3_600_000
        case "d": unitMillis = 86_400_000
        default: return nil
        }
        let millis = count * unitMillis
        return millis <= 365 * 86_400_000 ? millis : nil
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
                    ("status", .string(Self.status(device))),
                ])
            }).pretty())
            return
        }
        var table = Table("NAME", "REPLICA", "ENROLLED", "LAST SEEN", "OPS IN", "STATUS")
        for device in devices {
            let earlier = max(0, (replicas[device.name]?.count ?? 0) - 1)
            table.add(device.name, (device.replica.map { String($0.hex.prefix(8)) } ?? "-") + (earlier > 0 ? " (+\(earlier) earlier)" : ""),
                      ISO8601.format(millis: device.enrolledMillis).replacingT, time(device.lastSeenMillis)?.replacingT ?? "never",
                      String(device.operationsReceived), Self.status(device))
        }
        context.out(table.render())
    }
}

extension HubDevicesCommand {
    /// A device's state in words: what, if anything, it is waiting for.
    static func status(_ device: DeviceEntry) -> String {
        if device.isRevoked { return "revoked" }
        if device.isPending { return "code not used yet" }
        if device.needsNewCode { return "needs a new code" }
        if device.keyFingerprint == nil { return "code used up or expired" }
        return "active"
    }
}

struct HubRevokeCommand: Command {
    static let spec = CommandSpec(
        name: "hub revoke", abstract: "Lock a device out at once, closing its open session",
        arguments: [("DEVICE-NAME", "the enrolled device's name", true)])

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let name = arguments.positional(0) ?? ""
        try context.openStore().revoke(device: name)
        context.confirm("revoked \(TerminalText.escaped(name))")
    }
}

struct JoinCommand: Command {
    static let spec = CommandSpec(
        name: "join", abstract: "Enrol this store with a hub, using the code 'fieldnotes hub enroll' printed",
        arguments: [("CODE", "fieldnotes://DEVICE@HOST:PORT/HUB-FINGERPRINT#TOKEN", true)],
        options: [
            .option("token", "TOKEN", "the one-time token, when the code came without it (read over the phone)"),
            .option("timeout", "SECONDS", "give up on a silent hub after this long (default 30)"),
            .flag("move", "this laptop has joined another hub and moves to this one: the notes written on it will go to the new hub"),
        ],
        discussion: """
            Connects to the hub once: checks it is the hub the code names (by its key's fingerprint), and
            presents this laptop's own key, made now in STORE.key beside the store (readable by you only;
            back it up with the store). The hub records the key and the token stops working. Then run
            'fieldnotes sync'. A store that joined under sync protocol version 1 joins again with a new
            code and keeps its notes and identity. A store that has joined another hub (another key) is
            refused unless --move is given: a code pasted by mistake would send this laptop's notes to that
            hub. A laptop sends only what was written on it: colleagues' notes reach a new hub from their laptops.
            """)

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let code: EnrolmentCode
        switch EnrolmentCode.parse(arguments.positional(0) ?? "") {
        case .success(let parsed): code = parsed
        case .failure(let error):
            throw UsageError(message: "that is not an enrolment code: \(error) (fieldnotes://DEVICE@HOST:PORT/HUB-FINGERPRINT#TOKEN)", command: spec.name)
        }
        var token = code.token
        if let text = arguments.value("token") {
            switch EnrolmentToken.parse(text) {
            case .success(let parsed): token = parsed
            case .failure(let error): throw UsageError(message: "--token: \(error); check it against the code", command: spec.name)
            }
        }
        guard let token else {
            throw UsageError(message: "the code has no token after '#'; give it with --token TOKEN", command: spec.name)
        }
        let timeout = Double(try arguments.integer("timeout", range: 1...3600) ?? 30)
        let store = try context.openStore()
        if let joined = try store.hubLink(), joined.hubFingerprint != code.hubFingerprint, !arguments.flag("move") {
            throw CommandFailure(message: "this laptop has joined another hub, at \(TerminalText.escaped(joined.address)) as '\(TerminalText.escaped(joined.device))', "
                                 + "and the code is for the hub at \(TerminalText.escaped(code.address.description)) (another key); joining it would send the notes "
                                 + "written on this laptop there. Check the code with the hub's administrator; to move this laptop to that hub, run join again with --move")
        }
        let identity = try KeyFile.loadOrCreate(forStore: context.storePath, commonName: "fieldnotes device")
        let link = HubLink(address: code.address.description, device: code.device, hubFingerprint: code.hubFingerprint)
        signal(SIGPIPE, SIG_IGN)
        do {
            try DeviceSync(store: store, link: link, identity: identity, timeout: timeout).enrol(token: token)
        } catch let error as SocketError {
            throw CommandFailure(message: "cannot reach the hub at \(code.address) (\(error.message)); nothing changed: join again when online")
        } catch let error as SyncError {
            throw CommandFailure(message: "the hub at \(code.address) did not enrol this laptop: \(error.message)")
        }
        try store.setHubLink(link)
        context.confirm("joined the hub at \(TerminalText.escaped("\(code.address)")) as '\(TerminalText.escaped(code.device))'; run 'fieldnotes sync' when online")
    }
}

struct SyncCommand: Command {
    static let spec = CommandSpec(
        name: "sync", abstract: "Send what the hub lacks and fetch what the team wrote",
        options: [.option("timeout", "SECONDS", "give up on a silent hub after this long (default 30)")],
        discussion: "Safe to interrupt and re-run: each batch is committed and acknowledged, and a re-run resumes.\n"
            + "A second sync of the same store (a scheduled one beside yours) waits for the first to finish.")

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let timeout = Double(try arguments.integer("timeout", range: 1...3600) ?? 30)
        let store = try context.openStore()
        guard let link = try store.hubLink() else {
            if try store.joinedUnderVersion1() {
                throw CommandFailure(message: "this laptop joined its hub under sync protocol version 1, which this fieldnotes no longer speaks; "
                                     + "ask the hub's administrator for a new code ('fieldnotes hub enroll NAME') and run 'fieldnotes join CODE': your notes and this store's identity are kept")
            }
            throw CommandFailure(message: "this store has not joined a hub; run 'fieldnotes join CODE' with the code from 'fieldnotes hub enroll'")
        }
        let identity = try KeyFile.load(forStore: context.storePath)
        let lock: SyncLock
        var waited = false
        do {
            lock = try SyncLock.take(forStore: context.storePath) {
                waited = true
                context.info("fieldnotes: waiting for another sync of this store to finish")
            }
        } catch let error as SyncError {
            throw CommandFailure(message: error.message)
        }
        defer { withExtendedLifetime(lock) {} }
        signal(SIGPIPE, SIG_IGN)
        let report: SyncReport
        let progress = ProgressLine(context)
        defer { progress.finish() }
        do {
            var attempt = 0
            while true {
                do {
                    report = try DeviceSync(store: store, link: link, identity: identity, timeout: timeout).run { done in
                        progress.update("syncing with \(link.address): \(done.sent) operations sent, \(done.received) received")
                    }
                    break
                } catch let error as SyncError where error.code == .busy && waited && attempt < 10 {
                    // The sync this one waited for was stopped (killed, a closed lid): the hub may not have
                    // seen its session end yet, and calls this device busy until it does.
                    attempt += 1
                    Syscall.sleep(milliseconds: 500)
                }
            }
            progress.finish()
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
        context.confirm("synced with \(link.address): sent \(report.sent) operations, received \(report.received); \(report.bytesOut) bytes out, \(report.bytesIn) bytes in; \(report.milliseconds) ms")
        if report.received > 0 { try finishErasures(store, link: link, identity: identity, timeout: timeout, context) }
        if let (record, reason) = report.unsendable.first {
            let id = record.hex.prefix(8)
            throw CommandFailure(message: "record \(id) holds a value too large to sync (\(reason)); it and the changes made after it are safe in this store but stay here. Shorten it (for a note, 'fieldnotes edit \(id) --body-file SHORTER.txt') and run 'fieldnotes sync' again")
        }
    }

    /// Passages and memos this store holds about notes erased on another
    /// device (written here, or elsewhere, before the erase arrived) are
    /// erased too, and the erasure sent at once, so their words leave the
    /// hub and the team's stores as the note's did.
    static func finishErasures(_ store: Store, link: HubLink, identity: Identity, timeout: Double, _ context: Context) throws {
        let erasures = try Governance.strandedErasures(in: store)
        guard !erasures.isEmpty else { return }
        _ = try store.commit(erasures)
        context.info("fieldnotes: erased \(erasures.count) \(erasures.count == 1 ? "passage or memo" : "passages and memos") written about notes erased on another device")
        do {
            _ = try DeviceSync(store: store, link: link, identity: identity, timeout: timeout).run { _ in }
        } catch {
            context.err("fieldnotes: warning: the erasure of those passages and memos could not be sent yet (\(error)); it goes with the next sync")
        }
    }
}
