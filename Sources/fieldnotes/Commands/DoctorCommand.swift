import Formats
import Glibc
import Store
import Sync
import SystemCalls
import Wire

/// One line of `doctor` or `hub status`: a check, its verdict, and what to do.
struct HealthCheck {
    enum Status: String { case ok = "OK", warn = "WARN", fail = "FAIL" }
    let name: String
    let status: Status
    let message: String

    static func ok(_ name: String, _ message: String) -> HealthCheck { HealthCheck(name: name, status: .ok, message: message) }
    static func warn(_ name: String, _ message: String) -> HealthCheck { HealthCheck(name: name, status: .warn, message: message) }
    static func fail(_ name: String, _ message: String) -> HealthCheck { HealthCheck(name: name, status: .fail, message: message) }

    /// Prints the checks (a line each, or JSON) and fails with status 1 if
    /// any needs action (WARN or FAIL).
    static func report(_ checks: [HealthCheck], _ arguments: ParsedArguments, _ context: Context) throws {
        if try arguments.json {
            context.out(JSON.array(checks.map { check in
                .object([("check", .string(check.name)), ("status", .string(check.status.rawValue)), ("message", .string(check.message))])
            }).pretty())
        } else {
            for check in checks {
                context.out(TerminalText.escaped("\(check.status.rawValue.padding(4))  \(check.name.padding(12))  \(check.message)"))
            }
        }
        let needing = checks.filter { $0.status != .ok }.count
        if needing > 0 { throw CommandFailure(message: "\(needing) \(needing == 1 ? "check needs" : "checks need") action (see above)") }
    }

    // MARK: Checks shared by `doctor` and `hub status`

    /// The store, its `-wal`/`-shm`, its directory and its key file readable by the owner only.
    static func permissions(storePath: String) -> HealthCheck {
        let loose = Store.looseFileModes(at: storePath, includingDirectory: true)
            + Store.looseFileModes(at: KeyFile.path(forStore: storePath), includingDirectory: false)
        guard let first = loose.first else { return .ok("permissions", "the store, its directory and its key file are private to you") }
        let fixes = loose.map { "chmod \(String($0.ownerOnlyMode, radix: 8)) '\($0.path)'" }.joined(separator: "; ")
        return .fail("permissions", "\(first.path) is mode \(String(first.mode, radix: 8)) (others may read it)\(loose.count > 1 ? " and \(loose.count - 1) more" : ""): run \(fixes)")
    }

    static func encryption(storePath: String) -> HealthCheck {
        switch StorageVolume.encryption(at: storePath) {
        case .dmCrypt(let device): return .ok("encryption", "the store is on an encrypted (dm-crypt/LUKS) volume: \(device)")
        case .ecryptfs: return .ok("encryption", "the store is on an encrypted (eCryptfs) directory")
        case .notFound(let device):
            return .warn("encryption", "the store is on \(device), with no dm-crypt/LUKS encryption beneath it: move it to an encrypted disk, "
                         + "or ask IT to confirm the disk encrypts itself (policy requires encrypted laptops)")
        case .unknown(let why):
            return .warn("encryption", "cannot tell whether the store's disk is encrypted (\(why)): run 'lsblk -o NAME,TYPE,MOUNTPOINTS' "
                         + "and look for type 'crypt' above the disk holding the store, or ask IT")
        }
    }

    static func disk(storePath: String) -> HealthCheck {
        let directory = storePath.contains("/") ? String(storePath[..<(storePath.lastIndex(of: "/") ?? storePath.endIndex)]) : "."
        guard let volume = StorageVolume.space(at: directory.isEmpty ? "/" : directory) else {
            return .warn("disk", "cannot read the free space where the store is (\(Errno.current)): run 'df -h'")
        }
        let free = bytes(volume.availableBytes)
        if volume.availableBytes < 100 << 20 { return .fail("disk", "only \(free) free where the store is: free some space now, or writes will fail") }
        if volume.availableBytes < 1 << 30 { return .warn("disk", "only \(free) free where the store is: free some space soon") }
        return .ok("disk", "\(free) free where the store is")
    }

