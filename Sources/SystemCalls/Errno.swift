import Glibc

/// An `errno` value: the reason a system call failed, with names for the
/// codes callers act on and `strerror(3)`'s text as its description, so an
/// error message reads "No such file or directory", never "errno 2".
///
/// A struct of constants, not an enum: any code the kernel returns fits.
public struct Errno: RawRepresentable, Error, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// This thread's `errno` now: read it straight after the call that failed.
    public static var current: Errno { Errno(rawValue: Glibc.errno) }

    /// `strerror(3)`: "Too many open files", "Connection refused".
    public var description: String { String(cString: strerror(rawValue)) }

    /// EINTR: a signal arrived first; `Syscall` retries these itself.
    public static let interrupted = Errno(rawValue: EINTR)
    /// EAGAIN (EWOULDBLOCK on Linux): a non-blocking call would have waited.
    public static let wouldBlock = Errno(rawValue: EAGAIN)
    /// EINPROGRESS: a non-blocking `connect` has started.
    public static let inProgress = Errno(rawValue: EINPROGRESS)
    /// ENOENT.
    public static let noSuchFile = Errno(rawValue: ENOENT)
    /// EEXIST: `O_CREAT | O_EXCL` found a file there already.
    public static let fileExists = Errno(rawValue: EEXIST)
    /// EBADF.
    public static let badFileDescriptor = Errno(rawValue: EBADF)
    /// EINVAL.
    public static let invalidArgument = Errno(rawValue: EINVAL)
    /// EMFILE: this process has as many descriptors open as `RLIMIT_NOFILE` allows.
    public static let tooManyOpenFiles = Errno(rawValue: EMFILE)
    /// ENFILE: the system-wide table of open files is full.
    public static let tooManyOpenFilesInSystem = Errno(rawValue: ENFILE)
    /// ENOBUFS: the kernel has no socket buffers to spare.
    public static let noBufferSpace = Errno(rawValue: ENOBUFS)
    /// ENOMEM.
    public static let noMemory = Errno(rawValue: ENOMEM)
    /// ECONNABORTED: a connection was reset while it waited to be accepted.
    public static let connectionAborted = Errno(rawValue: ECONNABORTED)
    /// ECONNREFUSED: nothing listens there.
    public static let connectionRefused = Errno(rawValue: ECONNREFUSED)
    /// EPIPE: the reader has gone.
    public static let brokenPipe = Errno(rawValue: EPIPE)
    /// ENOTCONN.
    public static let notConnected = Errno(rawValue: ENOTCONN)

    /// Out of descriptors, memory or buffers: a failure that passes when
    /// something else lets go, so a loop meeting it must wait, not retry at once.
    public var isResourceExhaustion: Bool {
        self == .tooManyOpenFiles || self == .tooManyOpenFilesInSystem || self == .noBufferSpace || self == .noMemory
    }
}
