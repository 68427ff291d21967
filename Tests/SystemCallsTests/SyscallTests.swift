import Glibc
import SystemCalls
import Testing

/// The system-call layer on real descriptors: pipes and a temporary directory.
@Suite("system calls")
struct SyscallTests {
    /// A pipe holding `bytes`, its write end closed; returns the read end.
    private func pipeHolding(_ bytes: [UInt8]) throws -> Int32 {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        try Syscall.writeAll(ends[1], bytes)
        try Syscall.close(ends[1])
        return ends[0]
    }

    @Test(arguments: [0, 1, 65_535, 65_536, 200_001])
    func readToEndReadsEveryByte(_ count: Int) throws {
        let bytes = (0 ..< count).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        // A pipe buffer holds 64 KiB: write from a thread while reading.
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        let writeEnd = ends[1]
        let writer = Thread { try? Syscall.writeAll(writeEnd, bytes); try? Syscall.close(writeEnd) }
        defer { writer.join() }
        let read = try Syscall.readToEnd(ends[0])
        try Syscall.close(ends[0])
        #expect(read == bytes)
    }

    @Test func readToEndStopsOneByteOverItsLimit() throws {
        let fd = try pipeHolding(Array(repeating: 1, count: 100))
        defer { try? Syscall.close(fd) }
        #expect(try Syscall.readToEnd(fd, limit: 10).count == 11)
        let exact = try pipeHolding(Array(repeating: 1, count: 10))
        defer { try? Syscall.close(exact) }
        #expect(try Syscall.readToEnd(exact, limit: 10).count == 10)
    }

    @Test func failuresAreTypedWithReadableText() throws {
        #expect(throws: Errno.noSuchFile) { try Syscall.open("/nonexistent/fieldnotes-\(getpid())", O_RDONLY) }
        #expect(Errno.noSuchFile.description == "No such file or directory")
        #expect(Errno.tooManyOpenFiles.isResourceExhaustion && !Errno.connectionAborted.isResourceExhaustion)
        #expect(throws: Errno.badFileDescriptor) { try Syscall.close(-1) }
    }

    @Test func makeDirectoryReportsAnExistingOne() throws {
        let path = "/tmp/fieldnotes-syscall-\(getpid())-\(MonotonicClock.nowNanoseconds())"
        defer { rmdir(path) }
        #expect(try Syscall.makeDirectory(path, permissions: 0o700))
        #expect(try !Syscall.makeDirectory(path, permissions: 0o700))
        #expect(throws: Errno.noSuchFile) { try Syscall.makeDirectory(path + "/a/b", permissions: 0o700) }
    }

    /// `wait` returns false at its deadline when nothing arrives, true at once when something has.
    @Test func waitHonoursItsDeadline() throws {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        defer { try? Syscall.close(ends[0]); try? Syscall.close(ends[1]) }
        let started = MonotonicClock.nowMillis()
        #expect(try !Syscall.wait(fd: ends[0], events: Int16(POLLIN), deadlineMillis: started + 50))
        #expect(MonotonicClock.nowMillis() - started >= 50)
        try Syscall.writeAll(ends[1], [1])
        #expect(try Syscall.wait(fd: ends[0], events: Int16(POLLIN), deadlineMillis: MonotonicClock.nowMillis() + 10_000))
    }

    @Test func addressesResolveToSocketAddressBytes() throws {
        let v4 = try Syscall.resolve(host: "127.0.0.1", port: 7420, passive: false)
        #expect(v4.count == 1 && v4[0].family == AF_INET && v4[0].address.count == MemoryLayout<sockaddr_in>.size)
        // sockaddr_in: family, then the port in network order, then the address.
        #expect(Array(v4[0].address[2..<8]) == [0x1c, 0xfc, 127, 0, 0, 1])
        let v6 = try Syscall.resolve(host: "::1", port: 1, passive: false)
        #expect(v6.count == 1 && v6[0].family == AF_INET6 && v6[0].address.count == MemoryLayout<sockaddr_in6>.size)
        #expect(throws: ResolveError.self) { try Syscall.resolve(host: "not an address", port: 1, passive: false) }
    }

    @Test func clocksAgreeWithTheSystem() {
        let wall = WallClock.nowMillis()
        #expect(wall / 1000 >= UInt64(time(nil)) - 1 && wall / 1000 <= UInt64(time(nil)) + 1)
        let first = MonotonicClock.nowNanoseconds()
        Syscall.sleep(milliseconds: 20)
        #expect(MonotonicClock.nowNanoseconds() - first >= 20_000_000)
    }
}

/// A joinable POSIX thread, for a writer beside a blocking reader.
private final class Thread {
    private var handle = pthread_t()
    private let box: Unmanaged<Body>

    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    init(_ run: @escaping () -> Void) {
        box = Unmanaged.passRetained(Body(run))
        let result = pthread_create(&handle, nil, { argument in
            guard let argument else { return nil }
            Unmanaged<Body>.fromOpaque(argument).takeUnretainedValue().run()
            return nil
        }, box.toOpaque())
        precondition(result == 0, "pthread_create failed")
    }

    func join() {
        pthread_join(handle, nil)
        box.release()
    }
}
