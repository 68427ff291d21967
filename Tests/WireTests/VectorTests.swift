import CRDT
import Testing
import Wire

/// The committed vectors in `Protocol/vectors/`: they match the catalog
/// that builds them, every one decodes to its `decoded` form and re-encodes
/// byte for byte, and every reject vector fails with its named error.
@Suite struct VectorTests {
    @Test func committedVectorsMatchTheCatalog() throws {
        for file in try VectorCatalog.all() {
            if VectorFiles.isRecording {
                try VectorFiles.write(file)
                print("recorded Protocol/vectors/\(file.fileName).json (\(file.vectors.count) vectors)")
            } else {
                let committed = try? VectorFiles.text(file.fileName)
                #expect(committed == file.text,
                        "\(file.fileName).json differs from the catalog; check the change, then re-record with FIELDNOTES_RECORD_VECTORS=1")
            }
        }
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

    @Test(arguments: VectorCatalog.operationFiles)
    func operationVectorsRoundTrip(file: String) throws {
        let kind = String(file.dropFirst("operation-".count))
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
            let key = vector["key"] == nil ? nil : try VectorFiles.bytes(vector, "key")
            let whole = Self.firstError(decoder: decoder, bytes: bytes, key: key, chunk: Int.max)
            #expect(whole?.code.rawValue == expected, "\(name): got \(whole.map(String.init(describing:)) ?? "no error")")
            #expect(whole?.wireCode.description == vector["wireCode"]?.stringValue, "\(name)")
            if decoder != "batch" {
                let byteByByte = Self.firstError(decoder: decoder, bytes: bytes, key: key, chunk: 1)
                #expect(byteByByte?.code.rawValue == expected, "\(name), fed byte by byte")
            }
        }
    }

    /// Runs one decoder over `bytes`, fed `chunk` bytes at a time; the first error, or nil if none.
    static func firstError(decoder: String, bytes: [UInt8], key: [UInt8]?, chunk: Int) -> WireError? {
        if decoder == "batch" {
            do {
                _ = try OperationBatch.decode(bytes)
                return nil
            } catch {
                return error
            }
        }
        var frames = FrameDecoder(expectingMagic: decoder == "stream")
        if let key { frames.beginAuthentication(key: key) }
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
        let secret = try VectorFiles.bytes(session, "secret")
        let deviceNonce = try VectorFiles.bytes(session, "deviceNonce")
        let hubNonce = try VectorFiles.bytes(session, "hubNonce")
        let keys = Handshake.sessionKeys(secret: secret, deviceNonce: deviceNonce, hubNonce: hubNonce)
        #expect(keys.deviceToHub == (try VectorFiles.bytes(session, "deviceToHubKey")))
        #expect(keys.hubToDevice == (try VectorFiles.bytes(session, "hubToDeviceKey")))

        let steps = try #require(session["steps"]?.arrayValue)
        var deviceStream: [UInt8] = []
        var hubStream: [UInt8] = []
        for step in steps {
            if step["from"]?.stringValue == "device" { deviceStream += try VectorFiles.bytes(step) } else { hubStream += try VectorFiles.bytes(step) }
        }

        // The device reads the hub's stream byte by byte; the hub reads the device's.
        var atDevice = FrameDecoder()
        var atHub = FrameDecoder()
        var fromHub: [Message] = []
        var fromDevice: [Message] = []
        for byte in hubStream {
            atDevice.append([byte])
            while let message = try atDevice.decodeMessage() {
                fromHub.append(message)
                if case .challenge = message { atDevice.beginAuthentication(key: keys.hubToDevice) }
            }
        }
        for byte in deviceStream {
            atHub.append([byte])
            while let message = try atHub.decodeMessage() {
                fromDevice.append(message)
                if case .proof = message { atHub.beginAuthentication(key: keys.deviceToHub) }
            }
        }
        #expect(atDevice.bufferedByteCount == 0 && atHub.bufferedByteCount == 0)

        guard case .hello(let hello) = fromDevice.first, case .challenge(let challenge) = fromHub.first,
              case .proof(let proof) = fromDevice.dropFirst().first else {
            Issue.record("the session does not open with Hello, Challenge, Proof")
            return
        }
        #expect(try Handshake.hubProof(secret: secret, hello: hello, challenge: challenge) == challenge.proof)
        #expect(try Handshake.deviceProof(secret: secret, hello: hello, challenge: challenge) == proof)
        #expect(challenge.proof == (try VectorFiles.bytes(session, "hubProof")))

        // Every step's decoded form, and re-encoding with fresh encoders reproduces every byte.
        var deviceEncoder = FrameEncoder()
        var hubEncoder = FrameEncoder()
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
            if let counter = step["counter"]?.uint64Value {
                if isDevice, !deviceEncoder.isAuthenticating { deviceEncoder.beginAuthentication(key: keys.deviceToHub) }
                if !isDevice, !hubEncoder.isAuthenticating { hubEncoder.beginAuthentication(key: keys.hubToDevice) }
                #expect((isDevice ? deviceEncoder.nextCounter : hubEncoder.nextCounter) == counter)
            }
            #expect((isDevice ? try deviceEncoder.encode(message) : try hubEncoder.encode(message)) == bytes)
        }
    }
}