    static func schema(_ store: Store) throws -> HealthCheck {
        let (version, known) = try store.schemaVersion()
        return version == known ? .ok("schema", "schema version \(version), current for this fieldnotes")
            : .warn("schema", "schema version \(version), this fieldnotes knows \(known): upgrade fieldnotes")
    }

    static func bytes(_ count: UInt64) -> String {
        if count >= 1 << 30 { return "\(count >> 30) GiB" }
        if count >= 1 << 20 { return "\(count >> 20) MiB" }
        return "\(count >> 10) KiB"
    }

    static func days(since millis: UInt64, now: UInt64) -> Int { Int((now > millis ? now - millis : 0) / 86_400_000) }
}

private extension String {
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}

struct DoctorCommand: Command {
    static let spec = CommandSpec(
        name: "doctor", abstract: "Check this laptop's setup and say what to do",
        options: [formatOption],
        discussion: """
            One line per check: OK, WARN or FAIL, then what to do. Checks the store's and key file's
            permissions, that the store is on an encrypted disk, free space, the schema, the clock
            at the last sync, whether the hub answers now, and how long unsynced changes have waited.
            Exits 1 if any check says WARN or FAIL, 0 if all are OK.
            """)

    /// Unsynced changes older than this get a WARN.
    static let unsyncedWarnMillis: UInt64 = 3 * 86_400_000

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        _ = try arguments.json
        var checks: [HealthCheck] = []
        let store: Store
        do {
            store = try context.openStore()
            checks.append(.ok("store", "\(context.storePath) opens"))
        } catch let error as StoreError {
            checks.append(.fail("store", "\(error.message): \(error.hint)"))
            try HealthCheck.report(checks, arguments, context)
            return
        }
        checks.append(HealthCheck.permissions(storePath: context.storePath))
        checks.append(HealthCheck.encryption(storePath: context.storePath))
        checks.append(HealthCheck.disk(storePath: context.storePath))
        checks.append(try HealthCheck.schema(store))
        let now = Store.systemMillis()
        if let link = try store.hubLink() {
            if let skew = try store.lastClockSkewMillis() {
                let minutes = abs(skew) / 60_000
                checks.append(abs(skew) > Int64(WireLimits.clockSkewWarningMillis)
                    ? .warn("clock", "this laptop's clock was \(minutes) minutes \(skew > 0 ? "behind" : "ahead of") the hub's at the last sync: set the clock (Settings > Date & Time, automatic)")
                    : .ok("clock", "the clock agreed with the hub's at the last sync (within \(max(1, minutes)) minute\(minutes > 1 ? "s" : ""))"))
            } else {
                checks.append(.ok("clock", "clock skew not recorded yet; it is recorded at each sync"))
            }
            checks.append(reachability(link))
            let unsynced = try store.unsyncedChanges()
            if let oldest = unsynced.oldestMillis, unsynced.changes > 0 {
                let days = HealthCheck.days(since: oldest, now: now)
                let text = "\(unsynced.records) \(unsynced.records == 1 ? "record" : "records") (\(unsynced.changes) changes) not synced for \(days == 0 ? "under a day" : "\(days) day\(days == 1 ? "" : "s")")"
                checks.append(now > oldest && now - oldest >= unsyncedWarnMillis
                    ? .warn("unsynced", text + ": run 'fieldnotes sync' when online")
                    : .ok("unsynced", text + "; they go at the next 'fieldnotes sync'"))
            } else {
                let last = try store.lastSyncMillis().map { " (last sync \(ISO8601.format(millis: $0)))" } ?? ""
                checks.append(.ok("unsynced", "every change has reached the hub\(last)"))
            }
        } else {
            checks.append(.ok("hub", "not joined to a hub: notes stay on this laptop; back them up with 'fieldnotes backup FILE'"))
        }
        try HealthCheck.report(checks, arguments, context)
    }

    /// A TCP connection to the hub, given up after 3 seconds; nothing is sent.
    static func reachability(_ link: HubLink) -> HealthCheck {
        guard let endpoint = Endpoint(link.address) else {
            return .fail("hub", "the hub address '\(link.address)' is not HOST:PORT: run 'fieldnotes join CODE' again")
        }
        do {
            let connection = try Connection.connect(to: endpoint, timeout: 3)
            connection.close()
            return .ok("hub", "the hub at \(link.address) answers")
        } catch let error as SocketError {
            return .warn("hub", "cannot reach the hub at \(link.address) now (\(error.message)): check the network or VPN; notes wait safely here")
        } catch {
            return .warn("hub", "cannot reach the hub at \(link.address) now (\(error)): check the network or VPN")
        }
    }
}

