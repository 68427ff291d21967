import CRDT
import Testing
import Wire

@Suite struct OperationBatchTests {
    @Test func randomBatchesRoundTripExactly() throws {
        var generator = OperationGenerator(seed: 5)
        for _ in 0 ..< 400 {
            let operations = generator.batch()
            let batch = try OperationBatch(operations)
            let bytes = try batch.encode()
            let decoded = try OperationBatch.decode(bytes)
            #expect(decoded == batch)
            #expect(try decoded.encode() == bytes)
            // Byte-exact strings too (Swift's == equates canonically equivalent text).
            #expect(decoded.operations.map { VectorJSON.operation($0) } == batch.operations.map { VectorJSON.operation($0) })
        }
    }

    @Test func canonicallyEquivalentNamesStayDistinct() throws {
        let operations = [
            Fixtures.op(1, at: 1, Fixtures.note1, .create(type: "café")),
            Fixtures.op(2, at: 2, Fixtures.note2, .create(type: "cafe\u{301}")),
        ]
        let decoded = try OperationBatch.decode(try OperationBatch(operations).encode())
        let types = decoded.operations.map { operation -> [UInt8] in
            if case .create(let type) = operation.action { return Array(type.utf8) }
            return []
        }
        #expect(types == [Array("café".utf8), Array("cafe\u{301}".utf8)])
    }

    @Test func negativeZeroIsSentAsZero() throws {
        let batch = try OperationBatch([Fixtures.op(1, at: 1, Fixtures.note1, .assign(field: "x", value: .number(-0.0), replaces: []))])
        let decoded = try OperationBatch.decode(try batch.encode())
        guard case .assign(_, .number(let number), _) = decoded.operations.first?.action else {
            Issue.record("not an assign of a number")
            return
        }
        #expect(number.sign == .plus && number == 0)
    }

    @Test func encoderRefusesWhatADecoderWouldReject() throws {
        let nan = [Fixtures.op(1, at: 1, Fixtures.note1, .assign(field: "x", value: .number(.nan), replaces: []))]
        #expect(throws: WireError.self) { try OperationBatch(nan).encode() }
        let namesItself = [Fixtures.op(3, at: 1, Fixtures.note1,
                                       .assign(field: "x", value: .null, replaces: [OperationID(origin: Fixtures.device, seq: 3)]))]
        #expect(throws: WireError.self) { try OperationBatch(namesItself).encode() }
        let longName = [Fixtures.op(1, at: 1, Fixtures.note1, .create(type: String(repeating: "n", count: 256)))]
        #expect(throws: WireError.self) { try OperationBatch(longName).encode() }
        let longText = [Fixtures.op(1, at: 1, Fixtures.note1,
                                    .add(set: "s", element: .text(String(repeating: "t", count: WireLimits.maxTextLength + 1))))]
        #expect(throws: WireError.self) { try OperationBatch(longText).encode() }
        let foreignSeqZero = [Fixtures.op(1, at: 1, Fixtures.note1,
                                          .assign(field: "x", value: .null, replaces: [OperationID(origin: Fixtures.tablet, seq: 0)]))]
        #expect(throws: WireError.self) { try OperationBatch(foreignSeqZero).encode() }
    }

    @Test func encoderRefusesTextOperationsADecoderWouldReject() {
        func refused(_ action: Action, _ code: WireError.Code, _ comment: Comment) {
            do {
                _ = try OperationBatch([Fixtures.op(1, at: 1, Fixtures.note1, action)]).encode()
                Issue.record("encoded: \(comment)")
            } catch {
                #expect(error.code == code, comment)
            }
        }
        let tablet = CharacterID(replica: Fixtures.tablet, counter: 4)
        func insert(_ run: TextRun) -> Action { .insertText(field: "body", run: run) }
        refused(insert(TextRun(first: 1, count: 3, text: "ab", left: nil, right: nil)), .invalidField, "text shorter than its count")
        refused(insert(TextRun(first: 1, count: 1, text: "e\u{301}", left: nil, right: nil)), .invalidField,
                "e and a combining accent are 2 characters")
        refused(insert(TextRun(first: 1, count: 1, text: "", left: nil, right: nil)), .invalidField, "an empty text that is not purged")
        refused(insert(TextRun(first: 1, count: 0, text: nil, left: nil, right: nil)), .invalidField, "count 0")
        refused(insert(TextRun(first: 0, text: "a", left: nil, right: nil)), .invalidField, "first 0")
        refused(insert(TextRun(first: WireLimits.maxSeq, text: "ab", left: nil, right: nil)), .limitExceeded, "run past 2^63 - 1")
        refused(insert(TextRun(first: 1, text: "a", left: CharacterID(replica: Fixtures.tablet, counter: 0), right: nil)),
                .invalidField, "origin counter 0")
        refused(insert(TextRun(first: 1, text: "a", left: tablet, right: CharacterID(replica: Fixtures.hub, counter: WireLimits.maxSeq + 1))),
                .limitExceeded, "origin counter 2^63")
        refused(insert(TextRun(first: 1, count: UInt64(WireLimits.maxTextRunLength + 1), text: nil, left: nil, right: nil)),
                .limitExceeded, "a run over 512 Ki characters")
        refused(.deleteText(field: "body", ranges: []), .invalidField, "no ranges")
        refused(.deleteText(field: "body", ranges: Array(repeating: CharacterRange(replica: Fixtures.tablet, first: 1, count: 1),
                                                         count: WireLimits.maxDeleteRanges + 1)), .limitExceeded, "1025 ranges")
        refused(.deleteText(field: "body", ranges: [CharacterRange(replica: Fixtures.tablet, first: 1, count: 0)]), .invalidField, "range count 0")
        refused(.deleteText(field: "body", ranges: [CharacterRange(replica: Fixtures.tablet, first: 0, count: 1)]), .invalidField, "range first 0")
        refused(.deleteText(field: "body", ranges: [CharacterRange(replica: Fixtures.tablet, first: WireLimits.maxSeq, count: 2)]),
                .limitExceeded, "range past 2^63 - 1")
    }

