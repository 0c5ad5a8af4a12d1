import PageTable

/// Checks writer designs against the model's reference operation (SEMANTICS.md, "Writers"): each
/// design runs on its own copy of the space; the trees it leaves must equal the reference's word
/// for word (table frames aside), pass the tree invariants, and the accounting it reported must be
/// the reference's: RSS per counter and space, maps per page and per folio, references, swap
/// counts, the folios marked dirty and accessed, the pages that lost `PageAnonExclusive`.
public enum WriterConformance {
    /// The reference's result for `operation` on `space`: the view after the model's operation,
    /// with the ledger a design must report; the error when the operation is refused.
    public static func reference(_ operation: WriterOperation, on space: AddressSpace) -> Result<WriterView, PageTableError> {
        Result { () throws(PageTableError) in
            var view = try WriterView(space, for: operation)
            view.performReference()
            return view
        }
    }

    /// Checks every design in `designs` that serves `operation` on `space`; returns the failures.
    /// A refused operation (bad arguments, set-entries over mapped entries) is checked by nobody.
    public static func check(_ designs: [any WriterDesign], in space: AddressSpace, operation: WriterOperation) -> [Conformance.Failure] {
        guard case .success(let expected) = reference(operation, on: space) else { return [] }
        return check(designs, in: space, against: expected)
    }

    /// Checks every design in `designs` that serves `expected.operation` on `space`, against the
    /// reference's result for it (``reference(_:on:)``, computed once by a caller that needs it too).
    public static func check(_ designs: [any WriterDesign], in space: AddressSpace, against expected: WriterView) -> [Conformance.Failure] {
        let operation = expected.operation
        guard let start = try? WriterView(space, for: operation) else { return [] }
        return designs.filter { $0.serves(operation) }.compactMap { design in
            var view = start
            design.write(&view)
            return judge(view, against: expected).map { Conformance.Failure(design: design.name, writer: operation, detail: $0) }
        }
    }

    /// The first difference between a design's `actual` view and the reference's `expected`, or nil.
    public static func judge(_ actual: WriterView, against expected: WriterView) -> String? {
        for role in [SpaceRole.source, .destination] where role == .source || expected.destination != nil {
            let name = role == .source ? "the space" : "the child"
            let spread: Bool
            if case .changeProtection = expected.operation { spread = true } else { spread = false }
            if let difference = firstWordDifference(actual.space(role), expected.space(role), youngDirtySpreadInFolio: spread) {
                return "\(name) differs from the reference at \(difference)"
            }
            if let violation = TreeInvariants.violations(in: actual.space(role)).first {
                return "\(name) breaks a tree invariant: \(violation)"
            }
        }
        return ledgerDifference(actual.ledger, expected.ledger, memory: expected.destination?.memory ?? expected.source.memory)
    }

    /// The first terminal slot, in address order, whose word differs between the two trees (or
    /// that one reaches through a table and the other does not), described; nil when the trees hold
    /// the same entries in the same shape. Table pointers are compared by what they point to.
    ///
    /// With `youngDirtySpreadInFolio` (change protection: `modify_prot_start_ptes()` ORs young and
    /// dirty across a batch, and `modify_prot_commit_ptes()` writes the result to every entry of it,
    /// v6.17), a present PTE may carry, beyond its own young and dirty, those of any PTE in the
    /// same table that maps the same folio.
    public static func firstWordDifference(_ actual: AddressSpace, _ expected: AddressSpace, youngDirtySpreadInFolio: Bool = false) -> String? {
        let format = expected.format
        /// Young and dirty of the PTEs of `table` (of `expected`) mapping `folio`.
        func folioYoungDirty(_ table: TableID, _ folio: Folio) -> LeafAttributes {
            var merged: LeafAttributes = []
            for index in 0..<format.geometry(.pte).entryCount {
                if case .leaf(let pfn, let attributes) = format.decode(expected.tables.word(SlotRef(table: table, index: index)), at: .pte, address: 0),
                   folio.contains(pfn) {
                    merged.formUnion(attributes.intersection([.young, .dirty]))
                }
            }
            return merged
        }
        /// Whether `left` (the design's) is `right` (the reference's) with young or dirty spread within its folio.
        func spreadOnly(_ left: Entry, _ right: Entry, table: TableID, level: Level, inHugepd: Bool) -> Bool {
            guard youngDirtySpreadInFolio, level == .pte, !inHugepd, case .leaf(let leftPFN, let leftAttributes) = left,
                  case .leaf(let rightPFN, let rightAttributes) = right, leftPFN == rightPFN,
                  leftAttributes.subtracting([.young, .dirty]) == rightAttributes.subtracting([.young, .dirty]),
                  leftAttributes.isSuperset(of: rightAttributes.intersection([.young, .dirty])),
                  let folio = expected.memory.folio(containing: rightPFN) else { return false }
            return folioYoungDirty(table, folio).isSuperset(of: leftAttributes.intersection([.young, .dirty]))
        }
        func describe(_ word: UInt64, _ level: Level, _ inHugepd: Bool, _ address: UInt64) -> String {
            "0x\(String(word, radix: 16)) (\(format.decode(word, at: level, inHugepd: inHugepd, address: address)))"
        }
        func compare(_ lhs: TableID, _ rhs: TableID, level: Level, inHugepd: Bool, base: UInt64) -> String? {
            let geometry = format.geometry(level)
            let count = inHugepd ? geometry.hugepdEntryCount! : geometry.entryCount
            let size: UInt64 = inHugepd ? 1 << UInt64(geometry.hugepdPageShift!) : geometry.entrySize
            for index in 0..<count {
                let address = base + UInt64(index) * size
                let left = actual.tables.word(SlotRef(table: lhs, index: index))
                let right = expected.tables.word(SlotRef(table: rhs, index: index))
                let leftEntry = format.decode(left, at: level, inHugepd: inHugepd, address: address)
                let rightEntry = format.decode(right, at: level, inHugepd: inHugepd, address: address)
                switch (leftEntry, rightEntry) {
                case (.table(let leftPFN), .table(let rightPFN)) where !inHugepd:
                    if let difference = compare(actual.tables.table(atPFN: leftPFN)!, expected.tables.table(atPFN: rightPFN)!,
                                                level: format.realLevel(below: level)!, inHugepd: false, base: address) {
                        return difference
                    }
                case (.hugepd(let leftPFN, let leftShift), .hugepd(let rightPFN, let rightShift)) where leftShift == rightShift && !inHugepd:
                    if let difference = compare(actual.tables.table(atPFN: leftPFN)!, expected.tables.table(atPFN: rightPFN)!,
                                                level: level, inHugepd: true, base: address) {
                        return difference
                    }
                default:
                    if left != right, !spreadOnly(leftEntry, rightEntry, table: rhs, level: level, inHugepd: inHugepd) {
                        return "\(level)\(inHugepd ? " hugepd" : "") slot of 0x\(String(address, radix: 16)): "
                            + "\(describe(left, level, inHugepd, address)), the reference has \(describe(right, level, inHugepd, address))"
                    }
                }
            }
            return nil
        }
        return compare(actual.root, expected.root, level: format.rootLevel, inHugepd: false, base: 0)
    }

