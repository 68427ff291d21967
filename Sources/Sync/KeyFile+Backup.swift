import Glibc
import Store

extension KeyFile {
    /// Copies the key file beside the store `storePath` to the one beside
    /// the backup `backupPath` (`BACKUP.key`, mode 0600), so a restore brings
    /// back the store's identity with it. False if the store has no key file.
    public static func backUp(forStore storePath: String, toBackup backupPath: String) throws -> Bool {
        let source = path(forStore: storePath)
        guard access(source, F_OK) == 0 else { return false }
        guard let bytes = readWhole(source) else { throw SyncError("cannot read the key file \(source) (\(String(cString: strerror(errno))))") }
        try OwnerOnlyFile.write(bytes, to: path(forStore: backupPath), replacing: true)
        return true
    }

    /// Puts the key file saved beside the backup `backupPath` beside the
    /// store `storePath`, if the store has none. A key file already there is
    /// kept: it is the key the hub (or the devices) know now. True if copied.
    public static func restore(fromBackup backupPath: String, forStore storePath: String) throws -> Bool {
        let saved = path(forStore: backupPath)
        guard access(path(forStore: storePath), F_OK) != 0, access(saved, F_OK) == 0 else { return false }
        guard let bytes = readWhole(saved) else { throw SyncError("cannot read the key file \(saved) (\(String(cString: strerror(errno))))") }
        try OwnerOnlyFile.write(bytes, to: path(forStore: storePath), replacing: false)
        return true
    }

    private static func readWhole(_ path: String) -> [UInt8]? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            bytes += buffer[0..<count]
            if count < buffer.count { return ferror(file) != 0 ? nil : bytes }
        }
    }
}
