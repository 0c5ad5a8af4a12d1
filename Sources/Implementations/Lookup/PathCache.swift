import PageTable

/// The tables a lookup walked through, kept so that the next lookup in the same table starts there:
/// a page-walk cache. It holds tables, not entries, so a cached walk still reads each slot it needs.
struct PathCache<R: TableReader, F: FaultSwitch> {
    /// One cached table: where it is and the addresses it maps.
    struct Step {
        var table: TableHandle
        var level: Level
        var inHugepd: Bool
        var span: AddressRange
        /// For a PTE table: the slot above that pointed at it and the word it held, for the re-check;
        /// the table is locked (range walks) or mapped (the lockless lookup) while the step is cached.
        var parent: (table: TableHandle, index: Int, word: UInt64)? = nil
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
    /// The injected fault's switch (``NoFault`` for the shipped design).
    let faults: F
    /// Whether PTE tables are mapped without their lock and the PMD re-checked after each read
    /// (GUP-fast's `gup_fast_pte_range()`), rather than locked (`follow_page_pte()`).
    let lockless: Bool
    /// The cached path, root first, inline (no allocation a walk): at most five real levels and a
    /// hugepd table.
    private(set) var steps: StepStack
    private var block: CachedBlock?

    /// A stack of at most six steps, stored inline.
    struct StepStack {
        private var storage: InlineArray<6, Step>
        /// How many steps it holds.
        private(set) var count = 0

        /// A stack holding `root` alone.
        init(_ root: Step) {
            storage = InlineArray(repeating: root)
            count = 1
        }

        /// The step at `index` (0 is the root's).
        subscript(index: Int) -> Step { storage[index] }

        /// Pushes `step`.
        mutating func append(_ step: Step) {
            storage[count] = step
            count += 1
        }

        /// Pops the deepest step.
        mutating func removeLast() -> Step {
            count -= 1
            return storage[count]
        }
    }

    init(reader: R, faults: F, lockless: Bool = false) {
        self.reader = reader
        self.faults = faults
        self.lockless = lockless
        format = reader.format
        steps = StepStack(Step(table: reader.root, level: format.rootLevel, inHugepd: false, span: AddressRange(start: 0, end: format.top)))
    }

    /// What a walk from the root finds at `address`, starting from the deepest cached table that maps it.
    mutating func lookup(_ address: UInt64) -> (entry: Entry, level: Level, inHugepd: Bool, span: AddressRange, table: TableHandle) {
        while steps.count > 1, !steps[steps.count - 1].span.contains(address) { pop() }
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
            case .table(let pfn) where !step.inHugepd && format.realLevel(below: step.level) == .pte:
                // follow_page_pte(): pte_offset_map_lock(); GUP-fast: pte_offset_map(). Failing, the PMD changed: read it again.
                let child = lockless ? reader.mapPTETable(atPFN: pfn, parent: step.table, index, expecting: word)
                                     : reader.lockPTETable(atPFN: pfn, parent: step.table, index, expecting: word)
                guard let child else { continue }
                steps.append(Step(table: child, level: .pte, inHugepd: false, span: span, parent: (step.table, index, word)))
            case .table(let pfn) where !step.inHugepd:
                guard let child = reader.table(atPFN: pfn) else { continue }
                steps.append(Step(table: child, level: format.realLevel(below: step.level)!, inHugepd: false, span: span))
            case .hugepd(let pfn, _) where !step.inHugepd:
                guard let child = reader.table(atPFN: pfn) else { continue }
                steps.append(Step(table: child, level: step.level, inHugepd: true, span: span))
            case .leaf(let pfn, let attributes) where attributes.contains(.contiguous) && !step.inHugepd:
                // Read locklessly (a PTE table mapped without its lock, or any directory table), the
                // block is read again until it is whole (contpte_ptep_get_lockless()).
                let found = ContiguousBlock(reader, format: format, table: step.table, index: index, word: word, level: step.level,
                                            verifying: lockless && step.parent != nil || step.level != .pte ? address : nil)
                guard found.settled else { continue }
                guard settled(step) else { continue }
                var merged = attributes.union(found.youngDirty)
                if faults.has(.contiguousYoungDirtyIntolerant), lockless, !reader.stillHolds(step.table, index, word) {
                    // The bug: an entry whose young or dirty the MMU set meanwhile taken as the block
                    // breaking up, and reported with its own bits alone.
                    merged = attributes
                }
                block = CachedBlock(table: step.table, first: found.first, count: found.count,
                                    basePFN: pfn - UInt64(index - found.first) * format.pages(at: step.level), attributes: merged)
                return (.leaf(pfn: pfn, attributes: merged), step.level, false, span, step.table)
            case .leaf where faults.has(.rootLeafSizeFromBelow) && steps.count == 1:
                // The bug: the root's leaf given the entry size of the level below.
                let below = format.geometry(format.realLevel(below: step.level)!).entrySize
                let start = Format.alignDown(address, below)
                return (entry, step.level, false, AddressRange(start: start, end: start + below), step.table)
            case .none where faults.has(.clearedParentAsTable) && step.level != .pte && !step.inHugepd:
                // The bug: a cleared parent taken for a table, and the empty table under it read as none PTEs.
                let page = Format.alignDown(address, format.pageSize)
                return (.none, .pte, false, AddressRange(start: page, end: page + format.pageSize), step.table)
            default:
                guard settled(step) else { continue }
                return (entry, step.level, step.inHugepd, span, step.table)
            }
        }
    }

    /// Whether what was just read below `step` stands: always, but for a PTE table read locklessly,
    /// whose PMD is read again (GUP-fast: `pmd_val(pmd) != pmd_val(pmdp_get_lockless(pmdp))`); when
    /// it changed, the table may be gone, so it is dropped and the walk goes on from the PMD.
    private mutating func settled(_ step: Step) -> Bool {
        guard lockless, let parent = step.parent, !faults.has(.noPMDRecheck) else { return true }
        if reader.stillHolds(parent.table, parent.index, parent.word) { return true }
        pop()
        return false
    }

    /// Drops the deepest cached table, unlocking or unmapping a PTE table.
    private mutating func pop() {
        let step = steps.removeLast()
        if let cached = block, cached.table == step.table { block = nil }
        guard step.parent != nil else { return }
        if lockless { reader.unmapPTETable(step.table) } else { reader.unlockPTETable(step.table) }
    }

    /// Drops every cached table: the walk's end.
    mutating func finish() {
        while steps.count > 1 { pop() }
    }
}
