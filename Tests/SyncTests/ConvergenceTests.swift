import Foundation
import Testing

extension SyncSuite {
    @Suite("convergence")
    struct ConvergenceTests {
        /// Three devices edit the same notes offline, concurrently: the same
        /// field, tags added and removed, delete against edit, restore
        /// against edit, erase against edit. Synced through the hub in
        /// changing orders, every store (the hub's too) reaches the same
        /// digest, shows the same conflict, and one later edit resolves it.
        @Test func concurrentOfflineEditsConvergeOnEveryDeviceAndTheHub() throws {
            try Workspace.with { workspace in
                let hubStore = try workspace.makeStore("hub.sqlite", device: "hub")
                let ana = try workspace.makeStore("ana.sqlite", device: "ana")
                let ben = try workspace.makeStore("ben.sqlite", device: "ben")
                let cai = try workspace.makeStore("cai.sqlite", device: "cai")
                let devices = [ana, ben, cai]
                let everyone = devices + [hubStore]

                try HubProcess.with(hubStore) { hub in
                    for device in devices { try device.join(try hub.enroll(device.name)) }

                    // Shared starting point, written by ana and synced to all.
                    let stop = try ana.add("--title", "Bus stop", "--body", "shelter broken", "--area", "East Marsh",
                                           "--tag", "transport", "--tag", "stops")
                    let library = try ana.add("--title", "Library", "--body", "opening hours cut", "--tag", "library")
                    let secret = try ana.add("--title", "Home visit", "--body", "lives at 12 Elm Street, Flat 3")
                    let clinic = try ana.add("--title", "Clinic", "--body", "walk-in closed")
                    try ana.succeed("delete", clinic)
                    for device in [ana, ben, cai, ana, ben] { try device.syncSucceeds() }
                    try expectConverged(everyone)

                    // Offline, concurrently.
                    try ana.succeed("edit", stop, "--title", "Bus stop (ana)", "--add-tag", "night", "--remove-tag", "transport")
                    try ana.succeed("delete", library)
                    try ben.succeed("edit", stop, "--title", "Bus stop (ben)", "--add-tag", "transport", "--remove-tag", "stops")
                    try ben.succeed("edit", secret, "--body", "moved to 14 Elm Street")
                    try ben.succeed("restore", clinic)
                    try cai.succeed("edit", stop, "--title", "Bus stop (cai)", "--area", "West Marsh")
                    try cai.succeed("edit", library, "--body", "hours restored on Saturdays")
                    try cai.succeed("erase", secret, "--reason", "consent withdrawn", "--yes")
                    try cai.succeed("edit", clinic, "--title", "Clinic (cai)")
                    let diverged = try devices.map { try $0.digest() }
                    #expect(Set(diverged).count == 3, "the offline edits should leave three different states")

                    // Part-way through, ben writes again without having seen the others.
                    try cai.syncSucceeds()
                    try ana.syncSucceeds()
                    try ben.succeed("edit", library, "--title", "Library (ben)")
                    try syncUntilConverged(everyone, orders: [[ben, cai, ana], [cai, ana, ben], [ana, ben, cai]])

                    // Every device shows the same merged notes.
                    for device in everyone {
                        let bus = try device.show(stop)
                        #expect(["Bus stop (ana)", "Bus stop (ben)", "Bus stop (cai)"].contains(bus["title"] as? String ?? ""))
                        #expect(bus["area"] as? String == "West Marsh")
                        #expect(Set(bus["tags"] as? [String] ?? []) == ["transport", "night"],
                                "ben's concurrent re-add of transport survives ana's remove; ben's remove of stops holds")
                        let titleConflict = (bus["conflicts"] as? [[String: Any]] ?? []).first { $0["field"] as? String == "title" }
                        let values = (titleConflict?["values"] as? [[String: Any]] ?? []).compactMap { $0["value"] as? String }
                        #expect(Set(values) == ["Bus stop (ana)", "Bus stop (ben)", "Bus stop (cai)"], "on \(device.name)")
                        #expect(values.first == bus["title"] as? String, "the shown value is listed first")

                        let lib = try device.show(library)
                        #expect(lib["deleted"] as? Bool == true)
                        #expect(lib["body"] as? String == "hours restored on Saturdays")
                        #expect(lib["title"] as? String == "Library (ben)")

                        let erased = try device.show(secret)
                        #expect(erased["erased"] as? Bool == true)
                        #expect(erased["body"] is NSNull && erased["title"] is NSNull, "erase wins over ben's concurrent edit")
                        let found = try device.succeed("search", "Elm", "--include-deleted", "--format", "json")
                        #expect(try parseArray(found.stdout).isEmpty, "on \(device.name): \(found.stdout)")

                        let restored = try device.show(clinic)
                        #expect(restored["deleted"] as? Bool == false)
                        #expect(restored["title"] as? String == "Clinic (cai)")
                    }
                    let conflicts = try everyone.map { try canonicalJSON($0.conflicts()) }
                    #expect(Set(conflicts).count == 1, "conflicts differ between stores: \(conflicts)")
                    #expect(try ana.conflicts().count == 1)

                    // A later edit, made having seen all three values, resolves it everywhere.
                    try ben.succeed("edit", stop, "--title", "Bus stop (agreed)")
                    try syncUntilConverged(everyone, orders: [[ben, ana, cai], [cai, ben, ana]])
                    for device in everyone {
                        #expect(try device.conflicts().isEmpty, "on \(device.name)")
                        #expect(try device.show(stop)["title"] as? String == "Bus stop (agreed)")
                    }
                }
            }
        }

