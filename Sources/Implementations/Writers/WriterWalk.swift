import PageTable

/// One terminal a writer's level loop hands its body above the PTE level: a directory leaf or
/// non-present directory entry, a contiguous directory block (its first slot), or a hugepd page,
/// lying whole inside the range.
struct WriterTerminal {
    /// The (first) slot.
    var slot: SlotRef
    /// How many slots it occupies: a contiguous block's entries, else 1.
    var count: Int
    /// The level of its entries (a hugepd page's directory level).
    var level: Level
    /// Whether it is a hugepd page.
    var inHugepd: Bool
    /// The first address it maps.
    var address: UInt64
    /// The bytes one of its slots maps.
    var slotSize: UInt64

    /// Whether Linux handles it as hugetlb: a leaf above the PMD, a contiguous directory block or
    /// a hugepd page (`copy_hugetlb_page_range()`, `__unmap_hugepage_range()`).
    var isHugetlb: Bool { inHugepd || (level != .pte && (count > 1 || level < .pmd)) }
}

/// What a writer design does at the terminals its level loop reaches.
protocol WriterBody {
    /// A directory terminal lying whole inside the range. Returns false when it changed the slot
    /// into a table (a split) and wants the slot read again (`-EAGAIN` from `copy_huge_pmd()`).
    mutating func directoryTerminal(_ view: inout WriterView, _ terminal: WriterTerminal) -> Bool
    /// Entries `from..<to` of the PTE table `table` (whose first entry maps `base`); a contiguous
    /// block at either end lies whole inside them. For a copy, `destination` is the child's table.
    mutating func pteEntries(_ view: inout WriterView, table: TableID, from: Int, to: Int, base: UInt64, destination: TableID?)
}

/// The level loop every shipped writer design shares: `zap_pud_range()` → `zap_pmd_range()` →
/// `zap_pte_range()`, `change_pud_range()` …, `copy_pud_range()` … — one `next = pXd_addr_end()`
/// loop at every directory level, written once. A terminal straddling the range's edge is split
/// first (`__split_huge_pmd()`, contpte unfold, hugepd conversion) and its slot read again. For a
/// copy, the child's table of each parent table is allocated on the way down (`pte_alloc()`,
/// `pmd_alloc()`), so the child's tables mirror the parent's.
enum WriterWalk {
    /// Performs `view.operation` with the bodies a design gives for each writer: set-entries by
    /// ``WriterSteps/setEntries(_:address:order:writable:)``, zap and protection change over their
    /// range, a copy over the whole space (`keepPartialBlocks` is the contiguous-bit mutant's fault,
    /// for protection changes).
    static func perform<Zap: WriterBody, Protect: WriterBody, Copy: WriterBody>(
        _ view: inout WriterView, zap: (Bool) -> Zap, protect: (Protection) -> Protect, copy: (CopyOptions) -> Copy,
        keepPartialBlocks: Bool = false
    ) {
        switch view.operation {
        case .setEntries(let address, let order, let writable):
            WriterSteps.setEntries(&view, address: address, order: order, writable: writable)
        case .zap(let range, let dropMarkers):
            var body = zap(dropMarkers)
            run(&view, range: range, body: &body)
        case .changeProtection(let range, let protection):
            var body = protect(protection)
            run(&view, range: range, body: &body, keepPartialBlocks: keepPartialBlocks)
        case .copy(let options):
            var body = copy(options)
            run(&view, range: AddressRange(start: 0, end: view.format.top), body: &body)
        }
    }

    /// Walks `range` of the source space, handing terminals to `body`. `keepPartialBlocks` is the
    /// contiguous-bit mutant's fault: a block straddling the range's edge is not unfolded.
    static func run<Body: WriterBody>(_ view: inout WriterView, range: AddressRange, body: inout Body, keepPartialBlocks: Bool = false) {
        let copying = view.destination != nil
        walkTable(&view, view.root(), destination: copying ? view.root(.destination) : nil, level: view.format.rootLevel,
                  base: 0, range: range, body: &body, keepPartialBlocks: keepPartialBlocks)
    }

