import CRDT

/// The tables and running clock one batch's operations are encoded against.
/// Tables grow as literals appear; a reference `r ≥ 1` names entry `r − 1`,
/// and `0` introduces a literal that becomes the next entry.
struct OperationEncoder {
    let origin: ReplicaID
    private var nextSeq: UInt64
    private var previousPhysical: UInt64 = 0
    /// Keyed by UTF-8 bytes, not `String`: Swift equates canonically
    /// equivalent strings, the wire compares bytes.
    private var names: [[UInt8]: UInt64] = [:]
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

    private mutating func appendName(_ name: String, _ what: String, to out: inout [UInt8]) throws(WireError) {
        let utf8 = Array(name.utf8)
        if let reference = names[utf8] {
            out.appendVarint(reference)
            return
        }
        guard utf8.count <= WireLimits.maxNameLength else {
            throw WireError(.limitExceeded, "Ops: \(what) is \(utf8.count) bytes, limit \(WireLimits.maxNameLength)")
        }
        out.append(0)
        out.appendVarint(UInt64(utf8.count))
        out.append(contentsOf: utf8)
        names[utf8] = UInt64(names.count + 1)
    }

    private mutating func appendIDs(_ ids: [OperationID], seq: UInt64, _ what: String, to out: inout [UInt8]) throws(WireError) {
        guard ids.count <= WireLimits.maxIDListLength else {
            throw WireError(.limitExceeded, "Ops: \(what) has \(ids.count) ids, limit \(WireLimits.maxIDListLength)")
        }
        out.appendVarint(UInt64(ids.count))
        for id in ids {
            if let reference = replicas[id.origin] {
                out.appendVarint(reference)
            } else {
                out.append(0)
                out.append(contentsOf: id.origin.bytes)
                replicas[id.origin] = UInt64(replicas.count + 1)
            }
            if id.origin == origin {
                // An operation can only name earlier operations of its own origin.
                guard id.seq >= 1, id.seq < seq else {
                    throw WireError(.invalidField, "Ops: operation \(origin):\(seq) names \(id) in \(what), not an earlier operation of its origin")
                }
                out.appendVarint(seq - id.seq)
            } else {
                guard id.seq >= 1 else { throw WireError(.invalidField, "Ops: \(what) names seq 0") }
                guard id.seq <= WireLimits.maxSeq else { throw WireError(.limitExceeded, "Ops: \(what) names seq \(id.seq), past 2^63 - 1") }
                out.appendVarint(id.seq)
            }
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
    private var nameBytes: Set<[UInt8]> = []
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
        let what = "operation \(seq)"
        let kindByte = try reader.readByte("\(what) kind")
        guard let kind = Action.Kind(rawValue: kindByte) else {
            throw reader.error(.unknownOperationKind, "\(what) has kind \(kindByte)")
        }
        let delta = unzigzag(try reader.readVarint("\(what) clock delta"))
        let (physical, overflow) = previousPhysical.addingReportingOverflow(delta)
        guard !overflow, physical >= 0, physical < OperationDecoder.physicalLimit else {
            throw reader.error(.invalidField, "\(what) clock leaves the 48-bit millisecond range")
        }
        previousPhysical = physical
        let logical = try reader.readVarint("\(what) logical clock", in: 0 ... UInt64(UInt16.max))
        let timestamp = Timestamp(physical: UInt64(physical), logical: UInt16(logical))
        let record = try readRecord(&reader, what)
        let action: Action
        switch kind {
        case .create:
            action = .create(type: try readName(&reader, "\(what) record type"))
        case .assign:
            let field = try readName(&reader, "\(what) field name")
            let value = try readValue(&reader, what)
            action = .assign(field: field, value: value, replaces: try readIDs(&reader, seq: seq, "\(what) replaces"))
        case .add:
            let set = try readName(&reader, "\(what) set name")
            action = .add(set: set, element: try readValue(&reader, what))
        case .remove:
            let set = try readName(&reader, "\(what) set name")
            let element = try readValue(&reader, what)
            action = .remove(set: set, element: element, observed: try readIDs(&reader, seq: seq, "\(what) observed"))
        case .erase:
            action = .erase(reason: try reader.readString("\(what) erase reason", limit: WireLimits.maxEraseReasonLength))
        }
        return Operation(id: OperationID(origin: origin, seq: seq), timestamp: timestamp, record: record, action: action)
    }

    private mutating func readRecord(_ reader: inout ByteReader, _ what: String) throws(WireError) -> RecordID {
        let reference = try reader.readVarint("\(what) record reference")
        if reference == 0 {
            let bytes = try reader.readBytes(16, "\(what) record id")
            guard let record = RecordID(bytes: bytes) else { throw reader.error(.truncated, "\(what) record id") }
            guard recordSet.insert(record).inserted else {
                throw reader.error(.nonCanonical, "\(what) repeats record \(record) as a literal; it must use its reference")
            }
            records.append(record)
            return record
        }
        guard reference <= UInt64(records.count) else {
            throw reader.error(.badReference, "\(what) names record \(reference) of \(records.count)")
        }
        return records[Int(reference) - 1]
    }

    private mutating func readName(_ reader: inout ByteReader, _ what: String) throws(WireError) -> String {
        let reference = try reader.readVarint("\(what) reference")
        if reference == 0 {
            let length = try reader.readVarint("\(what) length")
            guard length <= UInt64(WireLimits.maxNameLength) else {
                throw reader.error(.limitExceeded, "\(what) is \(length) bytes, limit \(WireLimits.maxNameLength)")
            }
            let name = try reader.readUTF8(Int(length), what)
            guard nameBytes.insert(Array(name.utf8)).inserted else {
                throw reader.error(.nonCanonical, "\(what) repeats \"\(name)\" as a literal; it must use its reference")
            }
            names.append(name)
            return name
        }
        guard reference <= UInt64(names.count) else {
            throw reader.error(.badReference, "\(what) names entry \(reference) of \(names.count)")
        }
        return names[Int(reference) - 1]
    }

    private mutating func readIDs(_ reader: inout ByteReader, seq: UInt64, _ what: String) throws(WireError) -> [OperationID] {
        let count = try reader.readCount("\(what) count", limit: WireLimits.maxIDListLength, minimumSize: 2)
        var ids: [OperationID] = []
        ids.reserveCapacity(count)
        for index in 0 ..< count {
            let reference = try reader.readVarint("\(what) id \(index) replica reference")
            let replica: ReplicaID
            if reference == 0 {
                replica = try reader.readReplicaID("\(what) id \(index) replica")
                guard replicaSet.insert(replica).inserted else {
                    throw reader.error(.nonCanonical, "\(what) id \(index) repeats replica \(replica) as a literal; it must use its reference")
                }
                replicas.append(replica)
            } else {
                guard reference <= UInt64(replicas.count) else {
                    throw reader.error(.badReference, "\(what) id \(index) names replica \(reference) of \(replicas.count)")
                }
                replica = replicas[Int(reference) - 1]
            }
            if replica == origin {
                guard seq >= 2 else {
                    throw reader.error(.invalidField, "\(what) id \(index): operation \(seq) has no earlier operation of its origin to name")
                }
                let back = try reader.readVarint("\(what) id \(index) seq distance", in: 1 ... seq - 1)
                ids.append(OperationID(origin: replica, seq: seq - back))
            } else {
                let seq = try reader.readVarint("\(what) id \(index) seq", in: 1 ... UInt64.max)
                guard seq <= WireLimits.maxSeq else { throw reader.error(.limitExceeded, "\(what) id \(index) seq \(seq) exceeds 2^63 - 1") }
                ids.append(OperationID(origin: replica, seq: seq))
            }
        }
        return ids
    }

    private func readValue(_ reader: inout ByteReader, _ what: String) throws(WireError) -> Value {
        let tag = try reader.readByte("\(what) value tag")
        switch tag {
        case ValueTag.null:
            return .null
        case ValueTag.false:
            return .bool(false)
        case ValueTag.true:
            return .bool(true)
        case ValueTag.number:
            let bits = try reader.readUInt64("\(what) number")
            let number = Double(bitPattern: bits)
            guard !number.isNaN else { throw reader.error(.invalidValue, "\(what) number is NaN") }
            guard ValueTag.exactInteger(number) == nil else {
                throw reader.error(.nonCanonical, "\(what) number \(number) is whole; it is sent as an integer (tag 5)")
            }
            return .number(number)
        case ValueTag.integer:
            let integer = unzigzag(try reader.readVarint("\(what) integer"))
            guard integer.magnitude <= UInt64(ValueTag.largestExactInteger) else {
                throw reader.error(.invalidValue, "\(what) integer \(integer) is beyond 2^53, where doubles lose whole numbers")
            }
            return .number(Double(integer))
        case ValueTag.text:
            return .text(try reader.readString("\(what) text", limit: WireLimits.maxTextLength))
        default:
            throw reader.error(.invalidValue, "\(what) value has tag \(tag)")
        }
    }
}
