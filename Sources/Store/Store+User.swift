import CRDT
import SQLite

extension Store {
    /// The name of the person using this store, as audit events name them
    /// (`fieldnotes config --user NAME`). Kept in this store only: it is
    /// not replicated, each laptop says who uses it.
    public var userName: String? {
        get throws {
            try guarded {
                if case .text(let name) = try meta("user") { return name }
                return nil
            }
        }
    }

    /// Sets (or with nil, clears) the person's name; refuses an empty or over-long name.
    public func setUserName(_ name: String?) throws {
        try guarded {
            guard let name = name?.trimmingSpaces else {
                try statement("DELETE FROM meta WHERE key = 'user'").run([])
                return
            }
            guard !name.isEmpty else { throw StoreError.invalid("the user name is empty", "give your name, as audit events should show it") }
            if let problem = Limits.check(name, Limits.label, field: "user name", hint: "shorten it") {
                throw StoreError.invalid(problem.message, problem.hint)
            }
            try database.transaction { try setMeta("user", .text(name)) }
        }
    }
}
