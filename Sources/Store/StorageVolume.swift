import Glibc
import SystemCalls

/// What can be learnt about the file system holding a path: free space
/// (`statvfs(3)`) and whether it sits on an encrypted block device.
public struct StorageVolume: Sendable, Equatable {
    /// Bytes an unprivileged process may still write.
    public let availableBytes: UInt64
    public let totalBytes: UInt64

    public enum Encryption: Sendable, Equatable {
        /// On a dm-crypt (LUKS) mapping, named here (`dm-0 (luks-…)`).
        case dmCrypt(String)
        /// On an eCryptfs mount.
        case ecryptfs
        /// On a real block device with no dm-crypt mapping beneath it.
        case notFound(device: String)
        /// Not decidable from here (a virtual file system, no `/sys`): why.
        case unknown(String)
    }

    /// Free space on the file system holding `path` (a file or directory);
    /// throws `statvfs(3)`'s error if it cannot be examined.
    public static func space(at path: String) throws(Errno) -> StorageVolume {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { throw Errno.current }
        return StorageVolume(availableBytes: UInt64(info.f_bavail) * UInt64(info.f_frsize),
                             totalBytes: UInt64(info.f_blocks) * UInt64(info.f_frsize))
    }

    /// Whether the file system holding `path` is encrypted: finds its device
    /// number (`stat(2)`'s `st_dev`), its mount in `mountinfo`, and walks the
    /// block device's stack under `/sys/dev/block/MAJ:MIN` (`dm/uuid` of a
    /// dm-crypt mapping starts with `CRYPT-`; `slaves/` names what lies
    /// beneath a device-mapper device, such as LVM on LUKS). `root` prefixes
    /// `/proc` and `/sys`, for tests.
    public static func encryption(at path: String, root: String = "") -> Encryption {
        var info = stat()
        guard stat(path, &info) == 0 else { return .unknown("cannot examine \(path)") }
        return encryption(ofDevice: UInt64(info.st_dev), root: root)
    }

    /// `encryption(at:root:)` for the file system whose device number
    /// (`st_dev`) is `device`.
    public static func encryption(ofDevice device: UInt64, root: String = "") -> Encryption {
        let major = ((device >> 8) & 0xfff) | ((device >> 32) & ~UInt64(0xfff))
        let minor = (device & 0xff) | ((device >> 12) & ~UInt64(0xff))
        guard let mountinfo = readText(root + "/proc/self/mountinfo") else { return .unknown("cannot read /proc/self/mountinfo") }
        var number = "\(major):\(minor)"
        // mountinfo: ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS... - FSTYPE SOURCE SUPEROPTIONS
        guard let line = mountinfo.split(separator: "\n").first(where: { $0.split(separator: " ").dropFirst(2).first.map(String.init) == number }) else {
            return .unknown("no mount of device \(number) in /proc/self/mountinfo")
        }
        let fields = line.split(separator: " ").map(String.init)
        let tail = fields.firstIndex(of: "-").map { Array(fields[($0 + 1)...]) } ?? []
        let type = tail.first ?? "?"
        let source = tail.count > 1 ? tail[1] : "?"
        if type == "ecryptfs" { return .ecryptfs }
        if major == 0 {
            // A file system with an anonymous device number (btrfs, overlay, tmpfs):
            // its source, if a block device, names the real one.
            var sourceInfo = stat()
            guard source.hasPrefix("/dev/"), stat(root + source, &sourceInfo) == 0, sourceInfo.st_mode & S_IFMT == S_IFBLK else {
                return .unknown("the store is on a '\(type)' file system (source \(source)), not directly on a disk")
            }
            let real = UInt64(sourceInfo.st_rdev)
            number = "\(((real >> 8) & 0xfff) | ((real >> 32) & ~UInt64(0xfff))):\((real & 0xff) | ((real >> 12) & ~UInt64(0xff)))"
        }
        let sys = root + "/sys/dev/block/" + number
        guard access(sys, F_OK) == 0 else { return .unknown("no \(sys) to examine") }
        return walk(sys, root: root, name: source, depth: 0)
    }

    /// Looks at one block device and, through `slaves/`, those beneath it.
    private static func walk(_ sys: String, root: String, name: String, depth: Int) -> Encryption {
        let uuid = firstLine(sys + "/dm/uuid") ?? ""
        if uuid.hasPrefix("CRYPT-") {
            let mapped = firstLine(sys + "/dm/name")
            return .dmCrypt(mapped.map { "\(name) (\($0))" } ?? name)
        }
        guard depth < 8 else { return .notFound(device: name) }
        for slave in directoryEntries(sys + "/slaves") {
            if case .dmCrypt(let found) = walk(root + "/sys/class/block/" + slave, root: root, name: slave, depth: depth + 1) {
                return .dmCrypt(found)
            }
        }
        return .notFound(device: name)
    }

    private static func readText(_ path: String) -> String? {
        guard let fd = try? Syscall.open(path, O_RDONLY | O_CLOEXEC) else { return nil }
        defer { try? Syscall.close(fd) }
        guard let bytes = try? Syscall.readToEnd(fd, limit: 1 << 20) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func firstLine(_ path: String) -> String? {
        readText(path)?.split(separator: "\n").first.map { String($0).filter { $0 != " " } }
    }

    private static func directoryEntries(_ path: String) -> [String] {
        ((try? Syscall.directoryEntries(path)) ?? []).sorted()
    }
}
