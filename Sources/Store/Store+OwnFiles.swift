import Glibc
import SystemCalls

extension Store {
    /// The key file beside the store at `storePath` (`STORE.key`), whose
    /// name `KeyFile` (in Sync) reads and writes.
    public static func keyFilePath(forStore storePath: String) -> String { storePath + ".key" }

    /// The files that make up the store at `storePath`, with what each is:
    /// the database, the `-wal`, `-shm` and `-journal` files SQLite keeps
    /// beside it, its key file, and the status and lock file a serving hub
    /// holds (`HubStatusFile`: overwritten, it would let a second hub serve the store).
    public static func ownFiles(of storePath: String) -> [(path: String, what: String)] {
        [(storePath, "the store itself"), (storePath + "-wal", "the store's write-ahead log"),
         (storePath + "-shm", "the store's shared-memory file"), (storePath + "-journal", "the store's rollback journal"),
         (keyFilePath(forStore: storePath), "the store's key file"), (storePath + ".hub", "the hub's status and lock file")]
    }

    /// What `path` is among the store's own files (`ownFiles(of:)`), or nil
    /// if it is none of them: the one rule every command that writes a path
    /// a person gives (an export, a subject access file, a backup) checks
    /// before it writes anything, so none can overwrite the store or its key.
    ///
    /// A file matches whether or not it exists yet (the key file of a store
    /// that has not joined a hub, a `-wal` between commands): by name once
    /// each parent directory is resolved (`realpath(3)`, so `./a.sqlite.key`,
    /// `dir/../a.sqlite.key` and a link to the directory count), or, when
    /// both exist, as the same file (`stat(2)`'s device and inode, following
    /// links: a hard or symbolic link to the key file counts too).
    public static func ownFile(_ path: String, ofStore storePath: String) -> String? {
        let name = resolvedName(path)
        var info = stat()
        let exists = stat(path, &info) == 0
        for file in ownFiles(of: storePath) {
            if let name, name == resolvedName(file.path) { return file.what }
            var other = stat()
            if exists, stat(file.path, &other) == 0, other.st_dev == info.st_dev, other.st_ino == info.st_ino { return file.what }
        }
        return nil
    }

    /// `path` with its parent directory resolved (`realpath(3)`) and its
    /// last component kept as written (trailing slashes dropped), or nil if
    /// the parent cannot be resolved (it does not exist: nothing can be written there).
    private static func resolvedName(_ path: String) -> String? {
        var trimmed = path
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed.removeLast() }
        let parent: String, base: String
        if let slash = trimmed.lastIndex(of: "/") {
            parent = slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
            base = String(trimmed[trimmed.index(after: slash)...])
        } else {
            (parent, base) = (".", trimmed)
        }
        guard !base.isEmpty, base != ".", base != "..", let directory = Syscall.realPath(parent) else { return nil }
        return (directory == "/" ? "" : directory) + "/" + base
    }
}
