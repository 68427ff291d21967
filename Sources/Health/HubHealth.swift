import Formats
import Store
import Sync

/// `fieldnotes hub status`: what the hub's administrator needs checked, and what to do.
public enum HubHealth {
    /// A backup older than this gets a WARN.
    static let backupWarnMillis: UInt64 = 7 * 86_400_000
    /// Devices not seen for this many days get a WARN unless the caller says otherwise.
    public static let defaultStaleDays = 14

    /// The checks, in the order printed, for the hub store `store` at `storePath`.
    public static func checks(store: Store, storePath: String, staleDays: Int = defaultStaleDays,
                              now: UInt64 = Store.systemMillis()) throws -> [HealthCheck] {
        var checks: [HealthCheck] = [serving(storePath: storePath)]
        let devices = try store.devices()
        checks.append(quietDevices(devices, staleDays: staleDays, now: now))
        checks.append(codes(devices, now: now))
        checks.append(StoreChecks.disk(storePath: storePath))
        checks.append(StoreChecks.permissions(storePath: storePath))
        checks.append(try backup(store, now: now))
        checks.append(try StoreChecks.schema(store))
        return checks
    }

    static func serving(storePath: String) -> HealthCheck {
        guard let serving = HubStatusFile.serving(forStore: storePath) else {
            return .warn("hub", "no hub is serving this store: start it with 'fieldnotes --store \(storePath) hub serve --listen HOST:PORT'")
        }
        return .ok("hub", "serving (process \(serving.pid), since \(ISO8601.format(millis: serving.startedMillis))): \(HealthCheck.plural(serving.sessions, "device session")) open now")
    }

    static func quietDevices(_ devices: [DeviceEntry], staleDays: Int, now: UInt64) -> HealthCheck {
        let active = devices.filter { !$0.isRevoked && $0.keyFingerprint != nil }
        let stale = active.filter { device in
            let seen = device.lastSeenMillis ?? device.enrolledMillis
            return now > seen && now - seen >= UInt64(staleDays) * 86_400_000
        }
        guard !stale.isEmpty else {
            return .ok("devices", "\(HealthCheck.plural(active.count, "active device")), each seen within \(staleDays) days")
        }
        let names = stale.map { device in
            device.lastSeenMillis.map { "\(device.name) (\(HealthCheck.days(since: $0, now: now)) days)" } ?? "\(device.name) (never synced)"
        }
        return .warn("devices", "\(stale.count) of \(active.count) devices not seen for \(staleDays)+ days: \(names.joined(separator: ", ")); "
                     + "ask them to sync, or 'fieldnotes hub revoke NAME' a lost laptop")
    }

    static func codes(_ devices: [DeviceEntry], now: UInt64) -> HealthCheck {
        let pending = devices.filter(\.isPending)
        let expired = pending.filter { ($0.tokenExpiresMillis ?? UInt64.max) <= now }
        if !expired.isEmpty {
            return .warn("codes", "\(HealthCheck.plural(expired.count, "enrolment code")) expired unused: \(expired.map(\.name).joined(separator: ", ")); "
                         + "issue new ones with 'fieldnotes hub enroll NAME --replace'")
        }
        return .ok("codes", pending.isEmpty ? "no enrolment codes waiting"
                   : "\(HealthCheck.plural(pending.count, "enrolment code")) not used yet: \(pending.map(\.name).joined(separator: ", "))")
    }

    static func backup(_ store: Store, now: UInt64) throws -> HealthCheck {
        guard let last = try store.lastBackupMillis() else {
            return .warn("backup", "never backed up: run 'fieldnotes hub backup FILE' (safe while the hub serves), daily from cron")
        }
        let days = HealthCheck.days(since: last, now: now)
        return now > last && now - last >= backupWarnMillis
            ? .warn("backup", "last backup \(ISO8601.format(millis: last)), \(days) days ago: run 'fieldnotes hub backup FILE' (safe while the hub serves)")
            : .ok("backup", "last backup \(ISO8601.format(millis: last))")
    }
}
