import Foundation

/// `fieldnotes-bench [--quick] [--json FILE]`: prints every speed figure the
/// project tracks, as medians, with the goals beside them.
let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.contains("--help") || arguments.contains("-h") {
    print("""
        Usage: swift run -c release fieldnotes-bench [--quick] [--json FILE] [--dir DIR]
          --quick     small sizes (10,000 notes), finishes in about a minute: a smoke test
          --json FILE also write every figure as JSON
          --dir DIR   where to build the benchmark stores (default: a new temporary directory, removed after)
          --only SECTION  run one section: store, apply, sync, text, or one figure: list, export
                          (each format), qdpx (the REFI-QDA export alone), import (beside the apply rate),
                          firstsync (beside the apply rate); with --dir, list, export and qdpx reuse the
                          large store an earlier run left there
          --trace PATH    for --only text: an editing trace (.json.gz, josephg/editing-traces format),
                          e.g. automerge-paper.json.gz, replayed into the in-memory text CRDT
          --peers     print, as JSON, our side of tools/compare-peers (the peer workloads)
        Figures are medians of several runs on this machine; compare them as ratios within one run.
        """)
    exit(0)
}
let quick = arguments.contains("--quick")
var jsonPath: String?
var directoryOption: String?
if let index = arguments.firstIndex(of: "--json"), index + 1 < arguments.count { jsonPath = arguments[index + 1] }
if let index = arguments.firstIndex(of: "--dir"), index + 1 < arguments.count { directoryOption = arguments[index + 1] }
var sections: Set<String> = ["store", "sync"]
if let index = arguments.firstIndex(of: "--only"), index + 1 < arguments.count { sections = [arguments[index + 1]] }

if sections == ["text"] {
    // The text CRDT alone: needs no stores and no fieldnotes binary.
    guard let index = arguments.firstIndex(of: "--trace"), index + 1 < arguments.count else {
        FileHandle.standardError.write(Data("fieldnotes-bench: error: --only text needs --trace PATH; pass an editing trace such as automerge-paper.json.gz\n".utf8))
        exit(2)
    }
    let report = Report()
    do {
        try TextBench(tracePath: arguments[index + 1], runs: quick ? 3 : 9, report: report).run()
        report.add("process", "bench peak memory (RSS)", peakMemoryMiB(), "MiB", goal: "mostly Foundation parsing the trace's JSON")
    } catch {
        FileHandle.standardError.write(Data("fieldnotes-bench: error: \(error)\n".utf8))
        exit(1)
    }
    if let jsonPath, !FileManager.default.createFile(atPath: jsonPath, contents: Data(report.json().utf8)) {
        FileHandle.standardError.write(Data("fieldnotes-bench: error: cannot write \(jsonPath)\n".utf8))
        exit(1)
    }
    exit(0)
}

let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
let binary = executable.deletingLastPathComponent().appendingPathComponent("fieldnotes").path
guard FileManager.default.isExecutableFile(atPath: binary) else {
    FileHandle.standardError.write(Data("fieldnotes-bench: error: no fieldnotes binary beside this one at \(binary); build it with 'swift build -c release'\n".utf8))
    exit(1)
}
let directory = directoryOption ?? (NSTemporaryDirectory() + "fieldnotes-bench-\(getpid())")
try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
defer { if directoryOption == nil { try? FileManager.default.removeItem(atPath: directory) } }

if arguments.contains("--peers") {
    // Machine-readable figures for tools/compare-peers.
    do {
        print(try PeerBench(writes: 10_000, runs: quick ? 3 : 5, directory: directory).run().serialized())
    } catch {
        FileHandle.standardError.write(Data("fieldnotes-bench: error: \(error)\n".utf8))
        exit(1)
    }
    exit(0)
}

let report = Report()
print("fieldnotes-bench \(quick ? "--quick " : "")on \(ProcessInfo.processInfo.activeProcessorCount) cores")
do {
    let storeBench = StoreBench(notes: quick ? 10_000 : 100_000, applyOperations: quick ? 20_000 : 100_000, runs: quick ? 7 : 15,
                                directory: directory, binary: binary, report: report)
    if sections.contains("store") { try storeBench.run() }
    if sections.contains("apply") { try storeBench.applyOnly() }
    if sections.contains("list") { try storeBench.listOnly() }
    if sections.contains("export") { try storeBench.exportOnly() }
    if sections.contains("qdpx") { try storeBench.exportOnly(formats: [.qdpx]) }
    if sections.contains("import") { try storeBench.importOnly() }
    if sections.contains("firstsync") {
        try SyncBench(firstSyncNotes: quick ? 1_000 : 9_000, devices: 0, operationsPerDevice: 0, runs: 3, directory: directory, binary: binary,
                      report: report).firstSyncOnly { try storeBench.applyOnly() }
    }
    if sections.contains("sync") { try SyncBench(firstSyncNotes: quick ? 1_000 : 9_000, devices: quick ? 10 : 100, operationsPerDevice: quick ? 200 : 1_000,
                  runs: quick ? 5 : 11, directory: directory, binary: binary, report: report).run() }
    report.add("process", "bench peak memory (RSS)", peakMemoryMiB(), "MiB")
} catch {
    FileHandle.standardError.write(Data("fieldnotes-bench: error: \(error)\n".utf8))
    exit(1)
}
if let jsonPath {
    guard FileManager.default.createFile(atPath: jsonPath, contents: Data(report.json().utf8)) else {
        FileHandle.standardError.write(Data("fieldnotes-bench: error: cannot write \(jsonPath)\n".utf8))
        exit(1)
    }
}
