import PageTable

/// Compares the tree with the abstract model page by page: both must map the same pages with the
/// same content, at the same level, with the same contiguity.
public enum ModelComparison {
    /// The records the tree gives, one run per non-none terminal slot, in address order.
    ///
    /// A structural traversal: each table is read once; a contiguous entry reports young and dirty
    /// ORed across its block, as the walk semantics require.
    public static func treeRuns(_ space: AddressSpace) -> [PageRun] {
        var runs: [PageRun] = []
        treeRuns(space, into: &runs)
        return runs
    }

    /// ``treeRuns(_:)`` into `runs`, emptied first and its storage kept (for a caller that lists
    /// tree after tree).
    public static func treeRuns(_ space: AddressSpace, into runs: inout [PageRun]) {
        runs.removeAll(keepingCapacity: true)
        collect(space, table: space.root, level: space.format.rootLevel, base: 0, inHugepd: false, into: &runs)
    }

    private static func collect(_ space: AddressSpace, table: TableID, level: Level, base: UInt64, inHugepd: Bool,
                                into runs: inout [PageRun]) {
        let format = space.format
        let geometry = format.geometry(level)
        let descriptor = space.tables.descriptor(table)
        let slotSize: UInt64 = inHugepd ? 1 << UInt64(geometry.hugepdPageShift!) : geometry.entrySize
        for index in 0..<descriptor.entryCount {
            let slot = SlotRef(table: table, index: index)
            let word = space.tables.word(slot)
            guard word != 0 else { continue }
            let start = base + UInt64(index) * slotSize
            let content: PageContent
            var contiguous = false
            switch format.decode(word, at: level, inHugepd: inHugepd, address: start) {
            case .none: continue
            case .table(let pfn) where !inHugepd:
                collect(space, table: space.tables.table(atPFN: pfn)!, level: format.realLevel(below: level)!, base: start,
                        inHugepd: false, into: &runs)
                continue
            case .hugepd(let pfn, _) where !inHugepd:
                collect(space, table: space.tables.table(atPFN: pfn)!, level: level, base: start, inHugepd: true, into: &runs)
                continue
            case .leaf(let pfn, var attributes):
                contiguous = attributes.contains(.contiguous)
                if contiguous, !inHugepd {
                    let first = index & ~(geometry.contiguousEntries - 1)
                    for mate in first..<first + geometry.contiguousEntries {
                        if case .leaf(_, let mateAttributes) = format.decode(space.tables.word(SlotRef(table: table, index: mate)),
                                                                           at: level, address: start) {
                            attributes.formUnion(mateAttributes.intersection([.young, .dirty]))
                        }
                    }
                }
                content = .present(pfn: pfn, attributes: attributes.subtracting(.contiguous))
            case .nonPresent(let entry): content = .nonPresent(entry)
            case .table, .hugepd: content = .nonPresent(SwapEntry(kind: .marker, offset: 0))
            }
            runs.append(PageRun(start: format.pageNumber(start), count: format.pages(in: slotSize),
                                record: PageRecord(content: content, level: level, inHugepd: inHugepd, contiguous: contiguous)))
        }
    }

    /// The first page where tree and model disagree, described; nil when they agree everywhere.
    public static func firstDisagreement(_ space: AddressSpace, _ model: AbstractModel) -> String? {
        let format = space.format
        let tree = treeRuns(space)
        let expected = model.pages.runs
        var treeIndex = 0, modelIndex = 0
        var treeOffset: UInt64 = 0, modelOffset: UInt64 = 0
        func describe(_ page: UInt64, _ treeRecord: PageRecord?, _ modelRecord: PageRecord?) -> String {
            let address = format.address(ofPage: page)
            return "page at 0x\(String(address, radix: 16)) (\(format.indexPath(of: address))): "
                + "tree \(treeRecord.map(\.description) ?? "unmapped"), model \(modelRecord.map(\.description) ?? "unmapped")"
        }
        while treeIndex < tree.count || modelIndex < expected.count {
            let treePage = treeIndex < tree.count ? tree[treeIndex].start + treeOffset : .max
            let modelPage = modelIndex < expected.count ? expected[modelIndex].start + modelOffset : .max
            if treePage != modelPage {
                let page = min(treePage, modelPage)
                return describe(page, treePage == page ? tree[treeIndex].record.advanced(by: treeOffset) : nil,
                                modelPage == page ? expected[modelIndex].record.advanced(by: modelOffset) : nil)
            }
            let treeRun = tree[treeIndex], modelRun = expected[modelIndex]
            let treeRecord = treeRun.record.advanced(by: treeOffset), modelRecord = modelRun.record.advanced(by: modelOffset)
            if treeRecord != modelRecord { return describe(treePage, treeRecord, modelRecord) }
            let step = min(treeRun.count - treeOffset, modelRun.count - modelOffset)
            treeOffset += step
            modelOffset += step
            if treeOffset == treeRun.count { treeIndex += 1; treeOffset = 0 }
            if modelOffset == modelRun.count { modelIndex += 1; modelOffset = 0 }
        }
        return nil
    }
}
