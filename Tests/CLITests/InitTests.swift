import Foundation
import Testing

@Suite("init")
struct InitTests {
    @Test func initPrintsANewReplicaIDAndStatusReportsIt() throws {
        try Sandbox.with { sandbox in
            let path = sandbox.path("field.sqlite")
            let created = try sandbox.run(["--store", path, "init", "--name", "alice-laptop"])
            expectSuccess(created, stderr: "fieldnotes: created \(path) for 'alice-laptop'")
            #expect(created.output.isHex32, "\(created)")
            #expect(FileManager.default.fileExists(atPath: path))

            let store = TestStore(sandbox: sandbox, path: path, replica: created.output)
            let status = try store.status()
            #expect(status.string("replica") == created.output)
            #expect(status.string("name") == "alice-laptop")
            #expect(status.string("store") == path)
            #expect((status["notes"] as? [String: Int]) == ["live": 0, "deleted": 0, "erased": 0])
        }
    }

    @Test func eachStoreGetsItsOwnReplicaID() throws {
        try Sandbox.with { sandbox in
            let first = try sandbox.makeStore("a.sqlite")
            let second = try sandbox.makeStore("b.sqlite")
            #expect(first.replica != second.replica)
        }
    }

    @Test func initRefusesAnExistingStoreAndLeavesItByteForByte() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore(device: "alice")
            try store.add("--title", "Kept")
            let before = try store.bytes()

            let again = try store.run("init", "--name", "mallory")
            expectFailure(again, status: 1, mentioning: [store.path, "already exists"])
            #expect(try store.bytes() == before)
            let status = try store.status()
            #expect(status.string("replica") == store.replica)
            #expect(status.string("name") == "alice")
        }
    }

    @Test func initRefusesAnExistingPlainFile() throws {
        try Sandbox.with { sandbox in
            let path = try sandbox.write("notes.txt", "my own notes\n")
            let refused = try sandbox.run(["--store", path, "init", "--name", "alice"])
            expectFailure(refused, status: 1, mentioning: ["already exists"])
            #expect(try String(contentsOfFile: path, encoding: .utf8) == "my own notes\n")
        }
    }

    @Test func initWithoutANameIsAUsageError() throws {
        try Sandbox.with { sandbox in
            let path = sandbox.path("store.sqlite")
            expectFailure(try sandbox.run(["--store", path, "init"]), status: 2, mentioning: ["--name"])
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }

    @Test func storeComesFromFIELDNOTES_STOREWhenNoOptionIsGiven() throws {
        try Sandbox.with { sandbox in
            let path = sandbox.path("env.sqlite")
            let environment = ["FIELDNOTES_STORE": path]
            let created = try sandbox.run(["init", "--name", "env"], environment: environment)
            expectSuccess(created, stderr: "fieldnotes: created \(path) for 'env'")
            let status = try sandbox.run(["status", "--format", "json"], environment: environment)
            expectSuccess(status)
            #expect(try parseObject(status.stdout).string("replica") == created.output)
        }
    }

    @Test func storeOptionWinsOverFIELDNOTES_STORE() throws {
        try Sandbox.with { sandbox in
            let chosen = try sandbox.makeStore("chosen.sqlite")
            let other = try sandbox.makeStore("other.sqlite")
            let status = try sandbox.run(["status", "--format", "json", "--store", chosen.path], environment: ["FIELDNOTES_STORE": other.path])
            expectSuccess(status)
            #expect(try parseObject(status.stdout).string("replica") == chosen.replica)
            let equals = try sandbox.run(["--store=\(other.path)", "status", "--format", "json"], environment: ["FIELDNOTES_STORE": chosen.path])
            expectSuccess(equals)
            #expect(try parseObject(equals.stdout).string("replica") == other.replica)
        }
    }

    @Test func defaultStoreIsCreatedUnderXDG_DATA_HOME() throws {
        try Sandbox.with { sandbox in
            let path = sandbox.path("xdg/fieldnotes/store.sqlite")
            let created = try sandbox.run(["init", "--name", "default"])
            expectSuccess(created, stderr: "fieldnotes: created \(path) for 'default'")
            #expect(FileManager.default.fileExists(atPath: path))
            let status = try sandbox.run(["status", "--format", "json"])
            expectSuccess(status)
            #expect(try parseObject(status.stdout).string("store") == path)
        }
    }
}