struct HubStatusCommand: Command {
    static let spec = CommandSpec(
        name: "hub status", abstract: "Check the hub: sessions now, quiet devices, codes, disk, last backup",
        options: [formatOption, .option("stale-days", "N", "warn about devices not seen for N days (default 14)")],
        discussion: """
            One line per check: OK, WARN or FAIL, then what to do. Run it on the hub's machine, with
            the hub's store; it reads what a serving hub records beside the store (STORE.hub).
            Exits 1 if any check says WARN or FAIL, 0 if all are OK.
            """)

    /// A backup older than this gets a WARN.
    static let backupWarnMillis: UInt64 = 7 * 86_400_000

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        _ = try arguments.json
        let staleDays = try arguments.integer("stale-days", range: 1...3650) ?? 14
        let store = try context.openStore()
        let now = Store.systemMillis()
        var checks: [HealthCheck] = []
        if let serving = HubStatusFile.serving(forStore: context.storePath) {
            checks.append(.ok("hub", "serving (process \(serving.pid), since \(ISO8601.format(millis: serving.startedMillis))): \(serving.sessions) device session\(serving.sessions == 1 ? "" : "s") open now"))
        } else {
            checks.append(.warn("hub", "no hub is serving this store: start it with 'fieldnotes --store \(context.storePath) hub serve --listen HOST:PORT'"))
        }
        let devices = try store.devices()
        let active = devices.filter { !$0.isRevoked && $0.keyFingerprint != nil }
        let stale = active.filter { now > ($0.lastSeenMillis ?? $0.enrolledMillis) && now - ($0.lastSeenMillis ?? $0.enrolledMillis) >= UInt64(staleDays) * 86_400_000 }
        if stale.isEmpty {
            checks.append(.ok("devices", "\(active.count) active device\(active.count == 1 ? "" : "s"), each seen within \(staleDays) days"))
        } else {
            let names = stale.map { device in
                device.lastSeenMillis.map { "\(device.name) (\(HealthCheck.days(since: $0, now: now)) days)" } ?? "\(device.name) (never synced)"
            }
            checks.append(.warn("devices", "\(stale.count) of \(active.count) devices not seen for \(staleDays)+ days: \(names.joined(separator: ", ")); "
                                + "ask them to sync, or 'fieldnotes hub revoke NAME' a lost laptop"))
        }
        let pending = devices.filter(\.isPending)
        let expired = pending.filter { ($0.tokenExpiresMillis ?? UInt64.max) <= now }
        if !expired.isEmpty {
            checks.append(.warn("codes", "\(expired.count) enrolment code\(expired.count == 1 ? "" : "s") expired unused: \(expired.map(\.name).joined(separator: ", ")); "
                                + "issue new ones with 'fieldnotes hub enroll NAME --replace'"))
        } else {
            checks.append(.ok("codes", pending.isEmpty ? "no enrolment codes waiting" : "\(pending.count) enrolment code\(pending.count == 1 ? "" : "s") not used yet: \(pending.map(\.name).joined(separator: ", "))"))
        }
        checks.append(HealthCheck.disk(storePath: context.storePath))
        checks.append(HealthCheck.permissions(storePath: context.storePath))
        if let last = try store.lastBackupMillis() {
            let days = HealthCheck.days(since: last, now: now)
            checks.append(now > last && now - last >= backupWarnMillis
                ? .warn("backup", "last backup \(ISO8601.format(millis: last)), \(days) days ago: run 'fieldnotes hub backup FILE' (safe while the hub serves)")
                : .ok("backup", "last backup \(ISO8601.format(millis: last))"))
        } else {
            checks.append(.warn("backup", "never backed up: run 'fieldnotes hub backup FILE' (safe while the hub serves), daily from cron"))
        }
        checks.append(try HealthCheck.schema(store))
        try HealthCheck.report(checks, arguments, context)
    }
}
