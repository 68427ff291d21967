import CSQLite

extension Database {
    /// Copies every page of this connection's main database into
    /// `destination`'s main database with SQLite's online backup API
    /// (`sqlite3_backup_init`, `sqlite3_backup_step`, `sqlite3_backup_finish`).
    ///
    /// One step of -1 copies the whole file inside one read transaction on
    /// this connection, so the copy is the database as of one commit. In WAL
    /// mode that read transaction blocks no writer: a hub keeps committing
    /// batches while it runs. (Copying in smaller steps would let another
    /// connection's commit restart the copy, which on a busy hub may never end.)
    /// The destination is locked for writing throughout; a destination in WAL
    /// mode stays in WAL mode, and its old `-wal` content is superseded
    /// correctly, so a live store may be the destination.
    ///
    /// "If the destination database is in WAL mode and the page sizes differ,
    /// SQLITE_READONLY is returned": both must be fieldnotes stores.
    public func backup(into destination: Database) throws {
        guard let backup = sqlite3_backup_init(destination.handle, "main", handle, "main") else {
            // "If an error occurs within sqlite3_backup_init(D,N,S,M), then NULL is
            // returned and an error code and error message are stored in the
            // destination database connection D."
            throw destination.error(sqlite3_errcode(destination.handle), sql: "backup")
        }
        var result: Int32
        var waits = 0
        repeat {
            result = sqlite3_backup_step(backup, -1)
            // BUSY or LOCKED: another connection holds a lock the copy needs; wait
            // briefly and try again, for up to a minute.
            if result == SQLITE_BUSY || result == SQLITE_LOCKED {
                waits += 1
                if waits > 3000 { break }
                sqlite3_sleep(20)
            }
        } while result == SQLITE_OK || result == SQLITE_BUSY || result == SQLITE_LOCKED
        // "sqlite3_backup_finish() returns SQLITE_OK if no sqlite3_backup_step()
        // errors occurred", else the error code of the failed step.
        let finished = sqlite3_backup_finish(backup)
        guard result == SQLITE_DONE, finished == SQLITE_OK else {
            throw destination.error(finished == SQLITE_OK ? result : finished, sql: "backup")
        }
    }

    /// `PRAGMA integrity_check`: nil when the database is sound, else the
    /// first problems SQLite found, one per line.
    public func integrityProblems() throws -> String? {
        let lines = try query("PRAGMA integrity_check") { $0.text(0) }
        return lines == ["ok"] ? nil : lines.prefix(10).joined(separator: "\n")
    }
}
