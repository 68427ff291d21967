import Formats
import Store
import Sync
import Wire

/// `fieldnotes doctor`: what a researcher's laptop needs checked, and what to do.
public enum DeviceHealth {
    /// Unsynced changes older than this get a WARN.
    static let unsyncedWarnMillis: UInt64 = 3 * 86_400_000
    /// How long the hub has to answer a TCP connection.
    static let reachTimeoutSeconds: Double = 3

    /// The checks, in the order printed. `open` opens the store at
    /// `storePath`; if it fails, the one FAIL line says why and nothing else is checked.
    public static func checks(storePath: String, open: () throws -> Store, now: UInt64 = Store.systemMillis()) throws -> [HealthCheck] {
        let store: Store
        do {
            store = try open()
        } catch let error as StoreError {
            return [.fail("store", "\(error.message): \(error.hint)")]
        }
        var checks: [HealthCheck] = [.ok("store", "\(storePath) opens")]
        checks.append(StoreChecks.permissions(storePath: storePath))
        checks.append(StoreChecks.encryption(storePath: storePath))
        checks.append(StoreChecks.disk(storePath: storePath))
        checks.append(try StoreChecks.schema(store))
        guard let link = try store.hubLink() else {
            checks.append(.ok("hub", "not joined to a hub: notes stay on this laptop; back them up with 'fieldnotes backup FILE'"))
            return checks
        }
        checks.append(key(storePath: storePath))
        checks.append(try clock(store))
        checks.append(reachability(link))
        checks.append(try unsynced(store, now: now))
        return checks
    }

    /// A joined store syncs with its key (STORE.key): without it, or with
    /// one that does not load, no sync can work, whatever else says OK.
    static func key(storePath: String) -> HealthCheck {
        do {
            _ = try KeyFile.load(forStore: storePath)
            return .ok("key", "\(KeyFile.path(forStore: storePath)) holds this laptop's key")
        } catch let error as SyncError {
            return .fail("key", "\(error.message)")
        } catch {
            return .fail("key", "cannot load \(KeyFile.path(forStore: storePath)) (\(error)): restore it from the backup (FILE.key beside it), "
                         + "or ask for a new code ('fieldnotes hub enroll NAME --replace') and run 'fieldnotes join CODE'")
        }
    }

    static func clock(_ store: Store) throws -> HealthCheck {
        guard let skew = try store.lastClockSkewMillis() else {
            return .ok("clock", "clock skew not recorded yet; it is recorded at each sync")
        }
        let minutes = abs(skew) / 60_000
        return abs(skew) > Int64(WireLimits.clockSkewWarningMillis)
            ? .warn("clock", "this laptop's clock was \(minutes) minutes \(skew > 0 ? "behind" : "ahead of") the hub's at the last sync: set the clock (Settings > Date & Time, automatic)")
            : .ok("clock", "the clock agreed with the hub's at the last sync (within \(max(1, minutes)) minute\(minutes > 1 ? "s" : ""))")
    }

    static func unsynced(_ store: Store, now: UInt64) throws -> HealthCheck {
        let unsynced = try store.unsyncedChanges()
        guard let oldest = unsynced.oldestMillis, unsynced.changes > 0 else {
            let last = try store.lastSyncMillis().map { " (last sync \(ISO8601.format(millis: $0)))" } ?? ""
            return .ok("unsynced", "every change has reached the hub\(last)")
        }
        let days = HealthCheck.days(since: oldest, now: now)
        let text = "\(HealthCheck.plural(unsynced.records, "record")) (\(unsynced.changes) changes) not synced for \(days == 0 ? "under a day" : HealthCheck.plural(days, "day"))"
        return now > oldest && now - oldest >= unsyncedWarnMillis
            ? .warn("unsynced", text + ": run 'fieldnotes sync' when online")
            : .ok("unsynced", text + "; they go at the next 'fieldnotes sync'")
    }

    /// A TCP connection to the hub, given up after 3 seconds; nothing is sent.
    static func reachability(_ link: HubLink) -> HealthCheck {
        guard let endpoint = Endpoint(link.address) else {
            return .fail("hub", "the hub address '\(link.address)' is not HOST:PORT: run 'fieldnotes join CODE' again")
        }
        do {
            let connection = try Connection.connect(to: endpoint, timeout: reachTimeoutSeconds)
            connection.close()
            return .ok("hub", "the hub at \(link.address) answers")
        } catch let error as SocketError {
            return .warn("hub", "cannot reach the hub at \(link.address) now (\(error.message)): check the network or VPN; notes wait safely here")
        } catch {
            return .warn("hub", "cannot reach the hub at \(link.address) now (\(error)): check the network or VPN")
        }
    }
}
