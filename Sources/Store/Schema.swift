import SQLite

/// The store's schema and its forward migrations, versioned by `PRAGMA user_version`.
enum Schema {
    /// `PRAGMA application_id`: "FNTS", marking a file as a fieldnotes store.
    static let applicationID: Int64 = 0x464E_5453

    /// Migration N takes a store from version N-1 to N. Append, never edit.
    /// From version 8 a store may lack its value indexes while it catches
    /// up (`Store+CatchUp.swift`): a migration drops them `IF EXISTS`, and
    /// one that changes them changes `Store.valueIndexes` too.
    static let migrations: [String] = [
        // 1: the operation log, the materialised state and the text index.
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
        -- The operation log, the source of truth. `record` is records.rid;
        -- `name` is the type (create), field (assign) or set (add, remove);
        -- `value` the value, element or erase reason; `refs` the packed ids of
        -- replaced writes or observed adds (16-byte origin + 8-byte seq each).
        CREATE TABLE ops (
            origin BLOB NOT NULL, seq INTEGER NOT NULL, ts INTEGER NOT NULL,
            record INTEGER NOT NULL, kind INTEGER NOT NULL, name TEXT NOT NULL,
            value, refs BLOB,
            PRIMARY KEY (origin, seq)) WITHOUT ROWID;
        -- origin -> highest contiguous seq held.
        CREATE TABLE vector (origin BLOB PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;
        -- Every record any operation names; `type` is NULL until its create arrives.
        CREATE TABLE records (
            rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, type TEXT,
            erased INTEGER NOT NULL DEFAULT 0);
        -- Per record, ids some write replaces or some remove observed: never heads or members.
        CREATE TABLE covered (
            record INTEGER NOT NULL, origin BLOB NOT NULL, seq INTEGER NOT NULL,
            PRIMARY KEY (record, origin, seq)) WITHOUT ROWID;
        -- Each field's heads; `wins` marks the shown one.
        CREATE TABLE heads (
            record INTEGER NOT NULL, field TEXT NOT NULL, origin BLOB NOT NULL, seq INTEGER NOT NULL,
            ts INTEGER NOT NULL, value, wins INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (record, field, origin, seq)) WITHOUT ROWID;
        CREATE INDEX heads_shown ON heads(field, value) WHERE wins = 1;
        -- Each set's live adds.
        CREATE TABLE members (
            record INTEGER NOT NULL, name TEXT NOT NULL, origin BLOB NOT NULL, seq INTEGER NOT NULL, element,
            PRIMARY KEY (record, name, origin, seq)) WITHOUT ROWID;
        CREATE INDEX members_element ON members(name, element);
        -- Full-text index over notes; rowid = records.rid.
        CREATE VIRTUAL TABLE note_text USING fts5(title, body, tags);
        """,
        // 2: on a hub, the enrolled devices. Not replicated: secrets never leave the hub.
        """
        CREATE TABLE devices (
            name TEXT PRIMARY KEY, secret BLOB NOT NULL, replica BLOB UNIQUE,
            enrolled_ms INTEGER NOT NULL, last_seen_ms INTEGER, operations_received INTEGER NOT NULL DEFAULT 0,
            revoked_ms INTEGER);
        """,
        // 3: on a hub, every replica id a device has synced as. A device gets a
        // new one when its store re-issues its changes after a fork (a restored
        // backup or a copied store); the old ids stay its own.
        """
        CREATE TABLE device_replicas (
            replica BLOB PRIMARY KEY, device TEXT NOT NULL, bound_ms INTEGER NOT NULL) WITHOUT ROWID;
        INSERT INTO device_replicas(replica, device, bound_ms)
            SELECT replica, name, coalesce(last_seen_ms, enrolled_ms) FROM devices WHERE replica IS NOT NULL;
        """,
        // 4: sync protocol 2 runs in TLS with a key pair per device. A hub keeps
        // each device's key fingerprint and the SHA-256 of its one-time
        // enrolment token, never a secret a thief could use; the version 1
        // shared secrets are dropped on both sides. A device enrolled under
        // version 1 keeps its link without a hub fingerprint and is told to
        // ask for a new code.
        """
        CREATE TABLE devices_v4 (
            name TEXT PRIMARY KEY, key_fingerprint BLOB UNIQUE,
            token_hash BLOB, token_expires_ms INTEGER, token_used_ms INTEGER,
            replica BLOB UNIQUE, enrolled_ms INTEGER NOT NULL, last_seen_ms INTEGER,
            operations_received INTEGER NOT NULL DEFAULT 0, revoked_ms INTEGER);
        INSERT INTO devices_v4(name, replica, enrolled_ms, last_seen_ms, operations_received, revoked_ms)
            SELECT name, replica, enrolled_ms, last_seen_ms, operations_received, revoked_ms FROM devices;
        DROP TABLE devices;
        ALTER TABLE devices_v4 RENAME TO devices;
        INSERT INTO meta(key, value) SELECT 'hub_enrolled_v1', 1 FROM meta WHERE key = 'hub_secret';
        DELETE FROM meta WHERE key = 'hub_secret';
        -- The secrets' pages are zeroed in the log (secure_delete); wiping the
        -- main file is a purge like an erase's, finished at the next opening if
        -- a reader stops it now.
        INSERT INTO meta(key, value) VALUES ('purge_pending', 1) ON CONFLICT(key) DO UPDATE SET value = 1;
        """,
        // 5: a note's body is a text field (TextField): its operations are
        // found through a partial index, and `texts` counts them so a
        // connection can tell that its built copy is current. A body keeps
        // showing what it showed: its assigns become bases, of which the
        // register's winner shows, so only the winning head stays in `heads`.
        """
        CREATE INDEX ops_body ON ops(record) WHERE name = 'body' AND kind IN (2, 6, 7);
        CREATE TABLE texts (
            record INTEGER NOT NULL, field TEXT NOT NULL, ops INTEGER NOT NULL,
            PRIMARY KEY (record, field)) WITHOUT ROWID;
        DELETE FROM heads WHERE field = 'body' AND (wins = 0 OR typeof(value) != 'text' OR value = '');
        """,
        // 6: the shown-value index leaves out titles and bodies. No query
        // looks a note up by its whole title or body (search has the text
        // index), and they were most of the index's bytes: every apply
        // wrote each body into it a second time. A query on another field
        // names the index's condition (`Store.shownIndexCondition`).
        """
        DROP INDEX heads_shown;
        CREATE INDEX heads_shown ON heads(field, value) WHERE wins = 1 AND field NOT IN ('title', 'body');
        """,
        // 7: the shown-value index also leaves out `occurred_at`. A date
        // range is read by joining a record's own head (`RecordFilter.rangeField`,
        // on the primary key), never by value through this index; and its
        // values, nearly one per note, scattered each apply's entries over
        // the whole index: a sixth of the pages a sync batch wrote.
        // Records are found by type through `records_type`: reading the
        // few areas, themes or cases no longer scans every note's row
        // (`IF NOT EXISTS`, so a store wound back to an older version by
        // hand, as the upgrade tests do, migrates too).
        """
        DROP INDEX heads_shown;
        CREATE INDEX heads_shown ON heads(field, value) WHERE wins = 1 AND field NOT IN ('title', 'body', 'occurred_at');
        CREATE INDEX IF NOT EXISTS records_type ON records(type);
        """,
        // 8: the shown-value index also holds `wins`, so a query by a
        // field's value reads the index alone. SQLite (3.40) counts the
        // `wins = 1` a query must write to use the partial index as a
        // column it needs, so without `wins` in the index each match cost a
        // second look-up in `heads`: 14,000 of them for one area of a
        // 100,000-note store, most of `list --area`'s time. The column
        // adds one header byte to each entry, and no entry or page to an apply.
        """
        DROP INDEX heads_shown;
        CREATE INDEX heads_shown ON heads(field, value, wins) WHERE wins = 1 AND field NOT IN ('title', 'body', 'occurred_at');
        """,
    ]

    static var currentVersion: Int64 { Int64(migrations.count) }

    /// Brings a store up to `currentVersion`, each step in its own transaction.
    static func migrate(_ database: Database) throws {
        let version = try database.userVersion
        guard version < currentVersion else { return }
        for index in Int(version)..<migrations.count {
            try database.transaction {
                try database.execute(migrations[index])
                try database.setUserVersion(Int64(index + 1))
            }
        }
    }
}
