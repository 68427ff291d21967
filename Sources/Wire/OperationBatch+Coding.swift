import CRDT

/// A name's UTF-8 bytes as a table key. Bytes, not `String`: Swift equates
/// canonically equivalent strings, the wire compares bytes. Hashed in one
/// pass over the bytes (`[UInt8]` feeds its hasher a byte at a time, which
/// was half of decoding a batch of literal names).
struct NameKey: Hashable {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}

/// The tables and running clock one batch's operations are encoded against.
/// Tables grow as literals appear; a reference `r ≥ 1` names entry `r − 1`,
/// and `0` introduces a literal that becomes the next entry. A character
/// reference is shifted by one, its `0` meaning no character: `1` is a
/// replica literal and `r ≥ 2` names entry `r − 2`.
struct OperationEncoder {
    let origin: ReplicaID
    private var nextSeq: UInt64
    private var previousPhysical: UInt64 = 0
    private var names: [NameKey: UInt64] = [:]
    private var records: [RecordID: UInt64] = [:]
    private var replicas: [ReplicaID: UInt64]

    init(origin: ReplicaID, firstSeq: UInt64) {
        self.origin = origin
        self.nextSeq = firstSeq
        self.replicas = [origin: 1]
    }

    mutating func append(_ operation: Operation, to out: inout [UInt8]) throws(WireError) {
        let seq = operation.id.seq
        guard operation.id.origin == origin, seq == nextSeq, seq >= 1 else {
            throw WireError(.invalidField, "Ops: operation \(operation.id) does not continue \(origin) at seq \(nextSeq)")
        }
        nextSeq &+= 1
        out.append(operation.action.kind.rawValue)
        let physical = operation.timestamp.physical
        // Both are below 2^48, so the difference cannot overflow.
        out.appendVarint(zigzag(Int64(physical) - Int64(previousPhysical)))
        out.appendVarint(UInt64(operation.timestamp.logical))
        previousPhysical = physical
        appendRecord(operation.record, to: &out)
        switch operation.action {
        case .create(let type):
            try appendName(type, "record type", to: &out)
        case .assign(let field, let value, let replaces):
            try appendName(field, "field name", to: &out)
            try appendValue(value, to: &out)
            try appendIDs(replaces, seq: seq, "replaces", to: &out)
        case .add(let set, let element):
            try appendName(set, "set name", to: &out)
            try appendValue(element, to: &out)
        case .remove(let set, let element, let observed):
            try appendName(set, "set name", to: &out)
            try appendValue(element, to: &out)
            try appendIDs(observed, seq: seq, "observed", to: &out)
        case .erase(let reason):
            try out.appendString(reason, limit: WireLimits.maxEraseReasonLength, "Ops: erase reason")
        case .insertText(let field, let run):
            try appendName(field, "field name", to: &out)
            try appendRun(run, to: &out)
        case .deleteText(let field, let ranges):
            try appendName(field, "field name", to: &out)
            try appendRanges(ranges, to: &out)
        }
    }

    private mutating func appendRecord(_ record: RecordID, to out: inout [UInt8]) {
        if let reference = records[record] {
            out.appendVarint(reference)
        } else {
            out.append(0)
            out.append(contentsOf: record.bytes)
            records[record] = UInt64(records.count + 1)
        }
    }

    private mutating func appendName(_ name: String, _ what: @autoclosure () -> String, to out: inout [UInt8]) throws(WireError) {
        let utf8 = Array(name.utf8)
        if let reference = names[NameKey(utf8)] {
            out.appendVarint(reference)
            return
        }
        guard utf8.count <= WireLimits.maxNameLength else {
            throw WireError(.limitExceeded, "Ops: \(what()) is \(utf8.count) bytes, limit \(WireLimits.maxNameLength)")
        }
        out.append(0)
        out.appendVarint(UInt64(utf8.count))
        out.append(contentsOf: utf8)
        names[NameKey(utf8)] = UInt64(names.count + 1)
    }

