import Deflate

/// CRC-32 as ZIP uses it (ISO 3309 / ITU-T V.42: reflected polynomial
/// 0xEDB88320, initial value and final XOR 0xFFFFFFFF), by zlib's `crc32`
/// (`Deflate.crc32`), which is several times faster than a table-driven
/// loop in Swift (slicing-by-8 here before: ~1 GB/s against ~3.5 GB/s).
struct CRC32 {
    private(set) var value: UInt32 = 0

    mutating func update<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes) where Bytes.Index == Int {
        value = Deflate.crc32(value, bytes)
    }

    static func checksum<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes) -> UInt32 where Bytes.Index == Int {
        var crc = CRC32()
        crc.update(bytes)
        return crc.value
    }
}
