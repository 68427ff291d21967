import SQLite

/// Catching up: a sync that brings a store more operations than it holds
/// (a first sync to a new hub, a laptop restored or set up afresh pulling
/// the team's notes) applies them without the value indexes and builds those
/// once at the end.
///
/// `heads_shown` and `members_element` serve only queries by value (`list
/// --area`, `--tag`, a set's elements); no apply reads them. Kept up to date
/// batch by batch, they were a third of the pages a catch-up writes: every
/// batch adds a few entries to the end of each of some forty small groups
/// (an area, a kind, a consent state), dirtying a page in each. Built once
/// from the finished table, each page is written once.
///
/// While the indexes are away, every read still answers the same (SQLite
/// reads the tables instead), only a query by value is slower. The meta key
/// `indexes_deferred`, written in the transaction that drops them, says
/// they are to be built again: by `finishCatchUp()` at the end of the sync
/// or, if that sync was cut off, at the start of the next one or of the hub.
extension Store {
    /// Whether `coming` operations for a store holding `held` are a
    /// catch-up: at least 5,000, and at least as many as the store holds
    /// already (building the indexes reads every row of their tables).
    public static func isCatchUp(coming: UInt64, held: UInt64) -> Bool {
        coming >= 5_000 && coming >= held
    }

    /// The value indexes, as the schema's latest migration makes them:
    /// what a catch-up drops and builds again (a test holds the two equal).
    static let valueIndexes = [
        "CREATE INDEX IF NOT EXISTS heads_shown ON heads(field, value, wins) WHERE wins = 1 AND field NOT IN ('title', 'body', 'occurred_at')",
        "CREATE INDEX IF NOT EXISTS members_element ON members(name, element)",
    ]

    /// Drops the value indexes for a catch-up (`isCatchUp`), noting in the
    /// same transaction that they are to be built again: the caller calls
    /// `finishCatchUp()` once the operations are applied.
    public func deferValueIndexes() throws {
        try guarded {
            try database.transaction {
                try database.execute("DROP INDEX IF EXISTS heads_shown; DROP INDEX IF EXISTS members_element;")
                try setMeta("indexes_deferred", .integer(1))
            }
        }
    }

    /// Builds the value indexes again if a catch-up left them out, and says
    /// whether it had to. Cheap when there is nothing to do: one read of `meta`.
    @discardableResult
    public func finishCatchUp() throws -> Bool {
        try guarded {
            guard try meta("indexes_deferred") != nil else { return false }
            try database.transaction {
                for index in Store.valueIndexes { try database.execute(index) }
                try statement("DELETE FROM meta WHERE key = 'indexes_deferred'").run()
            }
            return true
        }
    }

    /// Whether a catch-up left the value indexes out (and they are not built yet).
    public var indexesDeferred: Bool {
        get throws { try guarded { try meta("indexes_deferred") != nil } }
    }
}