    private mutating func appendIDs(_ ids: [OperationID], seq: UInt64, _ what: @autoclosure () -> String, to out: inout [UInt8]) throws(WireError) {
        guard ids.count <= WireLimits.maxIDListLength else {
            throw WireError(.limitExceeded, "Ops: \(what()) has \(ids.count) ids, limit \(WireLimits.maxIDListLength)")
        }
        out.appendVarint(UInt64(ids.count))
        for id in ids {
            appendReplica(id.origin, literal: 0, to: &out)
            if id.origin == origin {
                // An operation can only name earlier operations of its own origin.
                guard id.seq >= 1, id.seq < seq else {
                    throw WireError(.invalidField, "Ops: operation \(origin):\(seq) names \(id) in \(what()), not an earlier operation of its origin")
                }
                out.appendVarint(seq - id.seq)
            } else {
                guard id.seq >= 1 else { throw WireError(.invalidField, "Ops: \(what()) names seq 0") }
                guard id.seq <= WireLimits.maxSeq else { throw WireError(.limitExceeded, "Ops: \(what()) names seq \(id.seq), past 2^63 - 1") }
                out.appendVarint(id.seq)
            }
        }
    }

    /// A replica reference: `literal` and the 16 bytes for a replica not yet
    /// in the table (it becomes the next entry), else `literal` + its entry
    /// number. Id lists and ranges use `literal` 0, character references 1
    /// (their 0 means no character).
    private mutating func appendReplica(_ replica: ReplicaID, literal: UInt64, to out: inout [UInt8]) {
        if let entry = replicas[replica] {
            out.appendVarint(entry + literal)
        } else {
            out.appendVarint(literal)
            out.append(contentsOf: replica.bytes)
            replicas[replica] = UInt64(replicas.count + 1)
        }
    }

    /// first, count, left, right, then the text (length 0 once purged).
    private mutating func appendRun(_ run: TextRun, to out: inout [UInt8]) throws(WireError) {
        try checkCharacters(first: run.first, count: run.count, "insertText run")
        guard run.count <= UInt64(WireLimits.maxTextRunLength) else {
            throw WireError(.limitExceeded, "Ops: insertText run of \(run.count) characters, limit \(WireLimits.maxTextRunLength)")
        }
        if let text = run.text {
            guard UInt64(text.unicodeScalars.count) == run.count else {
                throw WireError(.invalidField, "Ops: insertText run says \(run.count) characters, its text has \(text.unicodeScalars.count)")
            }
        }
        out.appendVarint(run.first)
        out.appendVarint(run.count)
        try appendCharacter(run.left, "left origin", to: &out)
        try appendCharacter(run.right, "right origin", to: &out)
        try out.appendString(run.text ?? "", limit: WireLimits.maxTextLength, "Ops: insertText text")
    }

    /// 0 for none; else a replica reference (literal 1) and the counter.
    private mutating func appendCharacter(_ character: CharacterID?, _ what: @autoclosure () -> String, to out: inout [UInt8]) throws(WireError) {
        guard let character else {
            out.append(0)
            return
        }
        try checkCharacters(first: character.counter, count: 1, what())
        appendReplica(character.replica, literal: 1, to: &out)
        out.appendVarint(character.counter)
    }

    private mutating func appendRanges(_ ranges: [CharacterRange], to out: inout [UInt8]) throws(WireError) {
        guard !ranges.isEmpty else { throw WireError(.invalidField, "Ops: deleteText names no characters") }
        guard ranges.count <= WireLimits.maxDeleteRanges else {
            throw WireError(.limitExceeded, "Ops: deleteText has \(ranges.count) ranges, limit \(WireLimits.maxDeleteRanges)")
        }
        out.appendVarint(UInt64(ranges.count))
        for range in ranges {
            try checkCharacters(first: range.first, count: range.count, "deleteText range")
            appendReplica(range.replica, literal: 0, to: &out)
            out.appendVarint(range.first)
            out.appendVarint(range.count)
        }
    }

    /// Counters `first ..< first + count`: at least one, from 1, up to 2^63 − 1.
    private func checkCharacters(first: UInt64, count: UInt64, _ what: @autoclosure () -> String) throws(WireError) {
        guard first >= 1, count >= 1 else { throw WireError(.invalidField, "Ops: \(what()) has counter \(first), count \(count)") }
        guard first <= WireLimits.maxSeq, count - 1 <= WireLimits.maxSeq - first else {
            throw WireError(.limitExceeded, "Ops: \(what()) from counter \(first) for \(count) passes 2^63 - 1")
        }
    }

