// swift-tools-version:6.0
// fieldnotes: an offline field recorder with CRDT sync. No package dependencies:
// only the toolchain, plus SQLite, OpenSSL's libcrypto and libssl, and zlib as system libraries.
import PackageDescription

let package = Package(
    name: "fieldnotes",
    products: [
        .executable(name: "fieldnotes", targets: ["fieldnotes"]),
        .executable(name: "fieldnotes-bench", targets: ["fieldnotes-bench"]),
        // The modules whose parsers tools/fuzz drives (a package of its own that depends on this one by path).
        .library(name: "FieldnotesParsers", targets: ["Formats", "Wire", "Store", "Sync"]),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .systemLibrary(
            name: "CCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .systemLibrary(
            name: "CTLS",
            pkgConfig: "libssl",
            providers: [.apt(["libssl-dev"])]
        ),
        // errno, EINTR, clocks and the thin file and socket calls: the one layer that calls the system.
        .target(name: "SystemCalls"),
        .target(name: "SQLite", dependencies: ["CSQLite", "SystemCalls"]),
        .target(name: "Crypto", dependencies: ["CCrypto"]),
        .target(name: "TLS", dependencies: ["CTLS", "Crypto", "SystemCalls"]),
        // Raw DEFLATE over the system zlib, for compressed Ops (protocol version 4).
        .target(name: "Deflate", dependencies: ["CZlib"]),
        .target(name: "CRDT"),
        .target(name: "Formats"),
        .target(name: "Store", dependencies: ["SQLite", "Crypto", "CRDT", "Formats", "SystemCalls"]),
        .target(name: "Wire", dependencies: ["CRDT", "Crypto", "Deflate"]),
        .target(name: "Sync", dependencies: ["Store", "Wire", "TLS", "CRDT", "Crypto", "SystemCalls"]),
        .target(name: "Synthetic", dependencies: ["Store", "Formats"]),
        .target(name: "Analysis", dependencies: ["Store", "CRDT", "Formats"]),
        .target(name: "Health", dependencies: ["Store", "Sync", "Wire", "Formats"]),
        .target(name: "Export", dependencies: ["Analysis", "Store", "CRDT", "Crypto", "Deflate", "Formats", "SystemCalls"]),
        .target(name: "Demo", dependencies: ["Analysis", "Store", "Sync", "TLS", "Wire", "Synthetic", "Export", "CRDT", "Crypto", "Formats", "SystemCalls"]),
        .executableTarget(name: "fieldnotes", dependencies: ["Analysis", "Store", "CRDT", "Crypto", "Sync", "TLS", "Wire", "Demo", "Export", "Formats", "Health", "SystemCalls"]),
        .executableTarget(name: "fieldnotes-bench", dependencies: ["Store", "SQLite", "CRDT", "Crypto", "Synthetic", "Wire", "Export", "Formats", "SystemCalls"]),
        .target(name: "CRDTTestSupport", dependencies: ["CRDT", "Synthetic"], path: "Tests/CRDTTestSupport"),
        // Running the built `fieldnotes` (and other programs) as a child process, and temporary directories, for every test target.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "CRDTTests", dependencies: ["CRDT", "CRDTTestSupport", "Synthetic"], exclude: ["Fixtures"]),
        .testTarget(name: "AnalysisTests", dependencies: ["Analysis", "Store", "CRDT", "TestSupport"]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "SQLite", "CRDT", "Crypto", "CRDTTestSupport", "Synthetic", "SystemCalls", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["fieldnotes", "Store", "SQLite", "TestSupport"]),
        .testTarget(name: "TLSTests", dependencies: ["TLS", "SystemCalls", "TestSupport"]),
        .testTarget(name: "CryptoTests", dependencies: ["Crypto"]),
        .testTarget(name: "SystemCallsTests", dependencies: ["SystemCalls"]),
        .testTarget(name: "HealthTests", dependencies: ["Health", "Store", "TestSupport"]),
        .testTarget(name: "FormatsTests", dependencies: ["Formats"]),
        .testTarget(name: "WireTests", dependencies: ["Wire", "Deflate", "CRDT", "Crypto", "Formats", "Synthetic"]),
        .testTarget(name: "ExportTests", dependencies: ["Analysis", "Export", "Store", "CRDT", "Synthetic", "fieldnotes", "Formats", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "SyncTests", dependencies: ["Sync", "Wire", "TLS", "Store", "SQLite", "CRDT", "Crypto", "Synthetic", "SystemCalls", "TestSupport", "fieldnotes"]),
    ]
)
