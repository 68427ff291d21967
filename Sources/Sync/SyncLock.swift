import Glibc
import SystemCalls

/// One sync of a store at a time. The hub admits one session per device,
/// so a second `sync` of the same store (a scheduled one and a person's)
/// was refused as busy; instead it waits for the first to finish. The lock
/// is an exclusive `flock(2)` on the store's key file, which every joined
/// store has; the kernel drops it when the process ends, however it ends.
public final class SyncLock {
    private let descriptor: Int32

    /// Takes the lock, calling `whileWaiting` once if another process holds it, then waiting.
    public static func take(forStore storePath: String, whileWaiting: () -> Void) throws -> SyncLock {
        let path = KeyFile.path(forStore: storePath)
        let descriptor: Int32
        do throws(Errno) {
            descriptor = try Syscall.open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        } catch {
            throw SyncError("cannot open \(path) (\(error)); it is this store's key: restore it from the backup, or ask for a new code")
        }
        do throws(Errno) {
            do throws(Errno) {
                try Syscall.flock(descriptor, LOCK_EX | LOCK_NB)
            } catch where error == .wouldBlock {
                whileWaiting()
                try Syscall.flock(descriptor, LOCK_EX)
            }
        } catch {
            try? Syscall.close(descriptor)
            throw SyncError("cannot lock \(path) (\(error))")
        }
        return SyncLock(descriptor: descriptor)
    }

    private init(descriptor: Int32) { self.descriptor = descriptor }

    deinit { try? Syscall.close(descriptor) }
}

@available(*, unavailable)
extension SyncLock: Sendable {}
