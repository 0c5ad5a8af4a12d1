import PageTable

/// The recursive per-level walker, in the shape of Linux's `walk_page_range()` (`mm/pagewalk.c`).
///
/// One function per kind of level runs the same `next = pXd_addr_end(addr, end)` loop: directory
/// levels (PGD, P4D, PUD, PMD, written once and parameterised by the level, as swift-collections'
/// `_HashLevel` is), the PTE level (`walk_pte_range()`) and hugepd tables (`walk_hugepd_range()`).
/// Callbacks (``PageWalkOps``) see every non-none directory entry, every PTE and every hole, and
/// steer the walk with ``WalkAction``.
///
/// In a space with VMAs it runs `walk_page_range_mm()`'s VMA loop: a gap is one `vmaHole`
/// (depth -1), each VMA goes through `testWalk`, then `preVMA`, the walk of its part, `postVMA`.
///
/// Departures from Linux: a directory leaf is left to the directory callback
/// rather than split; the PTE callback of a contiguous entry gets young and dirty ORed across its block (what `ptep_get()`
/// returns on arm64), reading each entry of the block once.
///
/// Raced: each PTE table is walked under its lock (`pte_offset_map_lock()`); when that fails, the
/// PMD changed under the walker and its slot is read again (`ACTION_AGAIN`), as when a table
/// pointer no longer resolves. Directory tables above are never freed under `mmap_lock`.
public struct RecursiveWalker: EntryWalkBody, FolioWalkBody {
    /// `recursive` (or the mutant's name when a fault is injected).
    public let name: String
    /// The injected fault; `.none` for the shipped design.
    package let fault: Fault

    /// Creates the design.
    public init() { self.init(fault: .none) }

    /// Creates the design with `fault` injected (a mutant).
    package init(fault: Fault) {
        self.fault = fault
        name = fault.designName(shipped: "recursive")
    }

    /// It walks VMA by VMA itself (`walk_page_range()`), with the callbacks of `mm_walk_ops`.
    public var walksVMAsItself: Bool { true }

    /// Walks `range`, calling `ops` as `walk_page_range()` calls `mm_walk_ops`, and passing
    /// `emit` to the callbacks for what they produce.
    public func walk<R: TableReader, Ops: PageWalkOps>(_ reader: R, range: AddressRange, ops: inout Ops,
                                                       emit: (Ops.Output) -> Void) throws(PageTableError) {
        // The shipped design's walk is its own specialisation, with no fault check in its loops.
        if fault == .none { return try walk(reader, range: range, ops: &ops, faults: NoFault(), emit) }
        try walk(reader, range: range, ops: &ops, faults: InjectedFault(fault: fault), emit)
    }

    /// Walks `range` with callbacks that emit nothing.
    public func walk<R: TableReader, Ops: PageWalkOps>(_ reader: R, range: AddressRange, ops: inout Ops) throws(PageTableError)
        where Ops.Output == Never {
        try walk(reader, range: range, ops: &ops, emit: { _ in })
    }

    /// The walk with `faults` as the injected fault's switch.
    func walk<R: TableReader, Ops: PageWalkOps, F: FaultSwitch>(_ reader: R, range: AddressRange, ops: inout Ops,
                                                                faults: F, _ emit: (Ops.Output) -> Void) throws(PageTableError) {
        let format = reader.format
        let range = try range.validated(for: format)
        // The callbacks are reached through a pointer to the caller's: copying them in and out
        // (a folio walk's hold the memory's arrays) was a sixth of a short walk.
        withUnsafeMutablePointer(to: &ops) { ops in
            walk(reader, range: range, format: format, ops: ops, faults: faults, emit)
        }
    }

    /// The walk of a validated `range`, with the callbacks at `ops`.
    private func walk<R: TableReader, Ops: PageWalkOps, F: FaultSwitch>(_ reader: R, range: AddressRange, format: Format,
                                                                        ops: UnsafeMutablePointer<Ops>, faults: F,
                                                                        _ emit: (Ops.Output) -> Void) {
        var walk = Walk(reader: reader, format: format, faults: faults, ops: ops)
        guard let vmas = reader.vmas else {
            return walk.directoryRange(reader.root, level: format.rootLevel, start: range.start, end: range.end, emit)
        }
        // walk_page_range_mm(): one hole per gap, then each VMA's part through walk_page_test()
        // and __walk_page_range().
        var aborted = false
        vmas.forEachPiece(in: range) { piece, vma in
            guard !aborted else { return }
            guard let vma else {
                if faults.has(.gapWalkedAsTable) {
                    return walk.directoryRange(reader.root, level: format.rootLevel, start: piece.start, end: piece.end, emit)
                }
                return walk.ops.pointee.vmaHole(piece, emit)
            }
            switch faults.has(.pfnmapWalked) ? .walk : walk.ops.pointee.testWalk(vma, range: piece, emit) {
            case .skip: return
            case .abort: aborted = true; return
            case .walk: break
            }
            guard walk.ops.pointee.preVMA(vma, range: piece) else {
                aborted = true
                return
            }
            if let shape = vma.hugetlb, !walk.ops.pointee.walksHugetlbAsLeaves {
                // __walk_page_range(): walk_hugetlb_range() only with a hugetlb_entry.
                if walk.ops.pointee.hasHugetlbEntry { walk.hugetlbRange(piece, shape: shape, emit) }
            } else {
                walk.directoryRange(reader.root, level: format.rootLevel, start: piece.start, end: piece.end, emit)
            }
            // post_vma runs whether or not the walk of the VMA failed (__walk_page_range(); the
            // comment in include/linux/pagewalk.h says only after success). This walk cannot fail.
            walk.ops.pointee.postVMA(vma, emit)
        }
    }

