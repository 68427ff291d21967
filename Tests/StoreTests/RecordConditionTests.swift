import CRDT
import Store
import Synthetic
import Testing

/// `RecordFilter.conditions` are answered in SQL; here every kind, combined
/// at random, is held to a naive filter over the records themselves.
@Suite struct RecordConditionTests {
    /// The condition as the records say it holds: the reference model.
    static func holds(_ condition: RecordCondition, _ record: VisibleRecord) -> Bool {
        switch condition {
        case .fieldIn(let field, let values): return record.value(field).map(values.contains) ?? false
        case .element(let set, let element): return record.elements(set).contains(element)
        case .anyElement(let set, let elements): return !Set(record.elements(set)).isDisjoint(with: elements)
        case .number(let field, let comparison, let number):
            guard case .number(let value)? = record.value(field) else { return false }
            switch comparison {
            case .less: return value < number
            case .lessOrEqual: return value <= number
            case .equal: return value == number
            case .greaterOrEqual: return value >= number
            case .greater: return value > number
            }
        case .ids(let ids): return ids.contains(record.id)
        case .any(let alternatives): return alternatives.contains { holds($0, record) }
        }
    }

    static func randomCondition(_ random: inout SplitMix64, ids: [RecordID], depth: Int = 1) -> RecordCondition {
        let areas = ["East Marsh", "Heneage", "Scartho", "Nunsthorpe"]
        let tags = ["transport", "isolation", "money", "caring"]
        switch Int.random(in: 0..<(depth > 0 ? 6 : 5), using: &random) {
        case 0: return .fieldIn("area", (0..<Int.random(in: 0...2, using: &random)).map { _ in .text(areas.randomElement(using: &random) ?? "") })
        case 1: return .element(Note.tagSet, .text(tags.randomElement(using: &random) ?? ""))
        case 2: return .anyElement(Note.tagSet, (0..<Int.random(in: 0...3, using: &random)).map { _ in .text(tags.randomElement(using: &random) ?? "") })
        case 3: return .number("measures.ucla3", NumberComparison.allCases.randomElement(using: &random) ?? .equal, Double(Int.random(in: 2...10, using: &random)))
        case 4: return .ids(Set((0..<Int.random(in: 0...6, using: &random)).compactMap { _ in ids.randomElement(using: &random) }))
        default: return .any((0..<Int.random(in: 0...3, using: &random)).map { _ in randomCondition(&random, ids: ids, depth: depth - 1) })
        }
    }

    @Test func conditionsSelectExactlyWhatTheRecordsSay() throws {
        try withTemporaryStore { store, _ in
            var random = SplitMix64(seed: 7)
            let areas = ["East Marsh", "Heneage", "Scartho"]
            let tags = ["transport", "isolation", "money", "caring"]
            var ids: [RecordID] = []
            var textMeasures: [RecordID] = []
            for index in 0..<80 {
                let id = try Store.newRecordID()
                ids.append(id)
                var changes: [Change] = [.create(id, type: Note.type), .assign(id, field: "title", value: .text("note \(index)"))]
                if random.chance(85) { changes.append(.assign(id, field: "area", value: .text(areas.randomElement(using: &random) ?? ""))) }
                for tag in tags where random.chance(35) { changes.append(.add(id, set: Note.tagSet, element: .text(tag))) }
                if random.chance(70) {
                    changes.append(.assign(id, field: "measures.ucla3", value: .number(Double(Int.random(in: 3...9, using: &random)))))
                } else if random.chance(30) {
                    // A text where a measure should be (as a peer could send it) is never compared as a number.
                    textMeasures.append(id)
                }
                if random.chance(10) { changes.append(.assign(id, field: "deleted", value: .bool(true))) }
                try store.commit(changes)
            }
            let peer = ReplicaID(high: 0xBEE, low: 1)
            try store.apply(textMeasures.enumerated().map { index, id in
                Operation(id: OperationID(origin: peer, seq: UInt64(index + 1)), timestamp: Timestamp(physical: 1, logical: UInt16(index)),
                          record: id, action: .assign(field: "measures.ucla3", value: .text("9"), replaces: []))
            })
            var everything = RecordFilter(type: Note.type)
            everything.includeDeleted = true
            let records = try store.list(everything)
            #expect(records.count == 80)
            var selective = 0
            for _ in 0..<400 {
                var filter = RecordFilter(type: Note.type)
                filter.includeDeleted = random.chance(30)
                filter.conditions = (0..<Int.random(in: 1...3, using: &random)).map { _ in Self.randomCondition(&random, ids: ids) }
                let expected = records.filter { record in
                    (filter.includeDeleted || !record.isDeleted) && filter.conditions.allSatisfy { Self.holds($0, record) }
                }.map(\.id)
                let found = try store.list(filter).map(\.id)
                #expect(found == expected, "\(filter.conditions)")
                if !expected.isEmpty && expected.count < records.count / 2 { selective += 1 }
            }
            #expect(selective > 80, "the conditions should often select some notes but not most: \(selective)")
        }
    }

    @Test func idListsOfAnySizeAreBoundAsOneValue() throws {
        try withTemporaryStore { store, _ in
            let id = try Store.newRecordID()
            try store.commit([.create(id, type: Note.type), .assign(id, field: "title", value: .text("t"))])
            var many: Set<RecordID> = [id]
            for _ in 0..<40_000 { many.insert(try Store.newRecordID()) }
            var filter = RecordFilter(type: Note.type)
            filter.conditions = [.ids(many)]
            #expect(try store.list(filter).map(\.id) == [id])
        }
    }

    @Test func theDistinctElementsOfASetAreEachListedOnce() throws {
        try withTemporaryStore { store, _ in
            for tags in [["a", "b"], ["b", "c"], ["c"]] {
                let id = try Store.newRecordID()
                try store.commit([.create(id, type: Note.type), .assign(id, field: "title", value: .text("t"))]
                                 + tags.map { .add(id, set: Note.tagSet, element: .text($0)) })
            }
            #expect(Set(try store.distinctElements(Note.tagSet)) == [.text("a"), .text("b"), .text("c")])
            #expect(try store.distinctElements(Note.tagSet).count == 3)
        }
    }
}
