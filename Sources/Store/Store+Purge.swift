import SQLite

/// The last step of an erase: wiping the erased text from the files.
///
/// The erase transaction zeroes the text in the pages it writes
/// (`secure_delete`), but those pages sit in the write-ahead log, and the
/// main database file keeps the old pages until a checkpoint copies the new
/// ones over them. A TRUNCATE checkpoint does that and empties the WAL; it
/// has to wait for every reader, since "the checkpoint cannot copy frames
/// past the snapshot of any active reader". A program holding a read
/// transaction open can therefore delay it indefinitely, so the erase is
/// committed whatever happens, and `purge_pending` in `meta` (set in the
/// erase's own transaction, so a crash cannot lose it) says the files still
/// hold the old text until a checkpoint succeeds. `Store.open` finishes a
/// pending purge before anything else.
extension Store {
    static let purgePendingKey = "purge_pending"

    /// How long an erase waits for other programs to stop reading (or
    /// writing) before it leaves the purge of the files to the next opening.
    static let purgeWaitAfterErase: Duration = .seconds(2)

    /// How long opening a store waits to finish a pending purge (a reader may
    /// still be there; every command would pay this wait until it goes).
    static let purgeWaitOnOpen: Duration = .milliseconds(500)

    /// True when an erase committed but its text may still be in the store's
    /// files (the main file or the WAL), because a reader prevented the
    /// checkpoint. The next `Store.open` that finds no reader wipes it.
    public var isPurgePending: Bool {
        get throws { try guarded { try meta(Store.purgePendingKey) != nil } }
    }

    /// Marks, inside the erase's transaction, that the files still hold the
    /// erased text. The value is a fresh generation, so that a purge clears
    /// only the mark it saw before its checkpoint, never one that another
    /// process's erase set after it.
    func markPurgePending() throws {
        try setMeta(Store.purgePendingKey, .integer(Int64(bitPattern: UInt64.random(in: 1 ... UInt64(Int64.max)))))
    }

    /// Copies the WAL into the database file and truncates the WAL, waiting
    /// at most `waiting` for readers, then clears `purge_pending`. Returns
    /// whether the purge is done; never throws, because the erase it finishes
    /// has committed: a failure leaves the purge pending for the next opening.
    @discardableResult
    func finishPurge(waiting: Duration) -> Bool {
        do {
            // Clearing the flag waits no longer than the checkpoint: a writer that
            // slipped in between (a long import) must not hold up a committed erase.
            try database.withLockWaitLimit(waiting) {
                let generation = try meta(Store.purgePendingKey)
                try database.checkpointTruncate()
                if let generation {
                    try database.transaction {
                        try database.run("DELETE FROM meta WHERE key = ? AND value IS ?", [.text(Store.purgePendingKey), generation])
                    }
                }
            }
        } catch {
            return false
        }
        // Empty the WAL again: it now holds only the page of `meta` just written,
        // which has no erased text, so a reader arriving in between is harmless.
        try? database.withLockWaitLimit(.milliseconds(100)) { try database.checkpointTruncate() }
        return true
    }
}
