import Glibc
import Store
import SystemCalls

extension KeyFile {
    /// Copies the key file beside the store `storePath` to the one beside
    /// the backup `backupPath` (`BACKUP.key`, mode 0600), so a restore brings
    /// back the store's identity with it. False if the store has no key file.
    public static func backUp(forStore storePath: String, toBackup backupPath: String) throws -> Bool {
        let source = path(forStore: storePath)
        guard access(source, F_OK) == 0 else { return false }
        let bytes: [UInt8]
        do throws(Errno) {
            bytes = try readWhole(source)
        } catch {
            throw SyncError("cannot read the key file \(source) (\(error))")
        }
        try OwnerOnlyFile.write(bytes, to: path(forStore: backupPath), replacing: true)
        return true
    }

    /// Puts the key file saved beside the backup `backupPath` beside the
    /// store `storePath`, if the store has none. A key file already there is
    /// kept: it is the key the hub (or the devices) know now. True if copied.
    public static func restore(fromBackup backupPath: String, forStore storePath: String) throws -> Bool {
        let saved = path(forStore: backupPath)
        guard access(path(forStore: storePath), F_OK) != 0, access(saved, F_OK) == 0 else { return false }
        let bytes: [UInt8]
        do throws(Errno) {
            bytes = try readWhole(saved)
        } catch {
            throw SyncError("cannot read the key file \(saved) (\(error))")
        }
        try OwnerOnlyFile.write(bytes, to: path(forStore: storePath), replacing: false)
        return true
    }

    private static func readWhole(_ path: String) throws(Errno) -> [UInt8] {
        let descriptor = try Syscall.open(path, O_RDONLY | O_CLOEXEC)
        defer { try? Syscall.close(descriptor) }
        return try Syscall.readToEnd(descriptor)
    }
}
