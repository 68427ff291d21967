import Foundation
import Store
import SystemCalls
import Testing

/// Finding whether a store's file system is encrypted, on made-up `/proc`
/// and `/sys` trees shaped as the kernel lays them out.
@Suite("storage volume")
struct StorageVolumeTests {
    /// 253:7 as `st_dev` encodes it (glibc's `makedev`).
    static let device: UInt64 = (253 << 8) | 7

    /// A root holding `proc/self/mountinfo` with the store's file system on `source`.
    static func makeRoot(_ directory: String, deviceNumber: String = "253:7", type: String = "ext4", source: String = "/dev/mapper/vg-home") throws {
        try FileManager.default.createDirectory(atPath: directory + "/proc/self", withIntermediateDirectories: true)
        let mountinfo = """
            22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
            30 22 \(deviceNumber) / /home rw,relatime shared:9 - \(type) \(source) rw,seclabel

            """
        try Data(mountinfo.utf8).write(to: URL(fileURLWithPath: directory + "/proc/self/mountinfo"))
    }

    static func write(_ path: String, _ text: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    @Test func aDmCryptMappingIsEncrypted() throws {
        try withTemporaryDirectory { root in
            try Self.makeRoot(root)
            try Self.write(root + "/sys/dev/block/253:7/dm/uuid", "CRYPT-LUKS2-0123456789abcdef-luks-home\n")
            try Self.write(root + "/sys/dev/block/253:7/dm/name", "luks-home\n")
            #expect(StorageVolume.encryption(ofDevice: Self.device, root: root) == .dmCrypt("/dev/mapper/vg-home (luks-home)"))
        }
    }

    /// LVM on LUKS: the logical volume is a dm device whose slave is the crypt mapping.
    @Test func aLogicalVolumeOnLUKSIsEncrypted() throws {
        try withTemporaryDirectory { root in
            try Self.makeRoot(root)
            try Self.write(root + "/sys/dev/block/253:7/dm/uuid", "LVM-abcdefABCDEF\n")
            try FileManager.default.createDirectory(atPath: root + "/sys/dev/block/253:7/slaves/dm-0", withIntermediateDirectories: true)
            try Self.write(root + "/sys/class/block/dm-0/dm/uuid", "CRYPT-LUKS2-feedface-cryptroot\n")
            try Self.write(root + "/sys/class/block/dm-0/dm/name", "cryptroot\n")
            #expect(StorageVolume.encryption(ofDevice: Self.device, root: root) == .dmCrypt("dm-0 (cryptroot)"))
        }
    }

    @Test func aLogicalVolumeOnAPlainDiskIsNot() throws {
        try withTemporaryDirectory { root in
            try Self.makeRoot(root)
            try Self.write(root + "/sys/dev/block/253:7/dm/uuid", "LVM-abcdefABCDEF\n")
            try FileManager.default.createDirectory(atPath: root + "/sys/dev/block/253:7/slaves/sda2", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: root + "/sys/class/block/sda2", withIntermediateDirectories: true)
            #expect(StorageVolume.encryption(ofDevice: Self.device, root: root) == .notFound(device: "/dev/mapper/vg-home"))
        }
    }

    @Test func aVirtualFileSystemIsUnknown() throws {
        try withTemporaryDirectory { root in
            try Self.makeRoot(root, deviceNumber: "0:42", type: "tmpfs", source: "tmpfs")
            guard case .unknown(let why) = StorageVolume.encryption(ofDevice: 42, root: root) else {
                Issue.record("a tmpfs store should be unknown")
                return
            }
            #expect(why.contains("tmpfs"))
        }
    }

    @Test func anECryptfsMountIsEncrypted() throws {
        try withTemporaryDirectory { root in
            try Self.makeRoot(root, type: "ecryptfs", source: "/home/.ecryptfs/alice/.Private")
            #expect(StorageVolume.encryption(ofDevice: Self.device, root: root) == .ecryptfs)
        }
    }

    @Test func aDeviceMissingFromMountinfoIsUnknown() throws {
        try withTemporaryDirectory { root in
            try Self.makeRoot(root)
            guard case .unknown = StorageVolume.encryption(ofDevice: (8 << 8) | 9, root: root) else {
                Issue.record("no mount line: unknown")
                return
            }
        }
    }

    @Test func freeSpaceIsReadForARealDirectory() throws {
        try withTemporaryDirectory { directory in
            let volume = try StorageVolume.space(at: directory)
            #expect(volume.totalBytes > 0 && volume.availableBytes <= volume.totalBytes)
            // The error is the call's own, named: not a stale errno.
            #expect(throws: Errno.noSuchFile) { try StorageVolume.space(at: directory + "/missing/deeper") }
        }
    }
}
