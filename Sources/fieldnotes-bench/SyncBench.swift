import CRDT
import Crypto
import Foundation
import Store
import Synthetic

/// The sync figures: a first sync of a large log to an empty hub, no-op
/// syncs on small and large stores, and many devices syncing at once, all
/// through the real `fieldnotes` binary over loopback.
struct SyncBench {
    let firstSyncNotes: Int
    let devices: Int
    let operationsPerDevice: Int
    let runs: Int
    let directory: String
    let binary: String
    let report: Report

    /// A hub process on an ephemeral loopback port.
    final class HubProcess {
        let process = Process()
        let address: String

        init(binary: String, store: String, maxConnections: Int) throws {
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["--store", store, "hub", "serve", "--listen", "127.0.0.1:0", "--max-connections", String(maxConnections)]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            var line = Data()
            while !line.contains(UInt8(ascii: "\n")) {
                let chunk = output.fileHandleForReading.availableData
                guard !chunk.isEmpty else { throw BenchFailure("the hub did not start") }
                line += chunk
            }
            address = String(decoding: line, as: UTF8.self).split(separator: "\n")[0].split(separator: " ").last.map(String.init) ?? ""
        }

        /// The hub's peak resident memory so far (VmHWM), in MiB.
        var peakMiB: Double {
            let status = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)) ?? ""
            let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
            return Double(line.split(separator: " ").dropFirst().first ?? "0").map { $0 / 1024 } ?? 0
        }

        /// The hub's CPU time so far (user + system), in milliseconds.
        var cpuMillis: Double {
            let stat = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8)) ?? ""
            // Fields after the command name, which is in parentheses and may hold spaces.
            guard let close = stat.lastIndex(of: ")") else { return 0 }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
            return (user + system) * 1000 / Double(sysconf(Int32(_SC_CLK_TCK)))
        }

        func stop() {
            process.terminate()
            process.waitUntilExit()
        }
    }

    func makeDevice(_ name: String, hubStore: Store, address: String, notes: Int, seed: UInt64) throws -> String {
        let path = scratchPath(directory, "\(name).sqlite")
        let store = try Store.create(at: path, name: name)
        var generator = FieldNotesGenerator(seed: seed)
        var made = 0
        while made < notes {
            var changes: [Change] = []
            for _ in 0..<min(500, notes - made) {
                changes += try Note.changes(generator.next(baseSeconds: 1_790_000_000), for: try Store.newRecordID(), creating: true, nowSeconds: 1_790_000_000)
            }
            try store.commit(changes)
            made += 500
        }
        // Enrol as a person would: a code from the hub, redeemed by `join` over TLS.
        let enrolled = try runProcess(binary, ["--store", hubStore.path, "hub", "enroll", name, "--address", address])
        guard enrolled.status == 0, let code = enrolled.output.split(separator: "\n").last.map(String.init) else {
            throw BenchFailure("hub enroll failed: \(enrolled.output)")
        }
        let joined = try runProcess(binary, ["--store", path, "join", code])
        guard joined.status == 0 else { throw BenchFailure("join failed: \(joined.output)") }
        return path
    }

    /// Runs `fieldnotes sync` and reads its report line:
    /// "synced with ADDR: sent N operations, received M; X bytes out, Y bytes in; Z ms".
    func sync(_ path: String) throws -> (ms: Double, out: Int, in: Int, sent: Int) {
        let result = try runProcess(binary, ["--store", path, "sync", "--timeout", "120"])
        guard result.status == 0 else { throw BenchFailure("fieldnotes sync failed: \(result.output)") }
        let words = result.output.split(whereSeparator: { " ,;:\n".contains($0) }).map(String.init)
        func number(before word: String, after previous: String? = nil) -> Int {
            for index in words.indices.dropFirst() where words[index] == word {
                if let previous, index + 1 < words.count, words[index + 1] != previous { continue }
                return Int(words[index - 1]) ?? 0
            }
            return 0
        }
        let sent = words.firstIndex(of: "sent").flatMap { Int(words[$0 + 1]) } ?? 0
        return (result.ms, number(before: "bytes", after: "out"), number(before: "bytes", after: "in"), sent)
    }

    /// `--only firstsync`: the first sync of a large device log to an
    /// empty hub, `runs` times (a new hub each time), beside the store's
    /// apply rate measured in the same run.
    func firstSyncOnly(applyRate: () throws -> Double) throws {
        print("sync: first sync of \(firstSyncNotes) notes to an empty hub, median of 3")
        var times: [Double] = []
        var rates: [Double] = []
        var bytes = 0
        var operations: UInt64 = 0
        for round in 0..<3 {
            let (hub, hubStore) = try startHub("hub-first-\(round)", maxConnections: 8)
            defer { hub.stop() }
            let device = try makeDevice("first-\(round)", hubStore: hubStore, address: hub.address, notes: firstSyncNotes, seed: 7)
            operations = try Store.open(at: device).versionVector().total
            let first = try sync(device)
            // A hub that caught up builds its value indexes after the
            // device's Done, while the device is already finished: the time
            // counts until the hub has.
            let indexing = try Clock.time { while try hubStore.indexesDeferred { usleep(500) } }
            times.append(first.ms + indexing)
            rates.append(Double(operations) / (first.ms + indexing) * 1000)
            bytes = first.out
        }
        report.add("sync", "first sync over TLS, \(operations) operations device -> empty hub, median", Clock.median(times), "ms", goal: "< 1000 ms")
        report.add("sync", "wire bytes per operation, first sync (all bytes / ops)", Double(bytes) / Double(operations), "B/op")
        let apply = try applyRate()
        report.add("sync", "first sync rate / apply rate", Clock.median(rates) / apply, "ratio", goal: ">= 0.8")
    }

    func run() throws {
        print("sync: first sync of \(firstSyncNotes) notes; \(devices) devices x ~\(operationsPerDevice) operations at once")
        // First sync: a large device log to an empty hub; then no-op syncs against it.
        let (bigHub, bigHubStore) = try startHub("hub-large", maxConnections: 8)
        defer { bigHub.stop() }
        let big = try makeDevice("large", hubStore: bigHubStore, address: bigHub.address, notes: firstSyncNotes, seed: 7)
        let bigOps = try Store.open(at: big).versionVector().total
        let first = try sync(big)
        report.add("sync", "first sync over TLS, \(bigOps) operations device -> empty hub", first.ms, "ms", goal: "< 1000 ms")
        report.add("sync", "first sync rate (compare with the store apply rate)", Double(bigOps) / first.ms * 1000, "ops/s", goal: ">= 0.8 x the apply rate")
        report.add("sync", "wire bytes per operation, first sync (all bytes / ops)", Double(first.out) / Double(bigOps), "B/op")

        let (smallHub, smallHubStore) = try startHub("hub-small", maxConnections: 8)
        defer { smallHub.stop() }
        let small = try makeDevice("small", hubStore: smallHubStore, address: smallHub.address, notes: 90, seed: 8)
        _ = try sync(small)
        for (label, path) in [("small", small), ("large", big)] {
            let ops = try Store.open(at: path).versionVector().total
            var times: [Double] = []
            var bytes = 0
            let hub = label == "small" ? smallHub : bigHub
            let cpuBefore = hub.cpuMillis
            for _ in 0..<runs {
                let result = try sync(path)
                times.append(result.ms)
                bytes = result.out + result.in
            }
            let cpuPerSession = (hub.cpuMillis - cpuBefore) / Double(runs)
            report.add("sync", "no-op sync with the TLS handshake, \(label) store (\(ops) ops), median", Clock.median(times), "ms", goal: "< 30 ms")
            report.add("sync", "no-op sync, \(label) store, bytes on the wire (TLS included)", Double(bytes), "bytes", goal: "< 6144")
            report.add("sync", "hub CPU per no-op session (TLS handshake + opening), \(label) store", cpuPerSession, "ms",
                       goal: "\(cpuPerSession > 0 ? Int(1000 / cpuPerSession) : 0) sessions per CPU-second")
        }

        // Many devices at once against a third hub.
        let (manyHub, manyHubStore) = try startHub("hub-many", maxConnections: devices + 8)
        defer { manyHub.stop() }
        let notesPerDevice = max(1, operationsPerDevice / 11)
        var paths: [String] = []
        for index in 0..<devices {
            paths.append(try makeDevice("device-\(index)", hubStore: manyHubStore, address: manyHub.address, notes: notesPerDevice, seed: 100 + UInt64(index)))
        }
        for round in 1...2 {
            let start = Clock.now()
            let processes = try paths.map { path -> Process in
                let process = Process()
                process.executableURL = URL(fileURLWithPath: binary)
                process.arguments = ["--store", path, "sync", "--timeout", "600"]
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                return process
            }
            var failed = 0
            for process in processes {
                process.waitUntilExit()
                if process.terminationStatus != 0 { failed += 1 }
            }
            let ms = Clock.now() - start
            guard failed == 0 else { throw BenchFailure("\(failed) of \(devices) concurrent syncs failed in round \(round)") }
            report.add("sync", "\(devices) devices syncing at once, round \(round) (\(round == 1 ? "upload" : "download the rest")), total", ms, "ms")
        }
        let hubDigest = try Store.open(at: directory + "/hub-many.sqlite").digest()
        var converged = 0
        for path in paths where try Store.open(at: path).digest() == hubDigest { converged += 1 }
        report.add("sync", "devices whose digest equals the hub's after 2 rounds", Double(converged), "of \(devices)", goal: "all")
        report.add("sync", "hub peak memory (VmHWM), \(devices) concurrent TLS sessions", manyHub.peakMiB, "MiB")
    }

    func startHub(_ name: String, maxConnections: Int) throws -> (HubProcess, Store) {
        let path = scratchPath(directory, "\(name).sqlite")
        let store = try Store.create(at: path, name: name)
        return (try HubProcess(binary: binary, store: path, maxConnections: maxConnections), store)
    }
}