        /// Two facilitators write up the same group session offline: one
        /// fixes a word near the start, the other adds a sentence at the end.
        /// Through the hub, every store shows both, with no conflict.
        @Test func concurrentEditsOfOneBodyMergeThroughTheHub() throws {
            try Workspace.with { workspace in
                let hubStore = try workspace.makeStore("hub.sqlite", device: "hub")
                let ana = try workspace.makeStore("ana.sqlite", device: "ana")
                let ben = try workspace.makeStore("ben.sqlite", device: "ben")
                try HubProcess.with(hubStore) { hub in
                    for device in [ana, ben] { try device.join(try hub.enroll(device.name)) }
                    let session = try ana.add("--title", "Carers group", "--body", "Six carers came. Most said the respite service is too far.")
                    for device in [ana, ben] { try device.syncSucceeds() }
                    try ana.succeed("edit", session, "--body", "Seven carers came. Most said the respite service is too far.")
                    try ben.succeed("edit", session, "--append", " Two asked about direct payments.")
                    try syncUntilConverged([hubStore, ana, ben], orders: [[ana, ben], [ana, ben]])
                    for device in [hubStore, ana, ben] {
                        let note = try device.show(session)
                        #expect(note["body"] as? String == "Seven carers came. Most said the respite service is too far. Two asked about direct payments.",
                                "on \(device.name)")
                        #expect((note["conflicts"] as? [Any] ?? []).isEmpty, "on \(device.name)")
                    }
                }
            }
        }

        /// A memo and a passage written offline about a note that a colleague
        /// erases meanwhile: the erase could not name them, so the device that
        /// wrote them erases them once the erase arrives and sends that at
        /// once; their words leave every store, the hub's included (an IG
        /// lead found a concurrent memo's text kept everywhere).
        @Test func wordsWrittenOfflineAboutANoteErasedMeanwhileGoEverywhere() throws {
            try Workspace.with { workspace in
                let hubStore = try workspace.makeStore("hub.sqlite", device: "hub")
                let ana = try workspace.makeStore("ana.sqlite", device: "ana")
                let ben = try workspace.makeStore("ben.sqlite", device: "ben")
                let everyone = [hubStore, ana, ben]
                try HubProcess.with(hubStore) { hub in
                    for device in [ana, ben] { try device.join(try hub.enroll(device.name)) }
                    try ana.succeed("theme", "add", "money")
                    let note = try ana.add("--title", "Visit", "--body", "Talked about the gas bill and the bus.", "--participant", "P-X")
                    let anasPassage = try ana.succeed("code", note, "--theme", "money", "--quote", "the bus").output
                    for device in [ana, ben, ana] { try device.syncSucceeds() }
                    // Offline, concurrently: ben writes about the note (and about ana's passage of it) while ana erases it.
                    try ben.succeed("memo", "add", note, "--body", "quokkamarmalade follow up next week")
                    try ben.succeed("memo", "add", anasPassage, "--body", "quokkapassage memo on ana's passage")
                    try ben.succeed("code", note, "--theme", "money", "--quote", "the gas bill")
                    try ana.succeed("erase", note, "--reason", "consent withdrawn", "--yes")
                    try ana.syncSucceeds()
                    let benSync = try ben.succeed("sync")
                    #expect(benSync.stderr.contains("erased 3 passages and memos written about notes erased on another device"), "\(benSync.stderr)")
                    try ana.syncSucceeds()
                    try expectConverged(everyone)
                    for device in everyone {
                        let memos = try device.succeed("memo", "list", "--format", "json")
                        #expect(!memos.stdout.contains("quokkamarmalade"), "on \(device.name)")
                        #expect(try parseArray(try device.succeed("passage", "list", "--format", "json").stdout).isEmpty, "on \(device.name)")
                        for suffix in ["", "-wal"] {
                            let bytes = (try? Data(contentsOf: URL(fileURLWithPath: device.path + suffix))) ?? Data()
                            for word in ["quokkamarmalade", "quokkapassage"] {
                                #expect(bytes.range(of: Data(word.utf8)) == nil, "\(word): a memo's words are still in \(device.name)\(suffix)")
                            }
                        }
                    }
                }
            }
        }

        /// Syncs the devices round after round, in the given orders, until
        /// every store (the hub's included) has the same digest. Two rounds
        /// always suffice: the first brings the hub everything, the second
        /// brings everyone the hub's everything.
        private func syncUntilConverged(_ stores: [StoreHandle], orders: [[StoreHandle]],
                                        sourceLocation: SourceLocation = #_sourceLocation) throws {
            for (round, order) in orders.enumerated() {
                for device in order { try device.syncSucceeds(sourceLocation: sourceLocation) }
                if Set(try stores.map { try $0.digest() }).count == 1 {
                    #expect(round <= 1, "took \(round + 1) rounds", sourceLocation: sourceLocation)
                    return
                }
            }
            Issue.record("no convergence after \(orders.count) rounds", sourceLocation: sourceLocation)
        }

        private func expectConverged(_ stores: [StoreHandle], sourceLocation: SourceLocation = #_sourceLocation) throws {
            let digests = try stores.map { try $0.digest(sourceLocation: sourceLocation) }
            #expect(Set(digests).count == 1, "digests differ: \(zip(stores.map(\.name), digests).map { "\($0): \($1)" })",
                    sourceLocation: sourceLocation)
        }
    }
}
