import CRDT
import Formats
import Wire

/// The `decoded` form of messages, batches and operations in the test
/// vectors. Ids and byte strings are lower-case hex; integers are JSON
/// integers, exact to 64 bits (`Formats.JSON` keeps a number's text); a
/// value is JSON null, a boolean, a number or a string.
enum VectorJSON {
    static func message(_ message: Message) -> JSON {
        switch message {
        case .hello(let hello):
            return .object([
                ("type", .string("hello")),
                ("minVersion", .number(hello.versions.lowerBound)),
                ("maxVersion", .number(hello.versions.upperBound)),
                ("deviceName", .string(hello.deviceName)),
                ("replica", .string(hello.replica.hex)),
                ("nonce", .string(Hex.encode(hello.nonce))),
                ("wallClockMillis", .number(hello.wallClockMillis)),
            ])
        case .enrol(let token):
            return .object([("type", .string("enrol")), ("token", .string(Hex.encode(token.bytes))), ("text", .string(token.text))])
        case .welcome(let welcome):
            return .object([
                ("type", .string("welcome")),
                ("version", .number(welcome.version)),
                ("hubReplica", .string(welcome.hubReplica.hex)),
                ("wallClockMillis", .number(welcome.wallClockMillis)),
            ])
        case .error(let code, let text):
            return .object([
                ("type", .string("error")),
                ("code", .number(code.rawValue)),
                ("codeName", code.name.map(JSON.string) ?? .null),
                ("message", .string(text)),
            ])
        case .vector(let vector):
            return .object([
                ("type", .string("vector")),
                ("entries", .array(vector.sortedEntries.map {
                    .object([("origin", .string($0.origin.hex)), ("seq", .number($0.seq)), ("fingerprint", .string(Hex.encode($0.fingerprint)))])
                })),
            ])
        case .operations(let batchID, let batch):
            return .object([("type", .string("ops")), ("batchID", .number(batchID)), ("batch", self.batch(batch))])
        case .compressedOperations(let batchID, let batch):
            return .object([("type", .string("compressedOps")), ("batchID", .number(batchID)), ("batch", self.batch(batch))])
        case .ack(let batchID, let applied):
            return .object([("type", .string("ack")), ("batchID", .number(batchID)), ("applied", .number(applied))])
        case .done(let batches, let operations):
            return .object([("type", .string("done")), ("batches", .number(batches)), ("operations", .number(operations))])
        case .ping(let value):
            return .object([("type", .string("ping")), ("value", .number(value))])
        case .pong(let value):
            return .object([("type", .string("pong")), ("value", .number(value))])
        }
    }

    static func batch(_ batch: OperationBatch) -> JSON {
        .object([
            ("origin", .string(batch.origin.hex)),
            ("firstSeq", .number(batch.firstSeq)),
            ("operations", .array(batch.operations.map(operation))),
        ])
    }

    static func operation(_ operation: Operation) -> JSON {
        var members: [(String, JSON)] = [
            ("seq", .number(operation.id.seq)),
            ("timestamp", .object([("physical", .number(operation.timestamp.physical)),
                                   ("logical", .number(operation.timestamp.logical))])),
            ("record", .string(operation.record.hex)),
        ]
        switch operation.action {
        case .create(let type):
            members += [("kind", .string("create")), ("type", .string(type))]
        case .assign(let field, let value, let replaces):
            members += [("kind", .string("assign")), ("field", .string(field)), ("value", self.value(value)),
                        ("replaces", ids(replaces))]
        case .add(let set, let element):
            members += [("kind", .string("add")), ("set", .string(set)), ("element", value(element))]
        case .remove(let set, let element, let observed):
            members += [("kind", .string("remove")), ("set", .string(set)), ("element", value(element)),
                        ("observed", ids(observed))]
        case .erase(let reason):
            members += [("kind", .string("erase")), ("reason", .string(reason))]
        case .insertText(let field, let run):
            // In wire order; a purged run's text is null.
            members += [("kind", .string("insertText")), ("field", .string(field)), ("first", .number(run.first)), ("count", .number(run.count)),
                        ("left", character(run.left)), ("right", character(run.right)), ("text", run.text.map(JSON.string) ?? .null)]
        case .deleteText(let field, let ranges):
            members += [("kind", .string("deleteText")), ("field", .string(field)),
                        ("ranges", .array(ranges.map {
                            .object([("replica", .string($0.replica.hex)), ("first", .number($0.first)), ("count", .number($0.count))])
                        }))]
        }
        return .object(members)
    }

    /// A character id as `{"replica": hex, "counter": n}`; none is null.
    static func character(_ character: CharacterID?) -> JSON {
        guard let character else { return .null }
        return .object([("replica", .string(character.replica.hex)), ("counter", .number(character.counter))])
    }

    static func ids(_ ids: [OperationID]) -> JSON {
        .array(ids.map { .object([("origin", .string($0.origin.hex)), ("seq", .number($0.seq))]) })
    }

    /// Finite numbers as JSON numbers (Swift's shortest round-trip form);
    /// the infinities, which JSON lacks, as `{"number": "Infinity"}`.
    static func value(_ value: Value) -> JSON {
        switch value {
        case .null: return .null
        case .bool(let bool): return .bool(bool)
        // Swift's description of a finite Double ("2.0", "5e-324") is JSON number text.
        case .number(let number) where number.isFinite: return .number(JSON.Number(text: (number == 0 ? 0 : number).description)!)
        case .number(let number): return .object([("number", .string(number < 0 ? "-Infinity" : "Infinity"))])
        case .text(let text): return .string(text)
        }
    }
}
