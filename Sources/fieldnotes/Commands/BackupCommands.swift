import Glibc
import Store
import Sync

/// The restore window: for this long after `hub restore`, `hub serve` takes
/// back from devices the hub's own changes that the backup lacked.
let restoredHubWindowMillis: UInt64 = 30 * 86_400_000

struct BackupCommand: Command {
    static let spec = CommandSpec(
        name: "backup", abstract: "Copy this store, and its key file, to FILE (safe while it is in use)",
        arguments: [("FILE", "where to write the backup (refused if it exists, unless --force)", true)],
        options: [.flag("force", "replace FILE if it exists")],
        discussion: """
            Writes a consistent copy of the store (mode 0600) and, beside it, FILE.key, the key this
            laptop syncs with. Keep both somewhere as safe as the laptop: they hold the notes.
            FILE is never one of the store's own files (the store, its -wal, -shm, -journal or key file).
            To restore: 'fieldnotes restore-backup FILE'.
            """)

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        try backUp(arguments, context, what: "store")
    }

    /// Shared by `backup` and `hub backup`.
    static func backUp(_ arguments: ParsedArguments, _ context: Context, what: String) throws {
        guard let file = arguments.positional(0), !file.isEmpty else { throw UsageError(message: "'\(arguments.spec.name)' needs FILE", command: arguments.spec.name) }
        let store = try context.openStore()
        let report = try store.backup(to: file, replacing: arguments.flag("force"))
        let key = try KeyFile.backUp(forStore: context.storePath, toBackup: file)
        context.confirm("backed up the \(what) \(context.storePath) to \(report.path) (\(report.bytes) bytes)"
                    + (key ? " and its key to \(KeyFile.path(forStore: file))" : "; it has no key file"))
    }
}

struct RestoreBackupCommand: Command {
    static let spec = CommandSpec(
        name: "restore-backup", abstract: "Put a backup from 'fieldnotes backup' in place of this store",
        arguments: [("FILE", "the backup", true)],
        options: [.flag("force", "replace the store if one exists (its changes not yet synced are lost)")],
        discussion: """
            Checks the backup, then makes the store from it (and its key file from FILE.key if the store
            has none). Then run 'fieldnotes sync': the hub sends back what this laptop synced after the
            backup, and anything written both here and there under the same ids is kept as well.
            """)

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        guard let file = arguments.positional(0), !file.isEmpty else { throw UsageError(message: "'restore-backup' needs FILE", command: spec.name) }
        if let what = Store.ownFile(file, ofStore: context.storePath) {
            throw CommandFailure(message: "\(file) is \(what), not a backup of it; name the file 'fieldnotes backup' wrote; nothing was changed")
        }
        // The backup first: a bad one is named before anyone is asked to --force.
        let backup = try Store.checkBackup(file)
        if backup.isHub {
            throw CommandFailure(message: "\(file) is a backup of a hub's store (it has enrolled devices); restore it on the hub with "
                                 + "'fieldnotes hub restore \(file)'; nothing was changed")
        }
        if access(context.storePath, F_OK) == 0, !arguments.flag("force") {
            var lost = ""
            if let existing = try? context.openStore() {
                if let replica = backup.replica, replica != existing.replica {
                    lost += " (the backup is of another store: replica \(replica.hex.prefix(8)), this store is \(existing.replica.hex.prefix(8)))"
                }
                if (try? existing.hubLink()) != nil {
                    let unsynced = (try? existing.unacknowledged()) ?? 0
                    if unsynced > 0 { lost += " (\(unsynced) of its changes have not reached the hub and would be lost: run 'fieldnotes sync' first)" }
                } else if let vector = try? existing.versionVector() {
                    // No hub holds them: every change the backup lacks is lost.
                    let missing = backup.lacks(vector)
                    if missing > 0 { lost += " (\(missing) of its changes are not in the backup, and no hub holds them: they would be lost)" }
                }
            }
            throw CommandFailure(message: "the store \(context.storePath) exists and restoring would replace it\(lost); add --force to replace it")
        }
        let store = try Store.restore(from: file, to: context.storePath, takingFreshReplica: false)
        let key = try KeyFile.restore(fromBackup: file, forStore: context.storePath)
        let joined = try store.hubLink() != nil
        context.confirm("restored \(context.storePath) from \(file)" + (key ? " with its key file" : "")
                    + (joined ? "; run 'fieldnotes sync' to fetch what the hub holds since the backup" : ""))
    }
}

struct HubBackupCommand: Command {
    static let spec = CommandSpec(
        name: "hub backup", abstract: "Copy the hub's store, and its key file, to FILE while the hub serves",
        arguments: [("FILE", "where to write the backup (refused if it exists, unless --force)", true)],
        options: [.flag("force", "replace FILE if it exists")],
        discussion: """
            Safe while 'hub serve' runs: the copy is the store as of one moment, taken without stopping
            the hub. Writes FILE (mode 0600) and FILE.key, the hub's key pair (without it every device
            needs a new code). FILE is never one of the store's own files, even with --force.
            'hub status' shows when the last backup was taken.
            To restore: stop the hub, run 'fieldnotes hub restore FILE', start the hub.
            """)

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        try BackupCommand.backUp(arguments, context, what: "hub store")
    }
}

struct HubRestoreCommand: Command {
    static let spec = CommandSpec(
        name: "hub restore", abstract: "Put a backup from 'hub backup' in place of the hub's store (hub stopped)",
        arguments: [("FILE", "the backup", true)],
        discussion: """
            Refused while a hub serves the store. Checks the backup, replaces the store with it (and puts
            back the key file from FILE.key if the store has none). For 30 days after, 'hub serve' takes
            back from each device the changes the backup lacked (as 'hub serve --restored' does), and
            devices re-send their own notes the hub lost, so nothing is lost.
            """)

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        guard let file = arguments.positional(0), !file.isEmpty else { throw UsageError(message: "'hub restore' needs FILE", command: spec.name) }
        let lock: HubStatusFile?
        do {
            lock = try HubStatusFile.lock(forStore: context.storePath)
        } catch let error as SyncError {
            throw CommandFailure(message: error.message)
        }
        guard let lock else {
            throw CommandFailure(message: "a hub is serving \(context.storePath); stop it (Ctrl-C or SIGTERM) and run 'hub restore' again; nothing was changed")
        }
        defer { withExtendedLifetime(lock) {} }
        _ = try Store.restore(from: file, to: context.storePath, takingFreshReplica: true)
        let key = try KeyFile.restore(fromBackup: file, forStore: context.storePath)
        context.confirm("restored the hub store \(context.storePath) from \(file)" + (key ? " with its key file" : "")
                    + "; start the hub with 'fieldnotes hub serve': devices send back what the backup lacked as they sync")
    }
}