    private func appendValue(_ value: Value, to out: inout [UInt8]) throws(WireError) {
        switch value {
        case .null:
            out.append(ValueTag.null)
        case .bool(let bool):
            out.append(bool ? ValueTag.true : ValueTag.false)
        case .number(let number):
            guard !number.isNaN else { throw WireError(.invalidValue, "Ops: a number value is NaN") }
            if let integer = ValueTag.exactInteger(number) {
                out.append(ValueTag.integer)
                out.appendVarint(zigzag(integer))
            } else {
                out.append(ValueTag.number)
                out.appendUInt64(number.bitPattern)
            }
        case .text(let text):
            out.append(ValueTag.text)
            try out.appendString(text, limit: WireLimits.maxTextLength, "Ops: text value")
        }
    }
}

/// The tag byte in front of every value.
enum ValueTag {
    static let null: UInt8 = 0
    static let `false`: UInt8 = 1
    static let `true`: UInt8 = 2
    static let number: UInt8 = 3
    static let text: UInt8 = 4
    /// A whole number of magnitude at most 2^53, as a zigzag varint: most
    /// measures and counts take one or two bytes instead of eight.
    static let integer: UInt8 = 5

    /// Every integer of this magnitude or less is exactly a double.
    static let largestExactInteger: Int64 = 1 << 53

    /// The number as an integer when it is whole and within ±2^53 (−0 counts as 0).
    static func exactInteger(_ number: Double) -> Int64? {
        guard number == number.rounded(), abs(number) <= Double(largestExactInteger) else { return nil }
        return Int64(number)
    }
}

/// Decodes one batch's operations against the same tables `OperationEncoder`
/// builds, refusing any encoding the encoder would not produce.
struct OperationDecoder {
    /// kind, clock delta, logical, record reference, name reference (or reason length).
    static let minimumOperationSize = 5
    private static let physicalLimit: Int64 = 1 << 48

    let origin: ReplicaID
    private var previousPhysical: Int64 = 0
    private var names: [String] = []
    private var nameBytes: Set<NameKey> = []
    private var records: [RecordID] = []
    private var recordSet: Set<RecordID> = []
    private var replicas: [ReplicaID]
    private var replicaSet: Set<ReplicaID>

    init(origin: ReplicaID) {
        self.origin = origin
        self.replicas = [origin]
        self.replicaSet = [origin]
    }

    mutating func decode(_ reader: inout ByteReader, seq: UInt64) throws(WireError) -> Operation {
        func what() -> String { "operation \(seq)" }
        let kindByte = try reader.readByte("\(what()) kind")
        guard let kind = Action.Kind(rawValue: kindByte) else {
            throw reader.error(.unknownOperationKind, "\(what()) has kind \(kindByte)")
        }
        let delta = unzigzag(try reader.readVarint("\(what()) clock delta"))
        let (physical, overflow) = previousPhysical.addingReportingOverflow(delta)
        guard !overflow, physical >= 0, physical < OperationDecoder.physicalLimit else {
            throw reader.error(.invalidField, "\(what()) clock leaves the 48-bit millisecond range")
        }
        previousPhysical = physical
        let logical = try reader.readVarint("\(what()) logical clock", in: 0 ... UInt64(UInt16.max))
        let timestamp = Timestamp(physical: UInt64(physical), logical: UInt16(logical))
        let record = try readRecord(&reader, what())
        let action: Action
        switch kind {
        case .create:
            action = .create(type: try readName(&reader, "\(what()) record type"))
        case .assign:
            let field = try readName(&reader, "\(what()) field name")
            let value = try readValue(&reader, what())
            action = .assign(field: field, value: value, replaces: try readIDs(&reader, seq: seq, "\(what()) replaces"))
        case .add:
            let set = try readName(&reader, "\(what()) set name")
            action = .add(set: set, element: try readValue(&reader, what()))
        case .remove:
            let set = try readName(&reader, "\(what()) set name")
            let element = try readValue(&reader, what())
            action = .remove(set: set, element: element, observed: try readIDs(&reader, seq: seq, "\(what()) observed"))
        case .erase:
            action = .erase(reason: try reader.readString("\(what()) erase reason", limit: WireLimits.maxEraseReasonLength))
        case .insertText:
            let field = try readName(&reader, "\(what()) field name")
            action = .insertText(field: field, run: try readRun(&reader, what()))
        case .deleteText:
            let field = try readName(&reader, "\(what()) field name")
            action = .deleteText(field: field, ranges: try readRanges(&reader, what()))
        }
        return Operation(id: OperationID(origin: origin, seq: seq), timestamp: timestamp, record: record, action: action)
    }