    private static func walkTable<Body: WriterBody>(_ view: inout WriterView, _ table: TableID, destination: TableID?, level: Level,
                                                   base: UInt64, range: AddressRange, body: inout Body, keepPartialBlocks: Bool) {
        let format = view.format
        let geometry = format.geometry(level)
        if level == .pte {
            var first = Int((max(range.start, base) - base) / geometry.entrySize)
            let last = Int((min(range.end, base + geometry.entrySize * UInt64(geometry.entryCount)) - base + geometry.entrySize - 1) / geometry.entrySize)
            // A block straddling either edge is unfolded first, as clear_full_ptes() and
            // modify_prot_start_ptes() unfold a partly covered block.
            if geometry.contiguousEntries > 1, !keepPartialBlocks {
                for edge in [first, last - 1] where edge >= first && edge < last {
                    let blockStart = edge & ~(geometry.contiguousEntries - 1)
                    let covered = blockStart >= first && blockStart + geometry.contiguousEntries <= last
                    if !covered, case .leaf(_, let attributes) = format.decode(view.word(SlotRef(table: table, index: edge)), at: .pte, address: 0),
                       attributes.contains(.contiguous) {
                        view.splitUnit(containing: base + UInt64(edge) * geometry.entrySize)
                    }
                }
            }
            first = min(first, last)
            body.pteEntries(&view, table: table, from: first, to: last, base: base, destination: destination)
            return
        }
        let entrySize = geometry.entrySize
        var address = max(range.start, base)
        let end = min(range.end, base + entrySize * UInt64(geometry.entryCount))
        while address < end {
            let index = Int((address - base) / entrySize)
            let slotStart = base + UInt64(index) * entrySize
            let next = min(slotStart + entrySize, end)
            let slot = SlotRef(table: table, index: index)
            switch format.decode(view.word(slot), at: level, address: address) {
            case .none:
                address = next
            case .table(let pfn):
                let lower = format.realLevel(below: level)!
                var childTable: TableID?
                if let destination {
                    let childSlot = SlotRef(table: destination, index: index)
                    if case .table(let childPFN) = format.decode(view.word(childSlot, in: .destination), at: level, address: address) {
                        childTable = view.table(atPFN: childPFN, in: .destination)
                    } else {
                        childTable = view.allocateTable(under: childSlot, level: lower, base: slotStart, in: .destination)
                    }
                }
                walkTable(&view, view.table(atPFN: pfn)!, destination: childTable, level: lower, base: slotStart,
                          range: AddressRange(start: address, end: next), body: &body, keepPartialBlocks: keepPartialBlocks)
                address = next
            case .hugepd(let pfn, let shift):
                if walkHugepd(&view, view.table(atPFN: pfn)!, directory: slot, destination: destination, level: level, pageShift: shift,
                              base: slotStart, range: AddressRange(start: address, end: next), body: &body) {
                    address = next
                }
            case .leaf(_, let attributes):
                let count = attributes.contains(.contiguous) ? geometry.contiguousEntries : 1
                let unitStart = Format.alignDown(slotStart, entrySize * UInt64(count))
                let unitEnd = unitStart + entrySize * UInt64(count)
                if unitStart < range.start || unitEnd > range.end {
                    view.splitUnit(containing: max(address, range.start))
                    continue
                }
                let terminal = WriterTerminal(slot: SlotRef(table: table, index: index & ~(count - 1)), count: count, level: level,
                                              inHugepd: false, address: unitStart, slotSize: entrySize)
                if body.directoryTerminal(&view, terminal) { address = max(next, unitEnd) }
            case .nonPresent:
                if slotStart < range.start || slotStart + entrySize > range.end {
                    view.splitUnit(containing: max(address, range.start))
                    continue
                }
                let terminal = WriterTerminal(slot: slot, count: 1, level: level, inHugepd: false, address: slotStart, slotSize: entrySize)
                if body.directoryTerminal(&view, terminal) { address = next }
            }
        }
    }

    /// The pages of a hugepd table in `range`; false when one straddled an edge and the table was
    /// converted to ordinary tables (the directory slot is read again).
    private static func walkHugepd<Body: WriterBody>(_ view: inout WriterView, _ table: TableID, directory: SlotRef, destination: TableID?,
                                                    level: Level, pageShift: Int, base: UInt64, range: AddressRange,
                                                    body: inout Body) -> Bool {
        let pageSize: UInt64 = 1 << UInt64(pageShift)
        // A page straddling an edge converts the whole directory, so it goes first, before any
        // page of the directory is written (as the reference splits both edges first).
        for edge in [range.start, range.end] where edge % pageSize != 0 {
            let page = Format.alignDown(edge, pageSize)
            if view.word(SlotRef(table: table, index: Int((page - base) / pageSize))) != 0 {
                view.splitUnit(containing: page)
                return false
            }
        }
        var address = Format.alignDown(range.start, pageSize)
        while address < range.end {
            let index = Int((address - base) / pageSize)
            let slot = SlotRef(table: table, index: index)
            if view.word(slot) != 0 {
                let terminal = WriterTerminal(slot: slot, count: 1, level: level, inHugepd: true, address: address, slotSize: pageSize)
                _ = body.directoryTerminal(&view, terminal)
            }
            address += pageSize
        }
        return true
    }
}