    /// The largest run the limits allow (512 Ki one-byte characters) and the
    /// most ranges both go, and the run fits a frame alone.
    @Test func textOperationsAtTheirLimitsRoundTrip() throws {
        let run = TextRun(first: 1, text: String(repeating: "a", count: WireLimits.maxTextRunLength),
                          left: CharacterID(replica: Fixtures.tablet, counter: WireLimits.maxSeq), right: nil)
        let ranges = (1 ... UInt64(WireLimits.maxDeleteRanges)).map {
            CharacterRange(replica: $0 % 2 == 0 ? Fixtures.device : Fixtures.tablet, first: $0 * 10, count: 5)
        }
        let operations = [Fixtures.op(1, at: 1, Fixtures.note1, .insertText(field: "body", run: run)),
                          Fixtures.op(2, at: 2, Fixtures.note1, .deleteText(field: "body", ranges: ranges))]
        let batch = try OperationBatch(operations)
        #expect(try OperationBatch.decode(try batch.encode()) == batch)
        #expect(try OperationBatch.split(operations).count == 1)
    }

    @Test func batchesHoldConsecutiveOperationsOfOneOrigin() {
        #expect(throws: WireError.self) { try OperationBatch([]) }
        #expect(throws: WireError.self) {
            try OperationBatch([Fixtures.op(1, at: 1, Fixtures.note1, .create(type: "note")),
                                Fixtures.op(3, at: 2, Fixtures.note1, .create(type: "note"))])
        }
        #expect(throws: WireError.self) {
            try OperationBatch([Fixtures.op(1, at: 1, Fixtures.note1, .create(type: "note")),
                                Fixtures.op(2, at: 2, Fixtures.note1, .create(type: "note"), origin: Fixtures.tablet)])
        }
        #expect(throws: WireError.self) { try OperationBatch([Fixtures.op(0, at: 1, Fixtures.note1, .create(type: "note"))]) }
        let tooMany = (1 ... UInt64(WireLimits.maxBatchOperations + 1)).map { Fixtures.op($0, at: $0, Fixtures.note1, .create(type: "note")) }
        #expect(throws: WireError.self) { try OperationBatch(tooMany) }
    }

    @Test func splitRespectsTheOperationAndFrameLimits() throws {
        var state = ReplicaState(replica: Fixtures.device)
        var wall = Fixtures.deviceClock
        for index in 0 ..< 2500 {
            wall += 1_500
            let record = Fixtures.randomRecord(seed: UInt64(index / 5))
            if index % 5 == 0 { _ = state.makeLocal(record, .create(type: "note"), wallMillis: wall) } else {
                state.assign(record, "body", .text(String(repeating: "w", count: 200 + index % 300)), wallMillis: wall)
            }
        }
        let operations = (1 ... 2500).compactMap { state.operations[OperationID(origin: Fixtures.device, seq: UInt64($0))] }
        #expect(operations.count == 2500)

        let byCount = try OperationBatch.split(operations)
        #expect(byCount.map(\.operations.count) == [1024, 1024, 452])
        #expect(byCount.flatMap(\.operations) == operations)

        let small = try OperationBatch.split(operations, maxOperations: 100, maxFrameLength: 4096)
        #expect(small.flatMap(\.operations) == operations)
        let encoder = FrameEncoder()
        for (index, batch) in small.enumerated() {
            #expect(batch.operations.count <= 100)
            let frame = try encoder.encode(.operations(batchID: UInt64.max - UInt64(index), batch: batch))
            #expect(frame.count - 4 <= 4096)
        }
        #expect(throws: WireError.self) { try OperationBatch.split(operations, maxFrameLength: 100) }
    }
}

extension Fixtures {
    static func randomRecord(seed: UInt64) -> RecordID {
        guard let id = RecordID(bytes: randomBytes(16, seed: 1_000 + seed)) else { preconditionFailure("16 bytes make a record id") }
        return id
    }
}
