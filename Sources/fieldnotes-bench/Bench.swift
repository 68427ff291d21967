import CRDT
import Formats
import Foundation
import SQLite
import Store
import Synthetic
import SystemCalls

/// Timing helpers: medians of repeated runs, wall-clock milliseconds.
enum Clock {
    /// Milliseconds on `MonotonicClock`.
    static func now() -> Double {
        Double(MonotonicClock.nowNanoseconds()) / 1_000_000
    }

    static func time(_ body: () throws -> Void) rethrows -> Double {
        let start = now()
        try body()
        return now() - start
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}

/// One printed figure.
struct Figure {
    let section: String
    let name: String
    let value: Double
    let unit: String
    let goal: String
}

final class Report {
    private(set) var figures: [Figure] = []

    func add(_ section: String, _ name: String, _ value: Double, _ unit: String, goal: String = "") {
        figures.append(Figure(section: section, name: name, value: value, unit: unit, goal: goal))
        let number = value >= 100 ? String(format: "%.0f", value) : String(format: "%.2f", value)
        print("  \(name.padding(toLength: 52, withPad: " ", startingAt: 0)) \(number.leftPadded(12)) \(unit.padding(toLength: 10, withPad: " ", startingAt: 0)) \(goal)")
        fflush(nil)
    }

    func json() -> String {
        let items = figures.map { figure in
            JSON.object([("section", .string(figure.section)), ("name", .string(figure.name)),
                         ("value", .number(figure.value)), ("unit", .string(figure.unit)), ("goal", .string(figure.goal))])
        }
        return JSON.array(items).pretty()
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}

/// Runs a process to completion and returns its wall time in milliseconds,
/// its exit status and its standard output. Uses `posix_spawn` (vfork-like
/// in glibc), so the time does not grow with this process's own memory, as
/// it would with a fork.
func runProcess(_ path: String, _ arguments: [String], environment: [String: String] = [:]) throws -> (ms: Double, status: Int32, output: String) {
    var pipeEnds: [Int32] = [0, 0]
    guard pipe(&pipeEnds) == 0 else { throw BenchFailure("pipe failed") }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addclose(&actions, pipeEnds[0])
    var env = ProcessInfo.processInfo.environment
    for (key, value) in environment { env[key] = value }
    let argv = ([path] + arguments).map { strdup($0) } + [nil]
    let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
        for pointer in argv { free(pointer) }
        for pointer in envp { free(pointer) }
    }
    var pid: pid_t = 0
    let start = Clock.now()
    let spawned = posix_spawn(&pid, path, &actions, nil, argv, envp)
    close(pipeEnds[1])
    do {
        try Syscall.check(returned: spawned)
    } catch {
        close(pipeEnds[0])
        throw BenchFailure("cannot start \(path): \(error)")
    }
    let output = (try? Syscall.readToEnd(pipeEnds[0])) ?? []
    close(pipeEnds[0])
    let status = try Syscall.waitForExit(of: pid)
    let ms = Clock.now() - start
    let exited = status & 0x7f == 0
    return (ms, exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), String(decoding: output, as: UTF8.self))
}

func peakMemoryMiB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

/// The path of a store a figure makes afresh in the bench's directory, with
/// whatever an earlier figure left there (with `--dir`) removed first.
func scratchPath(_ directory: String, _ name: String) -> String {
    let path = directory + "/" + name
    for file in [path, path + "-wal", path + "-shm", path + ".key"] { try? FileManager.default.removeItem(atPath: file) }
    return path
}
