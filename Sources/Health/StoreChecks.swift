import Store
import Sync

/// The checks `doctor` and `hub status` both make of a store's files.
enum StoreChecks {
    /// Free space below this fails; below `warnBytes` warns.
    static let failBytes: UInt64 = 100 << 20
    static let warnBytes: UInt64 = 1 << 30

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
        let volume: StorageVolume
        do {
            volume = try StorageVolume.space(at: directory.isEmpty ? "/" : directory)
        } catch {
            return .warn("disk", "cannot read the free space where the store is (\(error)): run 'df -h'")
        }
        let free = HealthCheck.bytes(volume.availableBytes)
        if volume.availableBytes < failBytes { return .fail("disk", "only \(free) free where the store is: free some space now, or writes will fail") }
        if volume.availableBytes < warnBytes { return .warn("disk", "only \(free) free where the store is: free some space soon") }
        return .ok("disk", "\(free) free where the store is")
    }

    static func schema(_ store: Store) throws -> HealthCheck {
        let (version, known) = try store.schemaVersion()
        guard version == known else {
            return .warn("schema", "schema version \(version), this fieldnotes knows \(known): upgrade fieldnotes")
        }
        // Said, not warned: every answer is right meanwhile, and nothing needs doing.
        let catchingUp = try store.indexesDeferred
            ? "; a sync catching up has left out the indexes of queries by value (list --area, --tag are slower until the sync, or the next one, or a starting hub builds them)" : ""
        return .ok("schema", "schema version \(version), current for this fieldnotes" + catchingUp)
    }
}
