import PageTable

/// The tables a lookup walked through, kept so that the next lookup in the same table starts there:
/// a page-walk cache. It holds tables, not entries, so a cached walk still reads each slot it needs.
struct PathCache<R: TableReader> {
    /// One cached table: where it is and the addresses it maps.
    struct Step {
        var table: TableHandle
        var level: Level
        var inHugepd: Bool
        var span: AddressRange
    }

    /// A contiguous block read by an earlier lookup: its slots, its first page and its attributes
    /// (young and dirty ORed). Its entries differ only in pfn, so a later lookup in it reads nothing.
    struct CachedBlock {
        var table: TableHandle
        var first: Int
        var count: Int
        var basePFN: UInt64
        var attributes: LeafAttributes
    }

    let reader: R
    let format: Format
    let fault: Fault
    private(set) var steps: [Step] = []
    private var block: CachedBlock?

    init(reader: R, fault: Fault = .none) {
        self.reader = reader
        self.fault = fault
        format = reader.space.format
        steps.reserveCapacity(6)
        steps.append(Step(table: reader.root, level: format.rootLevel, inHugepd: false, span: AddressRange(start: 0, end: format.top)))
    }

    /// What a walk from the root finds at `address`, starting from the deepest cached table that maps it.
    mutating func lookup(_ address: UInt64) -> (entry: Entry, level: Level, inHugepd: Bool, span: AddressRange, table: TableHandle) {
        while steps.count > 1, !steps[steps.count - 1].span.contains(address) { steps.removeLast() }
        while true {
            let step = steps[steps.count - 1]
            let geometry = format.geometry(step.level)
            let size: UInt64 = step.inHugepd ? 1 << UInt64(geometry.hugepdPageShift!) : geometry.entrySize
            let index = step.inHugepd ? format.hugepdIndex(of: address, at: step.level) : format.index(of: address, at: step.level)
            let start = Format.alignDown(address, size)
            let span = AddressRange(start: start, end: start + size)
            if let cached = block, cached.table == step.table, index >= cached.first, index < cached.first + cached.count {
                let pfn = cached.basePFN + UInt64(index - cached.first) * format.pages(at: step.level)
                return (.leaf(pfn: pfn, attributes: cached.attributes), step.level, false, span, step.table)
            }
            let word = reader.read(step.table, index)
            let entry = format.decode(word, at: step.level, inHugepd: step.inHugepd, address: address)
            switch entry {
            case .table(let pfn) where !step.inHugepd:
                guard let child = reader.table(atPFN: pfn) else { continue }
                steps.append(Step(table: child, level: format.realLevel(below: step.level)!, inHugepd: false, span: span))
            case .hugepd(let pfn, _) where !step.inHugepd:
                guard let child = reader.table(atPFN: pfn) else { continue }
                steps.append(Step(table: child, level: step.level, inHugepd: true, span: span))
            case .leaf(let pfn, let attributes) where attributes.contains(.contiguous) && !step.inHugepd:
                let found = ContiguousBlock(reader, format: format, table: step.table, index: index, word: word, level: step.level)
                let merged = attributes.union(found.youngDirty)
                block = CachedBlock(table: step.table, first: found.first, count: found.count,
                                    basePFN: pfn - UInt64(index - found.first) * format.pages(at: step.level), attributes: merged)
                return (.leaf(pfn: pfn, attributes: merged), step.level, false, span, step.table)
            case .leaf where fault == .rootLeafSizeFromBelow && steps.count == 1:
                // The bug: the root's leaf given the entry size of the level below.
                let below = format.geometry(format.realLevel(below: step.level)!).entrySize
                let start = Format.alignDown(address, below)
                return (entry, step.level, false, AddressRange(start: start, end: start + below), step.table)
            case .none where fault == .clearedParentAsTable && step.level != .pte && !step.inHugepd:
                // The bug: a cleared parent taken for a table, and the empty table under it read as none PTEs.
                let page = Format.alignDown(address, format.pageSize)
                return (.none, .pte, false, AddressRange(start: page, end: page + format.pageSize), step.table)
            default:
                return (entry, step.level, step.inHugepd, span, step.table)
            }
        }
    }
}