    private mutating func readRecord(_ reader: inout ByteReader, _ what: @autoclosure () -> String) throws(WireError) -> RecordID {
        let reference = try reader.readVarint("\(what()) record reference")
        if reference == 0 {
            let bytes = try reader.readBytes(16, "\(what()) record id")
            guard let record = RecordID(bytes: bytes) else { throw reader.error(.truncated, "\(what()) record id") }
            guard recordSet.insert(record).inserted else {
                throw reader.error(.nonCanonical, "\(what()) repeats record \(record) as a literal; it must use its reference")
            }
            records.append(record)
            return record
        }
        guard reference <= UInt64(records.count) else {
            throw reader.error(.badReference, "\(what()) names record \(reference) of \(records.count)")
        }
        return records[Int(reference) - 1]
    }

    private mutating func readName(_ reader: inout ByteReader, _ what: @autoclosure () -> String) throws(WireError) -> String {
        let reference = try reader.readVarint("\(what()) reference")
        if reference == 0 {
            let length = try reader.readVarint("\(what()) length")
            guard length <= UInt64(WireLimits.maxNameLength) else {
                throw reader.error(.limitExceeded, "\(what()) is \(length) bytes, limit \(WireLimits.maxNameLength)")
            }
            let (name, bytes) = try reader.readUTF8Bytes(Int(length), what())
            guard nameBytes.insert(NameKey(bytes)).inserted else {
                throw reader.error(.nonCanonical, "\(what()) repeats \"\(name)\" as a literal; it must use its reference")
            }
            names.append(name)
            return name
        }
        guard reference <= UInt64(names.count) else {
            throw reader.error(.badReference, "\(what()) names entry \(reference) of \(names.count)")
        }
        return names[Int(reference) - 1]
    }

    private mutating func readIDs(_ reader: inout ByteReader, seq: UInt64, _ what: @autoclosure () -> String) throws(WireError) -> [OperationID] {
        let count = try reader.readCount("\(what()) count", limit: WireLimits.maxIDListLength, minimumSize: 2)
        var ids: [OperationID] = []
        ids.reserveCapacity(count)
        for index in 0 ..< count {
            let reference = try reader.readVarint("\(what()) id \(index) replica reference")
            let replica = try readReplica(&reader, reference: reference, literal: 0, "\(what()) id \(index)")
            if replica == origin {
                guard seq >= 2 else {
                    throw reader.error(.invalidField, "\(what()) id \(index): operation \(seq) has no earlier operation of its origin to name")
                }
                let back = try reader.readVarint("\(what()) id \(index) seq distance", in: 1 ... seq - 1)
                ids.append(OperationID(origin: replica, seq: seq - back))
            } else {
                let seq = try reader.readVarint("\(what()) id \(index) seq", in: 1 ... UInt64.max)
                guard seq <= WireLimits.maxSeq else { throw reader.error(.limitExceeded, "\(what()) id \(index) seq \(seq) exceeds 2^63 - 1") }
                ids.append(OperationID(origin: replica, seq: seq))
            }
        }
        return ids
    }

    /// The replica a reference names: `reference == literal` introduces 16
    /// bytes that become the next table entry, a larger one names entry
    /// `reference − literal`. Id lists and ranges use `literal` 0,
    /// character references 1.
    private mutating func readReplica(_ reader: inout ByteReader, reference: UInt64, literal: UInt64,
                                      _ what: @autoclosure () -> String) throws(WireError) -> ReplicaID {
        if reference == literal {
            let replica = try reader.readReplicaID("\(what()) replica")
            guard replicaSet.insert(replica).inserted else {
                throw reader.error(.nonCanonical, "\(what()) repeats replica \(replica) as a literal; it must use its reference")
            }
            replicas.append(replica)
            return replica
        }
        let entry = reference - literal
        guard entry <= UInt64(replicas.count) else {
            throw reader.error(.badReference, "\(what()) names replica \(entry) of \(replicas.count)")
        }
        return replicas[Int(entry) - 1]
    }

    /// A character counter, or a range's first counter: 1 ... 2^63 − 1.
    private func readCounter(_ reader: inout ByteReader, _ what: @autoclosure () -> String) throws(WireError) -> UInt64 {
        let counter = try reader.readVarint(what())
        guard counter >= 1 else { throw reader.error(.invalidField, "\(what()) is 0; counters start at 1") }
        guard counter <= WireLimits.maxSeq else { throw reader.error(.limitExceeded, "\(what()) \(counter) exceeds 2^63 - 1") }
        return counter
    }