    /// The first page where two segment lists give different changes, or nil when they agree.
    static func firstDifference(_ lhs: [PageSegment], _ rhs: [PageSegment]) -> UInt64? {
        guard lhs != rhs else { return nil }
        let starts = (lhs + rhs).flatMap { [$0.start, $0.end] }.sorted()
        return starts.first { lhs.delta(at: $0) != rhs.delta(at: $0) }
    }

    /// The first difference between two ledgers, described with folio-level sums where pages differ.
    public static func ledgerDifference(_ actual: WriteLedger, _ expected: WriteLedger, memory: PhysicalMemory) -> String? {
        for role in [SpaceRole.source, .destination] where actual.rss[role.rawValue] != expected.rss[role.rawValue] {
            return "RSS of \(role == .source ? "the space" : "the child") changed by \(actual.rss[role.rawValue]), the reference by \(expected.rss[role.rawValue])"
        }
        let actualPages = actual.pageMapSegments, expectedPages = expected.pageMapSegments
        if actualPages != expectedPages || actual.entireMaps != expected.entireMaps {
            let left = actual.folioMapcounts(in: memory), right = expected.folioMapcounts(in: memory)
            for folio in Set(left.keys).union(right.keys).sorted() where left[folio, default: 0] != right[folio, default: 0] {
                return "folio_mapcount() of \(folio) changed by \(left[folio, default: 0]), the reference by \(right[folio, default: 0])"
            }
            // The first page whose change differs: the start of the first segment of their difference.
            if let first = firstDifference(actualPages, expectedPages) {
                return "the mapcount of page 0x\(String(first, radix: 16)) changed by \(actualPages.delta(at: first)), "
                    + "the reference by \(expectedPages.delta(at: first))"
            }
            for folio in Set(actual.entireMaps.keys).union(expected.entireMaps.keys).sorted()
            where actual.entireMaps[folio, default: 0] != expected.entireMaps[folio, default: 0] {
                return "the entire mapcount of \(folio) changed by \(actual.entireMaps[folio, default: 0]), "
                    + "the reference by \(expected.entireMaps[folio, default: 0])"
            }
        }
        for folio in Set(actual.references.keys).union(expected.references.keys).sorted()
        where actual.references[folio, default: 0] != expected.references[folio, default: 0] {
            return "the refcount of \(folio) changed by \(actual.references[folio, default: 0]), the reference by \(expected.references[folio, default: 0])"
        }
        for slot in Set(actual.swapCounts.keys).union(expected.swapCounts.keys).sorted()
        where actual.swapCounts[slot, default: 0] != expected.swapCounts[slot, default: 0] {
            return "the swap count of \(slot) changed by \(actual.swapCounts[slot, default: 0]), the reference by \(expected.swapCounts[slot, default: 0])"
        }
        if let folio = actual.markedDirty.symmetricDifference(expected.markedDirty).sorted().first {
            return "\(folio) was\(actual.markedDirty.contains(folio) ? "" : " not") marked dirty; the reference "
                + (expected.markedDirty.contains(folio) ? "marks it" : "does not")
        }
        if let folio = actual.markedAccessed.symmetricDifference(expected.markedAccessed).sorted().first {
            return "\(folio) was\(actual.markedAccessed.contains(folio) ? "" : " not") marked accessed; the reference "
                + (expected.markedAccessed.contains(folio) ? "marks it" : "does not")
        }
        let actualCleared = actual.anonExclusiveSegments, expectedCleared = expected.anonExclusiveSegments
        if let pfn = firstDifference(actualCleared, expectedCleared) {
            return "page 0x\(String(pfn, radix: 16)) \(actualCleared.delta(at: pfn) != 0 ? "lost" : "kept") PageAnonExclusive; the reference "
                + (expectedCleared.delta(at: pfn) != 0 ? "clears it" : "keeps it")
        }
        return nil
    }
}