    /// The walk in progress: the reader, the format, the callbacks.
    struct Walk<R: TableReader, Ops: PageWalkOps, F: FaultSwitch> {
        let reader: R
        let format: Format
        let faults: F
        /// The caller's callbacks, changed in place.
        let ops: UnsafeMutablePointer<Ops>

        /// `walk_pgd_range()` … `walk_pmd_range()`: the loop over one directory table.
        mutating func directoryRange(_ table: TableHandle, level: Level, start: UInt64, end: UInt64, _ emit: (Ops.Output) -> Void) {
            let size = format.geometry(level).entrySize
            var address = start
            repeat {
                let next = faults.has(.nextNotClamped) ? Format.alignDown(address, size) + size
                                                    : Format.spanEnd(address, size: size, clampedTo: end)
                let index = format.index(of: address, at: level)
                var word = reader.read(table, index)
                while true {
                    let entry = format.decode(word, at: level, address: address)
                    if entry.isNone {
                        let folded = faults.has(.foldedLevelReported) && level == .pgd && format.geometry(.p4d).isFolded
                        ops.pointee.hole(AddressRange(start: address, end: next), level: folded ? .p4d : level, emit)
                        break
                    }
                    if case .leaf(let pfn, let attributes) = entry, attributes.contains(.contiguous) {
                        // A contiguous block of directory leaves: read it once, report its entries in the range.
                        // Read without a lock: read again until whole (as contpte_ptep_get_lockless()).
                        let block = ContiguousBlock(reader, format: format, table: table, index: index, word: word, level: level,
                                                    verifying: address)
                        guard block.settled else {
                            word = reader.read(table, index)
                            continue
                        }
                        let blockEnd = Format.spanEnd(address, size: size * UInt64(block.count), clampedTo: end)
                        var entryStart = address
                        while entryStart < blockEnd {
                            let entryEnd = Format.spanEnd(entryStart, size: size, clampedTo: end)
                            let slotStart = Format.alignDown(entryStart, size)
                            _ = ops.pointee.directoryEntry(.leaf(pfn: pfn + format.pages(in: slotStart - Format.alignDown(address, size)),
                                                         attributes: attributes.union(block.youngDirty)),
                                                   level: level, range: AddressRange(start: entryStart, end: entryEnd),
                                                   slotStart: slotStart, table: table, emit)
                            entryStart = entryEnd
                        }
                        address = blockEnd
                        break
                    }
                    let action = ops.pointee.directoryEntry(entry, level: level, range: AddressRange(start: address, end: next),
                                                    slotStart: Format.alignDown(address, size), table: table, emit)
                    if action == .again {
                        word = reader.read(table, index)
                        continue
                    }
                    if faults.has(.stopAfterFirstLeaf), case .leaf = entry { return }
                    guard action == .subtree else { break }
                    switch entry {
                    case .table(let pfn) where format.realLevel(below: level) == .pte && !faults.has(.pteTableUnlocked):
                        // walk_pte_range(): pte_offset_map_lock(); when the PMD changed under it, ACTION_AGAIN.
                        guard let child = reader.lockPTETable(atPFN: pfn, parent: table, index, expecting: word) else {
                            if faults.has(.noRetryAfterFailedLock) { break }
                            word = reader.read(table, index)
                            continue
                        }
                        pteRange(child, start: address, end: next, emit)
                        reader.unlockPTETable(child)
                    case .table(let pfn):
                        guard let child = reader.table(atPFN: pfn) else {
                            word = reader.read(table, index)
                            continue
                        }
                        descend(into: child, below: level, start: address, end: next, emit)
                    case .hugepd(let pfn, _):
                        guard let child = reader.table(atPFN: pfn) else {
                            word = reader.read(table, index)
                            continue
                        }
                        hugepdRange(child, level: level, start: address, end: next, emit)
                    default:
                        break
                    }
                    break
                }
                if address < next { address = next }
            } while address != end
        }

