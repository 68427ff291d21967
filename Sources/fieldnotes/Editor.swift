import Glibc
import Synchronization
import SystemCalls

/// Set by SIGHUP or SIGTERM while the editor is open (`Editor.edit`).
private let editorInterrupted = Atomic<Bool>(false)

/// The person's text editor, as `git commit` runs it: `$VISUAL`, else
/// `$EDITOR`, else `nano`, else `vi`, run by the shell (so `EDITOR="code
/// --wait"` works) on a file of our own.
///
/// The file holds personal data, so it is made beside the store (whose
/// directory the store's owner controls), readable by its owner only
/// (`mkstemps` creates it 0600), and removed when the editing is over.
struct Editor {
    /// The shell text that starts the editor; the file's path follows it, quoted.
    let command: String
    /// Where the file is made.
    let directory: String

    init(storePath: String) {
        let visual = Context.environment("VISUAL").flatMap { $0.trimmingSpaces.isEmpty ? nil : $0 }
        let editor = Context.environment("EDITOR").flatMap { $0.trimmingSpaces.isEmpty ? nil : $0 }
        command = visual ?? editor ?? (Editor.onPath("nano") ? "nano" : "vi")
        let slash = storePath.lastIndex(of: "/")
        directory = slash.map { String(storePath[..<$0]) }.map { $0.isEmpty ? "/" : $0 } ?? "."
    }

    /// The files editors keep beside the one they edit, which hold its words
    /// too: vim's swap files (kept on a closed terminal), nano's `.save` (written
    /// on a hang-up), emacs's `#auto-save#`, and a `~` backup. Removed with the form.
    static func leftovers(of path: String) -> [String] {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let swap = directory + (name.hasPrefix(".") ? name : "." + name)
        return [swap + ".swp", swap + ".swo", swap + ".swn", directory + "." + name + ".swp", path + ".save", path + "~",
                directory + "#" + name + "#"]
    }

    /// Whether an executable called `name` is on `$PATH`.
    static func onPath(_ name: String) -> Bool {
        let path = Context.environment("PATH") ?? "/usr/bin:/bin"
        return path.split(separator: ":").contains { access("\($0)/\(name)", X_OK) == 0 }
    }

    /// Shows `text` in the editor and returns what the person saved.
    /// Throws if the file cannot be made or read, or the editor fails.
    func edit(_ text: String) throws -> String {
        let descriptor: Int32
        let path: String
        do throws(Errno) {
            (descriptor, path) = try Syscall.makeTemporaryFile(prefix: "\(directory)/.fieldnotes-edit-", suffix: ".txt")
        } catch {
            throw CommandFailure(message: "cannot make a file for the editor in \(directory) (\(error)); "
                                 + "give the fields as options instead (see 'fieldnotes add --help')")
        }
        defer {
            unlink(path)
            for file in Editor.leftovers(of: path) { unlink(file) }
        }
        do throws(Errno) {
            defer { try? Syscall.close(descriptor) }
            try Syscall.writeAll(descriptor, Array(text.utf8))
        } catch {
            throw CommandFailure(message: "cannot write the editor's file \(path) (\(error)); nothing was written")
        }

        // The path goes through the environment, never into the shell text.
        setenv("FIELDNOTES_EDIT_FILE", path, 1)
        // A closed terminal (SIGHUP) or a TERM ends the editor; this process outlives it
        // to remove the form, which holds the note's words, and then fails. (A handler, not
        // SIG_IGN: the editor starts with the default action, which ignoring would not give it.)
        // Unblocked too, for this process and the editor: a parent may have started us with them blocked.
        editorInterrupted.store(false, ordering: .relaxed)
        var hangUps = sigset_t(), mask = sigset_t()
        sigemptyset(&hangUps)
        sigaddset(&hangUps, SIGHUP)
        sigaddset(&hangUps, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &hangUps, &mask)
        signal(SIGHUP) { _ in editorInterrupted.store(true, ordering: .relaxed) }
        signal(SIGTERM) { _ in editorInterrupted.store(true, ordering: .relaxed) }
        let status = system("\(command) \"$FIELDNOTES_EDIT_FILE\"")
        signal(SIGHUP, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
        pthread_sigmask(SIG_SETMASK, &mask, nil)
        unsetenv("FIELDNOTES_EDIT_FILE")
        guard !editorInterrupted.load(ordering: .relaxed) else {
            throw CommandFailure(message: "the terminal was closed or fieldnotes was stopped while the editor was open; nothing was written, and the editor's file was removed")
        }
        guard status != -1 else { throw CommandFailure(message: "cannot start the editor (\(Errno.current)); nothing was written") }
        let signal = status & 0x7F, code = (status >> 8) & 0xFF
        guard signal == 0, code == 0 else {
            let how = signal != 0 ? "was stopped by signal \(signal)" : code == 127 ? "was not found" : "exited with status \(code)"
            throw CommandFailure(message: "the editor '\(command)' \(how); nothing was written (set $EDITOR to an editor you use, "
                                 + "or give the fields as options)")
        }
        let bytes: [UInt8]
        do { bytes = try Output.readFile(path) } catch {
            throw CommandFailure(message: "cannot read the edited file back (\(error)); nothing was written")
        }
        guard let saved = String(validating: bytes, as: UTF8.self) else {
            throw CommandFailure(message: "the edited file is not UTF-8 text; set your editor to save UTF-8; nothing was written")
        }
        return saved
    }
}
