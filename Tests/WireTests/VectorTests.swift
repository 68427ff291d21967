import CRDT
import Formats
import Testing
import Wire

/// The committed vectors in `Protocol/vectors/`: they match the catalog
/// that builds them, every one decodes to its `decoded` form and re-encodes
/// byte for byte, and every reject vector fails with its named error.
@Suite struct VectorTests {
    @Test func committedVectorsMatchTheCatalog() throws {
        let files = try VectorCatalog.all()
        for file in files {
            if VectorFiles.isRecording {
                try VectorFiles.write(file)
                print("recorded Protocol/vectors/\(file.fileName).json (\(file.vectors.count) vectors)")
            } else {
                let committed = try? VectorFiles.text(file.fileName)
                #expect(committed == file.text,
                        "\(file.fileName).json differs from the catalog; check the change, then re-record with FIELDNOTES_RECORD_VECTORS=1")
            }
        }
        // A file the catalog no longer makes (a message of an older version) must not linger.
        let made = Set(files.map { $0.fileName + ".json" })
        let stray = try VectorFiles.jsonFileNames().filter { !made.contains($0) }
        #expect(stray.isEmpty, "Protocol/vectors holds files the catalog does not make: \(stray.sorted())")
    }

    @Test(arguments: VectorCatalog.messageFiles)
    func messageVectorsRoundTrip(file: String) throws {
        let vectors = try VectorFiles.vectors(file)
        #expect(!vectors.isEmpty)
        for vector in vectors {
            let name = vector["name"]?.stringValue ?? "?"
            let bytes = try VectorFiles.bytes(vector)
            var decoder = FrameDecoder(expectingMagic: false)
            decoder.append(bytes)
            let message = try #require(try decoder.decodeMessage(), "\(file): \(name)")
            #expect(decoder.bufferedByteCount == 0, "\(file): \(name)")
            #expect(VectorJSON.message(message) == vector["decoded"], "\(file): \(name)")
            #expect(vector["decoded"]?["type"]?.stringValue == file)
            #expect(vector["roundtrip"] == .bool(true))
            #expect(try message.encode() == bytes, "\(file): \(name) does not re-encode byte for byte")
        }
    }

    /// CompressedOps (version 4): every vector decodes to its batch, its
    /// stream inflates to `inflated`, and what our encoder makes of the
    /// message decodes to the same message (DEFLATE has many encodings of
    /// one input, so the bytes need not match).
    @Test func compressedOpsVectorsInflateToTheirBatch() throws {
        let vectors = try VectorFiles.vectors("compressed-ops")
        #expect(vectors.count >= 2)
        for vector in vectors {
            let name = vector["name"]?.stringValue ?? "?"
            let bytes = try VectorFiles.bytes(vector)
            let inflatedHex = try #require(vector["inflated"]?.stringValue)
            let inflated = try #require(Hex.decode(inflatedHex))
            var decoder = FrameDecoder(expectingMagic: false)
            decoder.beginSession()
            for byte in bytes { decoder.append([byte]) }
            let message = try #require(try decoder.decodeMessage(), "\(name)")
            #expect(VectorJSON.message(message) == vector["decoded"], "\(name)")
            #expect(vector["roundtrip"] == .bool(false))
            guard case .compressedOperations(let batchID, let batch) = message else {
                Issue.record("\(name) is not a CompressedOps")
                continue
            }
            #expect(try batch.encode() == inflated, "\(name)")
            let again = try Message.decode(try message.frame())
            #expect(again == message, "\(name): our encoding of it does not decode to it")
            #expect(try message.payload().count < (try Message.operations(batchID: batchID, batch: batch).payload().count))
            // A version 4 sender picks it over Ops for this batch, a version 3 sender never.
            // Its frame is built once, and is the frame the message encodes to.
            let chosen = try Message.ops(batchID: batchID, batch: batch, version: 4)
            #expect(chosen.message == message)
            #expect(chosen.frame == (try message.frame()))
            let older = try Message.ops(batchID: batchID, batch: batch, version: 3)
            #expect(older.message == .operations(batchID: batchID, batch: batch))
            #expect(older.frame == (try older.message.frame()))
        }
    }

    @Test(arguments: VectorCatalog.operationFiles)
    func operationVectorsRoundTrip(file: String) throws {
        // "operation-insert-text" holds kind "insertText".
        let words = file.dropFirst("operation-".count).split(separator: "-")
        let kind = words.enumerated().map { $0.offset == 0 ? String($0.element) : $0.element.prefix(1).uppercased() + $0.element.dropFirst() }.joined()
        for vector in try VectorFiles.vectors(file) {
            let name = vector["name"]?.stringValue ?? "?"
            let bytes = try VectorFiles.bytes(vector)
            let batch = try OperationBatch.decode(bytes)
            #expect(VectorJSON.batch(batch) == vector["decoded"], "\(file): \(name)")
            #expect(try batch.encode() == bytes, "\(file): \(name) does not re-encode byte for byte")
            #expect(batch.operations.contains { VectorJSON.operation($0)["kind"]?.stringValue == kind }, "\(file): \(name)")
            // The same batch inside an Ops frame decodes too.
            let message = try Message.decode(Frame(type: .operations, payload: [1] + bytes))
            #expect(message == .operations(batchID: 1, batch: batch))
        }
    }

    @Test func rejectVectorsFailWithTheirError() throws {
        let vectors = try VectorFiles.vectors("reject")
        #expect(vectors.count > 80)
        for vector in vectors {
            let name = vector["name"]?.stringValue ?? "?"
            let decoder = try #require(vector["decoder"]?.stringValue)
            let expected = try #require(vector["error"]?.stringValue)
            let bytes = try VectorFiles.bytes(vector)
            let whole = Self.firstError(decoder: decoder, bytes: bytes, chunk: Int.max)
            #expect(whole?.code.rawValue == expected, "\(name): got \(whole.map(String.init(describing:)) ?? "no error")")
            #expect(whole?.wireCode.description == vector["wireCode"]?.stringValue, "\(name)")
            if decoder != "batch" {
                let byteByByte = Self.firstError(decoder: decoder, bytes: bytes, chunk: 1)
                #expect(byteByByte?.code.rawValue == expected, "\(name), fed byte by byte")
            }
        }
    }

    /// Runs one decoder over `bytes`, fed `chunk` bytes at a time; the first error, or nil if none.
    static func firstError(decoder: String, bytes: [UInt8], chunk: Int) -> WireError? {
        if decoder == "batch" {
            do {
                _ = try OperationBatch.decode(bytes)
                return nil
            } catch {
                return error
            }
        }
        var frames = FrameDecoder(expectingMagic: decoder == "stream")
        if decoder == "session" { frames.beginSession() }
        var offset = 0
        repeat {
            let end = offset + min(chunk, bytes.count - offset)
            frames.append(bytes[offset ..< end])
            offset = end
            do {
                while try frames.decodeMessage() != nil {}
            } catch {
                return error
            }
        } while offset < bytes.count
        return nil
    }

    /// Replays the example session of SPEC.md from both ends.
    @Test func exampleSessionReplaysFromBothEnds() throws {
        let session = try #require(try VectorFiles.vectors("session").first)
        let steps = try #require(session["steps"]?.arrayValue)
        var deviceStream: [UInt8] = []
        var hubStream: [UInt8] = []
        for step in steps {
            if step["from"]?.stringValue == "device" { deviceStream += try VectorFiles.bytes(step) } else { hubStream += try VectorFiles.bytes(step) }
        }

        // Each side reads the other's stream byte by byte. The hub begins the
        // session once it has read the Hello, the device once it has read the
        // Welcome: the frames behind them are already buffered, and are read
        // under the session's limit.
        var atDevice = FrameDecoder()
        var atHub = FrameDecoder()
        var fromHub: [Message] = []
        var fromDevice: [Message] = []
        for byte in hubStream {
            atDevice.append([byte])
            while let message = try atDevice.decodeMessage() {
                fromHub.append(message)
                if case .welcome = message { atDevice.beginSession() }
            }
        }
        for byte in deviceStream {
            atHub.append([byte])
            while let message = try atHub.decodeMessage() {
                fromDevice.append(message)
                if case .hello = message { atHub.beginSession() }
            }
        }
        #expect(atDevice.bufferedByteCount == 0 && atHub.bufferedByteCount == 0)
        #expect(atDevice.isInSession && atHub.isInSession)

        guard case .hello(let hello) = fromDevice.first, case .welcome(let welcome) = fromHub.first else {
            Issue.record("the session does not open with Hello and Welcome")
            return
        }
        #expect(WireProtocol.negotiate(device: hello.versions) == welcome.version)
        guard case .vector = fromDevice.dropFirst().first, case .vector = fromHub.dropFirst().first else {
            Issue.record("each side's first message in the session is not its Vector")
            return
        }

        // Every step's decoded form, and re-encoding reproduces every byte.
        let encoder = FrameEncoder()
        var deviceMessages = fromDevice.makeIterator()
        var hubMessages = fromHub.makeIterator()
        for step in steps {
            let isDevice = step["from"]?.stringValue == "device"
            let bytes = try VectorFiles.bytes(step)
            if step["decoded"]?["type"]?.stringValue == "magic" {
                #expect(bytes == WireProtocol.magic)
                continue
            }
            let message = try #require(isDevice ? deviceMessages.next() : hubMessages.next())
            #expect(VectorJSON.message(message) == step["decoded"])
            #expect(try encoder.encode(message) == bytes)
        }
        #expect(deviceMessages.next() == nil && hubMessages.next() == nil)
    }
}