        /// Steps from a real level to the next real one. A folded level in between has one entry,
        /// which is this level's entry itself (`p4d_offset(pgd, addr)` returns the pgd slot), its
        /// `none`/`bad` are constant false and its `addr_end` returns `end`: it reads nothing and
        /// reports nothing, so the walk goes straight to the next real level's table.
        mutating func descend(into child: TableHandle, below level: Level, start: UInt64, end: UInt64, _ emit: (Ops.Output) -> Void) {
            let lower = format.realLevel(below: level)!
            if lower == .pte {
                pteRange(child, start: start, end: end, emit)
            } else {
                directoryRange(child, level: lower, start: start, end: end, emit)
            }
        }

        /// `walk_pte_range()`: every PTE of the range, none ones included.
        mutating func pteRange(_ table: TableHandle, start: UInt64, end: UInt64, _ emit: (Ops.Output) -> Void) {
            let pageSize = format.pageSize
            var address = start
            var firstContiguity: Bool?
            repeat {
                let index = format.index(of: address, at: .pte)
                let word = reader.read(table, index)
                let entry = format.decode(word, at: .pte, address: address)
                var contiguous = false
                if case .leaf(_, let attributes) = entry {
                    contiguous = attributes.contains(.contiguous)
                    if faults.has(.contiguityFromFirstEntry) { contiguous = firstContiguity ?? contiguous }
                    firstContiguity = firstContiguity ?? contiguous
                }
                guard case .leaf(let pfn, let attributes) = entry, contiguous, format.geometry(.pte).contiguousEntries > 1 else {
                    if !(faults.has(.pteHolesSkipped) && entry.isNone) {
                        ops.pointee.pteEntry(entry, level: .pte, inHugepd: false, range: AddressRange(start: address, end: address + pageSize),
                                     slotStart: address, table: table, emit)
                    }
                    address += pageSize
                    continue
                }
                // A contiguous block: read its other entries once, then report its entries in the range.
                let block = ContiguousBlock(reader, format: format, table: table, index: index, word: word, level: .pte)
                let basePFN = pfn - UInt64(index - block.first)
                let blockEnd = Format.spanEnd(address, size: pageSize * UInt64(block.count), clampedTo: end)
                if faults.has(.blockSkippedMidStart), index != block.first {
                    address = blockEnd
                    continue
                }
                for offset in UInt64(index - block.first)..<UInt64(index - block.first) + (blockEnd - address) / pageSize {
                    let entryStart = address + (offset - UInt64(index - block.first)) * pageSize
                    ops.pointee.pteEntry(.leaf(pfn: basePFN + offset, attributes: attributes.union(block.youngDirty)), level: .pte,
                                 inHugepd: false, range: AddressRange(start: entryStart, end: entryStart + pageSize),
                                 slotStart: entryStart, table: table, emit)
                }
                address = blockEnd
            } while address != end
        }

        /// `walk_hugetlb_range()`: one `hugetlb_entry` per huge page, a depth -1 hole where
        /// `hugetlb_walk()` finds no slot.
        mutating func hugetlbRange(_ range: AddressRange, shape: HugetlbShape, _ emit: (Ops.Output) -> Void) {
            if faults.has(.hugetlbWalkedAsTables) { return directoryRange(reader.root, level: format.rootLevel, start: range.start, end: range.end, emit) }
            HugetlbWalk.forEachHugePage(reader, range: range, shape: shape) { part, entry in
                if let entry { ops.pointee.hugetlbEntry(entry, level: shape.level, range: part, emit) } else { ops.pointee.vmaHole(part, emit) }
            }
        }

        /// `walk_hugepd_range()`: one callback per huge page of a hugepd table.
        mutating func hugepdRange(_ table: TableHandle, level: Level, start: UInt64, end: UInt64, _ emit: (Ops.Output) -> Void) {
            let size: UInt64 = faults.has(.hugepdSizeFromLevelBelow) ? format.geometry(format.realLevel(below: level)!).entrySize
                                                                  : 1 << UInt64(format.geometry(level).hugepdPageShift!)
            var address = start
            repeat {
                let next = Format.spanEnd(address, size: size, clampedTo: end)
                let word = reader.read(table, format.hugepdIndex(of: address, at: level))
                ops.pointee.pteEntry(format.decode(word, at: level, inHugepd: true, address: address), level: level, inHugepd: true,
                             range: AddressRange(start: address, end: next), slotStart: Format.alignDown(address, size), table: table, emit)
                address = next
            } while address != end
        }
    }
}
