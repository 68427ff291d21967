import Demo
import Glibc
import Store
import SystemCalls

struct DemoCommand: Command {
    static let spec = CommandSpec(
        name: "demo", abstract: "A team on this machine: devices capture offline, sync through a hub, converge; then a report",
        options: [
            .option("dir", "DIR", "where to put the stores and the report (default: a new temporary directory, kept)"),
            .option("devices", "N", "how many devices (default 3)"),
            .option("notes", "N", "notes each device writes offline (default 40)"),
            .option("seed", "N", "seed of the synthetic data (default 1): the same seed, the same notes"),
        ],
        discussion: "The notes are synthetic: made-up residents of North East Lincolnshire wards, no real person.")

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let devices = try arguments.integer("devices", range: 1...50) ?? 3
        let notes = try arguments.integer("notes", range: 1...100_000) ?? 40
        let seed = UInt64(try arguments.integer("seed", range: 0...Int(Int32.max)) ?? 1)
        let directory: String
        if let given = arguments.value("dir") {
            do {
                try Syscall.makeDirectory(given, permissions: 0o755)
            } catch {
                throw CommandFailure(message: "cannot create \(given) (\(error)); choose another --dir")
            }
            for name in ["hub.sqlite", "report.html"] where access(given + "/" + name, F_OK) == 0 {
                throw CommandFailure(message: "\(given) already holds a demo (\(name)); choose an empty --dir")
            }
            directory = given
        } else {
            do throws(Errno) {
                directory = try Syscall.makeTemporaryDirectory(prefix: "/tmp/fieldnotes-demo-")
            } catch {
                throw CommandFailure(message: "cannot create a temporary directory (\(error)); pass --dir DIR")
            }
        }
        var options = Demo.Options(directory: directory)
        options.devices = devices
        options.notes = notes
        options.seed = seed
        context.out("fieldnotes demo in \(directory)")
        let started = MonotonicClock.nowMillis()
        let result = try Demo(options: options, say: { context.out($0); fflush(nil) }).run()
        context.out("")
        context.out("digests (SHA-256 of what each store shows):")
        for (name, digest) in result.digests.sorted(by: { $0.key < $1.key }) {
            context.out("  \(name + String(repeating: " ", count: max(0, 8 - name.count))) \(digest)")
        }
        let converged = Set(result.digests.values).count == 1
        context.out(converged ? "all \(result.digests.count) stores are equal" : "THE STORES DIFFER: this is a bug; please report it")
        context.out("")
        context.out("conflicts left for people to resolve (every store shows the same):")
        let hub = try Store.open(at: result.hubPath)
        let names = try hub.replicaNames()
        for record in try hub.conflicted() {
            for conflict in record.conflicts {
                let values = conflict.heads.enumerated().map { index, head in
                    "\(NoteText.display(head.value)) by \(names[head.id.origin] ?? "?")\(index == 0 ? " (shown)" : "")"
                }
                context.out(TerminalText.escaped("  note \(record.id.short) \(conflict.name): " + values.joined(separator: " | ")))
            }
        }
        if let report = result.reportPath { context.out("\nreport: \(report)") }
        context.out("""

            Look around:
              fieldnotes --store \(result.hubPath) status
              fieldnotes --store \(result.hubPath) list --limit 20
              fieldnotes --store \(result.hubPath) search "lunch club"
              fieldnotes --store \(result.hubPath) conflicts
              fieldnotes --store \(result.hubPath) theme list
              fieldnotes --store \(result.hubPath) insight list
              fieldnotes --store \(result.devicePaths[0]) status
            finished in \(MonotonicClock.nowMillis() - started) ms
            """)
        guard converged else { throw CommandFailure(message: "the demo's stores did not converge") }
    }
}
