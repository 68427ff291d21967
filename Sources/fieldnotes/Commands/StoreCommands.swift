import CRDT
import Formats
import Glibc
import Store
import SystemCalls

struct InitCommand: Command {
    static let spec = CommandSpec(
        name: "init", abstract: "Create a store for this device; prints its replica id",
        options: [.option("name", "NAME", "this device's name, e.g. alice-laptop (shown to colleagues as the author)")],
        discussion: "Refuses to touch an existing file. Creates the default directory if needed.")

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        guard let name = arguments.value("name")?.trimmingSpaces, !name.isEmpty else {
            throw UsageError(message: "init needs --name NAME (this device's name)", command: spec.name)
        }
        try RecordSchema.checkDeviceName(name)
        if context.storeWasDefaulted { try makeParentDirectories(of: context.storePath) }
        let store = try Store.create(at: context.storePath, name: name)
        context.out(store.replica.hex)
        context.info("fieldnotes: created \(context.storePath) for '\(name)'")
    }

    /// `mkdir -p` of the directory that will hold `path`, owner-only.
    static func makeParentDirectories(of path: String) throws {
        var directory = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/").dropLast() {
            directory += "/" + part
            do {
                try Syscall.makeDirectory(directory, permissions: 0o700)
            } catch {
                throw CommandFailure(message: "cannot create directory \(directory) (\(error)); pass --store PATH")
            }
        }
    }
}

struct StatusCommand: Command {
    static let spec = CommandSpec(
        name: "status", abstract: "This store's replica, counts, unsynced operations and digest",
        options: [formatObjectOption],
        discussion: "The digest is SHA-256 over a canonical form of everything the store shows:\n"
            + "two stores have the same digest exactly when they show the same data.\n"
            + "Warns on stderr when the store, its -wal or -shm file (or the default store's directory)\n"
            + "can be read or written by anyone but its owner, with the chmod that fixes it.")

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let json = try arguments.json
        let store = try context.openStore()
        let status = try store.status()
        let notes = status.counts[Note.type] ?? (0, 0, 0)
        let unsynced = try store.unacknowledged()
        let link = try store.hubLink()
        let lastSync = try store.lastSyncMillis()
        let loose = Store.looseFileModes(at: context.storePath, includingDirectory: context.storeWasDefaulted)
        for file in loose { context.err("fieldnotes: warning: " + looseLine(file)) }
        if json {
            context.out(JSON.object([
                ("store", .string(context.storePath)),
                ("replica", .string(status.replica.hex)),
                ("name", .string(status.name)),
                ("notes", .object([("live", .number(Double(notes.live))), ("deleted", .number(Double(notes.deleted))),
                                   ("erased", .number(Double(notes.erased)))])),
                ("operations", .number(Double(status.operations))),
                ("local_operations", .number(Double(status.localOperations))),
                ("unacknowledged_operations", .number(Double(unsynced))),
                ("hub", link.map { .string($0.address) } ?? .null),
                ("hub_device", link.map { .string($0.device) } ?? .null),
                ("last_sync", lastSync.map { .string(ISO8601.format(millis: $0)) } ?? .null),
                ("conflicts", .number(Double(status.conflicts))),
                ("digest", .string(status.digest)),
                ("file_mode_warnings", .array(loose.map { file in
                    .object([("path", .string(file.path)), ("mode", .string(octal(file.mode))), ("fix", .string(fix(file)))])
                })),
            ]).pretty())
            return
        }
        var table = Table("", "")
        table.add("store", context.storePath)
        table.add("replica", "\(status.replica.hex) (\(status.name))")
        table.add("notes", "\(notes.live) live, \(notes.deleted) deleted, \(notes.erased) erased")
        table.add("operations", "\(status.operations) held, \(status.localOperations) written here")
        table.add("hub", link.map { "\($0.address) as '\($0.device)'" } ?? "none (fieldnotes join CODE)")
        table.add("last sync", lastSync.map { ISO8601.format(millis: $0).replacingT } ?? "never")
        table.add("unacknowledged", "\(unsynced) operations written here not yet acknowledged by a hub")
        table.add("conflicts", "\(status.conflicts) fields with concurrent values (fieldnotes conflicts)")
        table.add("digest", status.digest)
        context.out(table.render().split(separator: "\n").dropFirst().joined(separator: "\n"))
    }

    /// `"/p/store.sqlite can be read or written by others (mode 0644); run chmod 600 /p/store.sqlite"`.
    static func looseLine(_ file: LooseFileMode) -> String {
        "\(file.path) can be read or written by others (mode \(octal(file.mode))); run \(fix(file))"
    }

    static func fix(_ file: LooseFileMode) -> String {
        "chmod \(String(file.ownerOnlyMode, radix: 8)) \(shellQuoted(file.path))"
    }

    static func octal(_ mode: UInt32) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// The path as one shell word: as it is when it holds only safe characters, else in single quotes.
    static func shellQuoted(_ path: String) -> String {
        let safe = path.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || $0.properties.numericType != nil)) || "/._-+,:@%".unicodeScalars.contains($0) }
        guard !safe || path.isEmpty else { return path }
        return "'" + path.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
    }
}

struct ConflictsCommand: Command {
    static let spec = CommandSpec(
        name: "conflicts", abstract: "Fields that colleagues changed concurrently, with every value",
        options: [formatOption],
        discussion: "Every replica shows the same value (the latest by hybrid clock, ties broken by replica id);\n"
            + "the others stay listed here until someone edits the field, which resolves it.")

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let json = try arguments.json
        let store = try context.openStore()
        let records = try store.conflicted()
        let names = try store.replicaNames()
        if json {
            context.out(JSON.array(records.flatMap { record -> [JSON] in
                guard case .array(let fields) = RecordJSON.conflicts(record, names: names) else { return [] }
                return fields.map { field in
                    guard case .object(let members) = field else { return field }
                    return .object([("record", .string(record.id.hex)), ("type", .string(record.type))] + members)
                }
            }).pretty())
            return
        }
        var table = Table("RECORD", "FIELD", "VALUE", "AUTHOR", "AT", "SHOWN")
        for record in records {
            for conflict in record.conflicts {
                for (index, head) in conflict.heads.enumerated() {
                    table.add(record.id.short, conflict.name, NoteText.display(head.value).clipped(40),
                              names[head.id.origin] ?? String(head.id.origin.hex.prefix(8)),
                              ISO8601.format(millis: head.timestamp.physical).replacingT, index == 0 ? "yes" : "")
                }
            }
        }
        context.out(table.render())
        if records.isEmpty { context.info("fieldnotes: no conflicts") }
    }
}
