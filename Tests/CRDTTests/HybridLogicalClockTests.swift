import CRDT
import Synthetic
import CRDTTestSupport
import Testing

@Suite struct HybridLogicalClockTests {
    static let now: UInt64 = 1_700_000_000_000
    static let tenMinutes: UInt64 = 600_000

    @Test func timestampsOrderByPhysicalThenLogical() {
        let a = Timestamp(physical: 10, logical: 0xFFFF)
        let b = Timestamp(physical: 11, logical: 0)
        #expect(a < b)
        #expect(Timestamp(physical: 10, logical: 1) < Timestamp(physical: 10, logical: 2))
        #expect(b.physical == 11 && b.logical == 0)
        #expect(a.packed == 10 << 16 | 0xFFFF)
        // Only 48 bits of milliseconds are kept.
        #expect(Timestamp(physical: 1 << 48 | 7, logical: 3) == Timestamp(physical: 7, logical: 3))
    }

    @Test func tickFollowsTheWallClockWhenItIsAhead() {
        var clock = HybridLogicalClock()
        #expect(clock.tick(wallMillis: Self.now) == Timestamp(physical: Self.now, logical: 0))
        #expect(clock.tick(wallMillis: Self.now + 5) == Timestamp(physical: Self.now + 5, logical: 0))
    }

    @Test func ticksStayMonotonicWhenTheWallClockGoesBackwards() {
        var clock = HybridLogicalClock()
        let first = clock.tick(wallMillis: Self.now)
        let second = clock.tick(wallMillis: Self.now - 1_000)
        let third = clock.tick(wallMillis: Self.now - 2_000)
        let fourth = clock.tick(wallMillis: Self.now)
        #expect(first < second && second < third && third < fourth)
        // Behind the latest, the physical part holds and the logical counter counts.
        #expect(second == Timestamp(physical: Self.now, logical: 1))
        #expect(fourth == Timestamp(physical: Self.now, logical: 3))
        #expect(clock.tick(wallMillis: Self.now + 1) == Timestamp(physical: Self.now + 1, logical: 0))
    }

    @Test func fullLogicalCounterCarriesIntoTheNextMillisecond() {
        var clock = HybridLogicalClock(latest: Timestamp(physical: 5, logical: 0xFFFE))
        #expect(clock.tick(wallMillis: 0) == Timestamp(physical: 5, logical: 0xFFFF))
        #expect(clock.tick(wallMillis: 0) == Timestamp(physical: 6, logical: 0))
        #expect(clock.tick(wallMillis: 6) == Timestamp(physical: 6, logical: 1))
        #expect(Timestamp(physical: 5, logical: 0xFFFF).successor == Timestamp(physical: 6, logical: 0))
    }

    @Test func observeMakesLaterLocalTicksGreaterThanAnyRemoteTimestamp() {
        var clock = HybridLogicalClock()
        _ = clock.tick(wallMillis: Self.now)
        let remote = Timestamp(physical: Self.now + 60_000, logical: 7)
        clock.observe(remote, wallMillis: Self.now + 1)
        #expect(clock.latest == remote)
        let next = clock.tick(wallMillis: Self.now + 2)
        #expect(next > remote)
        #expect(next == Timestamp(physical: Self.now + 60_000, logical: 8))
        // An older remote timestamp does not move the clock back.
        clock.observe(Timestamp(physical: 1, logical: 0), wallMillis: Self.now + 3)
        #expect(clock.latest == next)
        // A wall clock ahead of everything wins.
        clock.observe(remote, wallMillis: Self.now + 120_000)
        #expect(clock.latest == Timestamp(physical: Self.now + 120_000, logical: 0))
    }

    @Test(arguments: [UInt64(1), 2, 3, 0xDEAD_BEEF])
    func everyTickExceedsEverythingIssuedOrObservedBefore(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        var clock = HybridLogicalClock()
        var wall = Self.now
        var highest = Timestamp.zero
        for _ in 0..<5_000 {
            // A wall clock that wanders both ways, and remotes well ahead or behind.
            wall = rng.chance(20) ? wall - UInt64.random(in: 0...10_000, using: &rng) : wall + UInt64.random(in: 0...3, using: &rng)
            if rng.chance(30) {
                let remote = Timestamp(physical: wall + UInt64.random(in: 0...20_000, using: &rng) - 10_000,
                                       logical: UInt16.random(in: 0...0xFFFF, using: &rng))
                clock.observe(remote, wallMillis: wall)
                highest = max(highest, remote)
                #expect(clock.latest >= highest, "seed \(seed)")
            } else {
                let tick = clock.tick(wallMillis: wall)
                #expect(tick > highest, "seed \(seed): tick \(tick) not after \(highest)")
                #expect(tick.physical >= wall, "seed \(seed): tick \(tick) behind the wall clock \(wall)")
                highest = tick
            }
        }
    }

    @Test func replicaTenMinutesBehindStillOrdersItsReplyAfterWhatItSaw() {
        let ahead = ReplicaID(high: 0, low: 1)
        let behind = ReplicaID(high: 0, low: 2)
        var a = ReplicaState(replica: ahead)
        var b = ReplicaState(replica: behind)
        let note = RecordID(hex: "0123456789abcdef0123456789abcdef")!
        let create = a.makeLocal(note, .create(type: "note"), wallMillis: Self.now)
        let first = a.assign(note, "title", .text("from the right clock"), wallMillis: Self.now + 1)
        b.apply(create, wallMillis: Self.now - Self.tenMinutes)
        b.apply(first, wallMillis: Self.now - Self.tenMinutes)
        // B's wall clock is ten minutes behind, yet its reply orders after what it saw...
        let reply = b.assign(note, "title", .text("reply from the slow clock"), wallMillis: Self.now - Self.tenMinutes + 2)
        #expect(reply.timestamp > first.timestamp)
        // ...and stays within a few ticks of the real time it saw, not ten minutes off.
        #expect(reply.timestamp.physical == first.timestamp.physical)
        #expect(reply.timestamp == first.timestamp.successor)
        a.apply(reply, wallMillis: Self.now + 3)
        #expect(a.record(note)?.value("title") == .text("reply from the slow clock"))
        #expect(a.record(note)?.heads("title").count == 1)
        expectSame(a.observable, b.observable, "replicas differ")

        // A later local write on A, whose clock saw B's reply, orders after it.
        let later = a.assign(note, "title", .text("later"), wallMillis: Self.now + 3)
        #expect(later.timestamp > reply.timestamp)
    }

    @Test func concurrentWriteFromTheSlowClockLosesToTheFastOne() {
        var a = ReplicaState(replica: ReplicaID(high: 0, low: 1))
        var b = ReplicaState(replica: ReplicaID(high: 0, low: 2))
        let note = RecordID(hex: "0123456789abcdef0123456789abcdef")!
        let create = a.makeLocal(note, .create(type: "note"), wallMillis: Self.now - Self.tenMinutes - 5)
        b.apply(create)
        let fast = a.assign(note, "title", .text("fast"), wallMillis: Self.now)
        // B writes later in real time, but its clock is ten minutes behind and it has not seen A's write.
        let slow = b.assign(note, "title", .text("slow"), wallMillis: Self.now - Self.tenMinutes + 1_000)
        a.apply(slow)
        b.apply(fast)
        for replica in [a, b] {
            let heads = replica.record(note)?.heads("title") ?? []
            #expect(heads.map(\.value) == [.text("fast"), .text("slow")])
        }
    }
}