    /// The number of characters from `first`: at least 1, at most `limit`,
    /// and the last counter within 2^63 − 1.
    private func readCharacterCount(_ reader: inout ByteReader, first: UInt64, limit: UInt64, _ what: @autoclosure () -> String) throws(WireError) -> UInt64 {
        let count = try reader.readVarint(what())
        guard count >= 1 else { throw reader.error(.invalidField, "\(what()) is 0") }
        guard count <= limit else { throw reader.error(.limitExceeded, "\(what()) is \(count), limit \(limit)") }
        guard count - 1 <= WireLimits.maxSeq - first else {
            throw reader.error(.limitExceeded, "\(what()) \(count) from counter \(first) passes 2^63 - 1")
        }
        return count
    }

    /// 0 for none; else a replica reference (literal 1) and a counter.
    private mutating func readCharacter(_ reader: inout ByteReader, _ what: @autoclosure () -> String) throws(WireError) -> CharacterID? {
        let reference = try reader.readVarint("\(what()) reference")
        guard reference != 0 else { return nil }
        let replica = try readReplica(&reader, reference: reference, literal: 1, what())
        return CharacterID(replica: replica, counter: try readCounter(&reader, "\(what()) counter"))
    }

    private mutating func readRun(_ reader: inout ByteReader, _ what: @autoclosure () -> String) throws(WireError) -> TextRun {
        let first = try readCounter(&reader, "\(what()) first counter")
        let count = try readCharacterCount(&reader, first: first, limit: UInt64(WireLimits.maxTextRunLength), "\(what()) character count")
        let left = try readCharacter(&reader, "\(what()) left origin")
        let right = try readCharacter(&reader, "\(what()) right origin")
        // Length 0 is a run purged by an erase: counters, length and origins stay.
        let text = try reader.readString("\(what()) text", limit: WireLimits.maxTextLength)
        guard text.isEmpty || UInt64(text.unicodeScalars.count) == count else {
            throw reader.error(.invalidField, "\(what()) text has \(text.unicodeScalars.count) characters, its count says \(count)")
        }
        return TextRun(first: first, count: count, text: text.isEmpty ? nil : text, left: left, right: right)
    }

    private mutating func readRanges(_ reader: inout ByteReader, _ what: @autoclosure () -> String) throws(WireError) -> [CharacterRange] {
        // replica reference, first and count: 3 bytes at least.
        let count = try reader.readCount("\(what()) range count", limit: WireLimits.maxDeleteRanges, minimumSize: 3)
        guard count >= 1 else { throw reader.error(.invalidField, "\(what()) names no characters") }
        var ranges: [CharacterRange] = []
        ranges.reserveCapacity(count)
        for index in 0 ..< count {
            let reference = try reader.readVarint("\(what()) range \(index) replica reference")
            let replica = try readReplica(&reader, reference: reference, literal: 0, "\(what()) range \(index)")
            let first = try readCounter(&reader, "\(what()) range \(index) first counter")
            let length = try readCharacterCount(&reader, first: first, limit: UInt64.max, "\(what()) range \(index) count")
            ranges.append(CharacterRange(replica: replica, first: first, count: length))
        }
        return ranges
    }

    private func readValue(_ reader: inout ByteReader, _ what: @autoclosure () -> String) throws(WireError) -> Value {
        let tag = try reader.readByte("\(what()) value tag")
        switch tag {
        case ValueTag.null:
            return .null
        case ValueTag.false:
            return .bool(false)
        case ValueTag.true:
            return .bool(true)
        case ValueTag.number:
            let bits = try reader.readUInt64("\(what()) number")
            let number = Double(bitPattern: bits)
            guard !number.isNaN else { throw reader.error(.invalidValue, "\(what()) number is NaN") }
            guard ValueTag.exactInteger(number) == nil else {
                throw reader.error(.nonCanonical, "\(what()) number \(number) is whole; it is sent as an integer (tag 5)")
            }
            return .number(number)
        case ValueTag.integer:
            let integer = unzigzag(try reader.readVarint("\(what()) integer"))
            guard integer.magnitude <= UInt64(ValueTag.largestExactInteger) else {
                throw reader.error(.invalidValue, "\(what()) integer \(integer) is beyond 2^53, where doubles lose whole numbers")
            }
            return .number(Double(integer))
        case ValueTag.text:
            return .text(try reader.readString("\(what()) text", limit: WireLimits.maxTextLength))
        default:
            throw reader.error(.invalidValue, "\(what()) value has tag \(tag)")
        }
    }
}
