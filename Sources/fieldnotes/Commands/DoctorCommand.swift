import Formats
import Health

/// Prints health checks (a line each, or JSON) and fails with status 1 if
/// any needs action (WARN or FAIL).
enum HealthReport {
    static func print(_ checks: [HealthCheck], _ arguments: ParsedArguments, _ context: Context) throws {
        if try arguments.json {
            context.out(JSON.array(checks.map { check in
                .object([("check", .string(check.name)), ("status", .string(check.status.rawValue)), ("message", .string(check.message))])
            }).pretty())
        } else {
            for check in checks {
                context.out(TerminalText.escaped("\(check.status.rawValue.padding(4))  \(check.name.padding(12))  \(check.message)"))
            }
        }
        let needing = HealthCheck.needingAction(checks)
        if needing > 0 { throw CommandFailure(message: "\(needing) \(needing == 1 ? "check needs" : "checks need") action (see above)") }
    }
}

private extension String {
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}

struct DoctorCommand: Command {
    static let spec = CommandSpec(
        name: "doctor", abstract: "Check this laptop's setup and say what to do",
        options: [formatOption],
        discussion: """
            One line per check: OK, WARN or FAIL, then what to do. Checks the store's and key file's
            permissions, that the store is on an encrypted disk, free space, the schema, the clock
            at the last sync, that a joined store's key file loads, whether the hub answers now, and how
            long unsynced changes have waited.
            Exits 1 if any check says WARN or FAIL, 0 if all are OK.
            """)

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        _ = try arguments.json
        try HealthReport.print(try DeviceHealth.checks(storePath: context.storePath, open: context.openStore), arguments, context)
    }
}

struct HubStatusCommand: Command {
    static let spec = CommandSpec(
        name: "hub status", abstract: "Check the hub: sessions now, quiet devices, codes, disk, last backup",
        options: [formatOption, .option("stale-days", "N", "warn about devices not seen for N days (default 14)")],
        discussion: """
            One line per check: OK, WARN or FAIL, then what to do. Run it on the hub's machine, with
            the hub's store; it reads what a serving hub records beside the store (STORE.hub).
            Exits 1 if any check says WARN or FAIL, 0 if all are OK.
            """)

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        _ = try arguments.json
        let staleDays = try arguments.integer("stale-days", range: 1...3650) ?? HubHealth.defaultStaleDays
        let store = try context.openStore()
        try HealthReport.print(try HubHealth.checks(store: store, storePath: context.storePath, staleDays: staleDays), arguments, context)
    }
}
