import CRDT
import Foundation
import SQLite
import Store
import Synthetic

/// Timing helpers: medians of repeated runs, wall-clock milliseconds.
enum Clock {
    static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) * 1000 + Double(spec.tv_nsec) / 1_000_000
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

/// Runs a process to completion and returns its wall time in milliseconds.
func runProcess(_ path: String, _ arguments: [String], environment: [String: String] = [:]) throws -> (ms: Double, status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    process.standardInput = FileHandle.nullDevice
    let start = Clock.now()
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (Clock.now() - start, process.terminationStatus, String(decoding: data, as: UTF8.self))
}

func peakMemoryMiB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}
