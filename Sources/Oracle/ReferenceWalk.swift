import PageTable

/// The reference semantics of the three walk views, computed the slow, obviously correct way:
/// translate each address from the root, as a hardware walker does, then jump to the end of the slot.
///
/// SEMANTICS.md states the contract these functions implement.
public enum ReferenceWalk {
    /// What a walker sees at one address: the terminal slot, and for a contiguous entry its whole block.
    struct Observation {
        var translation: Translation
        /// The terminal entry with young and dirty ORed across its block; a leaf's pfn is its slot's first page.
        var entry: Entry
        /// The slot's span, or its block's span for a contiguous entry.
        var blockSpan: AddressRange
        /// The first of the slots a walker must read to report the entry: the terminal slot, or
        /// its block's first.
        var blockFirst: SlotRef
        /// How many slots from `blockFirst` a walker must read: 1, or the block's entries.
        var blockCount: Int

        /// The frame of the page holding `address` (inside the translated slot).
        func pfn(at address: UInt64, format: Format) -> UInt64? {
            guard case .leaf(let pfn, _) = entry else { return nil }
            return pfn + format.pages(in: Format.alignDown(address, format.pageSize) - translation.span.start)
        }
    }

    static func observe(_ space: AddressSpace, _ address: UInt64) -> Observation {
        let found = space.translate(address)
        guard case .leaf(let pfn, var attributes) = found.entry, attributes.contains(.contiguous), !found.inHugepd else {
            return Observation(translation: found, entry: found.entry, blockSpan: found.span, blockFirst: found.slot, blockCount: 1)
        }
        let geometry = space.format.geometry(found.level)
        let first = found.slot.index & ~(geometry.contiguousEntries - 1)
        for index in first..<first + geometry.contiguousEntries {
            let slot = SlotRef(table: found.slot.table, index: index)
            if case .leaf(_, let mate) = space.format.decode(space.tables.word(slot), at: found.level, address: address) {
                attributes.formUnion(mate.intersection([.young, .dirty]))
            }
        }
        let start = Format.alignDown(address, geometry.blockSize)
        return Observation(translation: found, entry: .leaf(pfn: pfn, attributes: attributes),
                           blockSpan: AddressRange(start: start, end: start + geometry.blockSize),
                           blockFirst: SlotRef(table: found.slot.table, index: first), blockCount: geometry.contiguousEntries)
    }

    /// Visits the observation of every terminal slot meeting `range`, in address order.
    static func forEachSlot(_ space: AddressSpace, in range: AddressRange, _ body: (Observation, AddressRange) -> Void) {
        var address = range.start
        while address < range.end {
            let observation = observe(space, address)
            let end = min(observation.translation.span.end, range.end)
            body(observation, AddressRange(start: address, end: end))
            address = end
        }
    }

    /// The entry walk: every terminal slot in `range` at its own level, clipped, tiling the range.
    public static func entries(in space: AddressSpace, range: AddressRange,
                               flags: EntryWalkFlags = []) throws(PageTableError) -> [EntryWalkItem] {
        var footprint = Footprint()
        return try entries(in: space, range: range, flags: flags, footprint: &footprint)
    }

    /// The entry walk, counting its read bound in `footprint` on the way (one traversal for both).
    ///
    /// With VMAs, `walk_page_range()`'s order: each gap is one hole at depth -1, each `VM_PFNMAP`
    /// VMA too (the default `test_walk`), and each other VMA's part of the range is walked alone.
    static func entries(in space: AddressSpace, range: AddressRange, flags: EntryWalkFlags,
                        footprint: inout Footprint) throws(PageTableError) -> [EntryWalkItem] {
        let range = try range.validated(for: space.format)
        var items: [EntryWalkItem] = []
        byVMA(space, range, footprint: &footprint, walks: { !$0.flags.contains(.pfnmap) }) { piece in
            if !flags.contains(.skipNone) { items.append(.vmaHole(piece, format: space.format)) }
        } walk: { piece, footprint in
            if let shape = space.vmas?.vma(containing: piece.start)?.hugetlb, !flags.contains(.unifiedHugetlb) {
                hugetlbEntries(in: space, range: piece, shape: shape, flags: flags, footprint: &footprint, into: &items)
            } else {
                entries(in: space, range: piece, flags: flags, footprint: &footprint, into: &items)
            }
        }
        return items
    }

    /// The entry walk of a hugetlb VMA's part, as `walk_hugetlb_range()` reports it: one item per
    /// huge page (clipped to the range), the entry `huge_ptep_get()` returns for its first slot —
    /// young and dirty ORed across a block — at the hstate's level; a depth -1 hole where
    /// `hugetlb_walk()` finds no slot (a directory above the hstate's level is not a table). Each
    /// huge page's walk descends from the root again (`huge_pte_offset()`), so each counts its path.
    private static func hugetlbEntries(in space: AddressSpace, range: AddressRange, shape: HugetlbShape, flags: EntryWalkFlags,
                                       footprint: inout Footprint, into items: inout [EntryWalkItem]) {
        var address = range.start
        while address < range.end {
            let pageStart = Format.alignDown(address, shape.size)
            let next = min(pageStart + shape.size, range.end)
            if address > range.start { footprint.startPiece() }
            let observation = observe(space, pageStart)
            footprint.count(observation)
            let found = observation.translation
            let piece = AddressRange(start: address, end: next)
            if found.level != shape.level || found.inHugepd {
                if !flags.contains(.skipNone) { items.append(.vmaHole(piece, format: space.format)) }
            } else {
                var entry = observation.entry
                if case .leaf(_, let attributes) = entry { entry = .leaf(pfn: observation.pfn(at: address, format: space.format)!, attributes: attributes) }
                if !(flags.contains(.skipNone) && entry.isNone) {
                    items.append(EntryWalkItem(range: piece, level: shape.level, inHugepd: false, entry: entry))
                }
            }
            address = next
        }
    }

    /// Runs `walk` over `range` in a space without VMAs; with VMAs, over each VMA's part of it that
    /// `walks` accepts, each piece descending from the root again, and `hole` over the rest (gaps
    /// and the VMAs `walks` refuses), in `walk_page_range()`'s order.
    private static func byVMA(_ space: AddressSpace, _ range: AddressRange, footprint: inout Footprint, walks: (VMA) -> Bool,
                              hole: (AddressRange) -> Void, walk: (AddressRange, inout Footprint) -> Void) {
        guard let vmas = space.vmas else { return walk(range, &footprint) }
        vmas.forEachPiece(in: range) { piece, vma in
            guard let vma, walks(vma) else { return hole(piece) }
            footprint.startPiece()
            walk(piece, &footprint)
        }
    }

    /// The entry walk of a range without VMAs, or inside one VMA.
    private static func entries(in space: AddressSpace, range: AddressRange, flags: EntryWalkFlags,
                                footprint: inout Footprint, into items: inout [EntryWalkItem]) {
        var address = range.start
        while address < range.end {
            let observation = observe(space, address)
            footprint.count(observation)
            let found = observation.translation
            var span = found.span
            if flags.contains(.coalesceContiguous), observation.blockCount > 1 { span = observation.blockSpan }
            let end = min(span.end, range.end)
            var entry = observation.entry
            if case .leaf(_, let attributes) = entry { entry = .leaf(pfn: observation.pfn(at: address, format: space.format)!, attributes: attributes) }
            if !(flags.contains(.skipNone) && entry.isNone) {
                items.append(EntryWalkItem(range: AddressRange(start: address, end: end), level: found.level,
                                           inHugepd: found.inHugepd, entry: entry))
            }
            address = end
        }
    }

    /// The folio walk: present folio pages (and, if asked, zero pages and migration entries) as maximal runs.
    ///
    /// Ignored attributes are the run's first page's; with `merge`, writable, young and dirty are
    /// ORed across the run (`FPB_MERGE_WRITE | FPB_MERGE_YOUNG_DIRTY`) and soft-dirty stays the
    /// first page's. Every other bit, the contiguous bit among them, is compared.
    public static func folios(in space: AddressSpace, range: AddressRange,
                              flags: FolioWalkFlags = .batchDefault) throws(PageTableError) -> [FolioRun] {
        var footprint = Footprint()
        return try folios(in: space, range: range, flags: flags, footprint: &footprint)
    }

    /// The folio walk, counting its read bound in `footprint` on the way (one traversal for both).
    ///
    /// With VMAs, each VMA's part of the range is walked alone (every VMA: `folio_walk_start()`
    /// takes any VMA, and `vm_normal_page()` decides), so no run crosses a VMA boundary; gaps hold nothing.
    static func folios(in space: AddressSpace, range: AddressRange, flags: FolioWalkFlags,
                       footprint: inout Footprint) throws(PageTableError) -> [FolioRun] {
        let range = try range.validated(for: space.format)
        var runs: [FolioRun] = []
        byVMA(space, range, footprint: &footprint, walks: { _ in true }) { _ in } walk: { piece, footprint in
            folios(in: space, range: piece, flags: flags, footprint: &footprint, into: &runs)
        }
        return runs
    }

    /// The folio walk of a range without VMAs, or inside one VMA, appended to `runs`.
    private static func folios(in space: AddressSpace, range: AddressRange, flags: FolioWalkFlags,
                               footprint: inout Footprint, into runs: inout [FolioRun]) {
        let ignored = flags.ignoredAttributes
        let firstRun = runs.count
        var lastTable: TableID?
        forEachSlot(space, in: range) { observation, piece in
            footprint.count(observation)
            guard let run = folioRun(space, observation, piece, flags: flags) else { return }
            let table = observation.translation.slot.table
            if runs.count > firstRun, let last = runs.last, table == lastTable, canExtend(last, with: run, ignoring: ignored, format: space.format) {
                runs[runs.count - 1].range.end = run.range.end
                if flags.contains(.mergeIgnored) { runs[runs.count - 1].attributes.formUnion(run.attributes.intersection(LeafAttributes.mergedByBatch)) }
            } else {
                runs.append(run)
            }
            lastTable = table
        }
    }

    static func folioRun(_ space: AddressSpace, _ observation: Observation, _ piece: AddressRange,
                         flags: FolioWalkFlags) -> FolioRun? {
        let found = observation.translation
        switch observation.entry {
        case .leaf(_, let attributes):
            // folio_walk_start(): vm_normal_page() first (NULL for a special entry), then the zero
            // page, only with FW_ZEROPAGE (is_zero_pfn(), is_huge_zero_pmd()).
            let pfn = observation.pfn(at: piece.start, format: space.format)!
            let folio: Folio
            if let normal = normalPage(space, pfn: pfn, attributes: attributes) {
                folio = normal
            } else if flags.contains(.includeZeroPage), let zero = zeroFolio(space, pfn: pfn) {
                folio = zero
            } else {
                return nil
            }
            return FolioRun(range: piece, folio: folio.id, firstPage: pfn - folio.pfn, level: found.level,
                            inHugepd: found.inHugepd, attributes: attributes)
        case .nonPresent(let entry) where entry.kind.isMigration && flags.contains(.includeMigration):
            let pfn = entry.offset + space.format.pages(in: piece.start - found.span.start)
            guard let folio = space.memory.folio(containing: pfn) else { return nil }
            return FolioRun(range: piece, folio: folio.id, firstPage: pfn - folio.pfn, level: found.level,
                            inHugepd: found.inHugepd, attributes: migrationAttributes(entry), migration: entry.kind)
        default:
            return nil
        }
    }

    /// The folio `vm_normal_page()` finds for a present leaf: none for a special one (the zero page,
    /// PFNMAP-style frames), else the folio holding the frame.
    static func normalPage(_ space: AddressSpace, pfn: UInt64, attributes: LeafAttributes) -> Folio? {
        attributes.contains(.special) ? nil : space.memory.folio(containing: pfn)
    }

    /// The zero folio holding `pfn` (`is_zero_pfn()`, `is_huge_zero_pfn()`), if it is one.
    static func zeroFolio(_ space: AddressSpace, pfn: UInt64) -> Folio? {
        space.memory.isZeroFrame(pfn) ? space.memory.folio(containing: pfn) : nil
    }

    /// The attributes a folio run of migration entries reports: what the entries remember.
    public static func migrationAttributes(_ entry: SwapEntry) -> LeafAttributes {
        var attributes: LeafAttributes = []
        if entry.kind == .migrationWrite { attributes.insert(.writable) }
        if entry.flags.contains(.young) { attributes.insert(.young) }
        if entry.flags.contains(.dirty) { attributes.insert(.dirty) }
        if entry.flags.contains(.softDirty) { attributes.insert(.softDirty) }
        if entry.flags.contains(.uffdWP) { attributes.insert(.uffdWP) }
        return attributes
    }

    static func canExtend(_ last: FolioRun, with next: FolioRun, ignoring ignored: LeafAttributes, format: Format) -> Bool {
        last.range.end == next.range.start && last.folio == next.folio
            && last.firstPage + format.pages(in: last.range.size) == next.firstPage
            && last.level == next.level && last.inHugepd == next.inHugepd && last.migration == next.migration
            && last.attributes.subtracting(ignored) == next.attributes.subtracting(ignored)
    }

    /// The soft-dirty bit pagemap reports for the page at `address` (fs/proc/task_mmu.c):
    /// `pte_to_pagemap_entry()` takes `pte_soft_dirty()` or `pte_swp_soft_dirty()` and ends with
    /// `if (vma->vm_flags & VM_SOFTDIRTY) flags |= PM_SOFT_DIRTY`; `pagemap_pte_hole()` reports a
    /// hole inside a `VM_SOFTDIRTY` VMA soft-dirty, and one outside every VMA clean. Without VMAs,
    /// the entry's own bit.
    public static func pagemapSoftDirty(in space: AddressSpace, address: UInt64) throws(PageTableError) -> Bool {
        guard address < space.format.top else { throw .pastTop(address, top: space.format.top, format: space.format.name) }
        if let vmas = space.vmas {
            guard let vma = vmas.vma(containing: address) else { return false }
            if vma.flags.contains(.softDirty) { return true }
        }
        switch observe(space, address).entry {
        case .leaf(_, let attributes): return attributes.contains(.softDirty)
        case .nonPresent(let entry): return entry.flags.contains(.softDirty)
        default: return false
        }
    }

    /// The folio and frame of the present, normal page at `address`, or nil (for the census).
    public static func lookupPage(_ space: AddressSpace, _ address: UInt64) -> (folio: FolioID, pfn: UInt64)? {
        let observation = observe(space, address)
        guard case .leaf(_, let attributes) = observation.entry, let pfn = observation.pfn(at: address, format: space.format),
              let folio = normalPage(space, pfn: pfn, attributes: attributes) else { return nil }
        return (folio.id, pfn)
    }

    /// The single-address lookup: the terminal entry, its folio page and how far the caller may skip.
    public static func lookup(in space: AddressSpace, address: UInt64,
                              flags: LookupFlags = []) throws(PageTableError) -> LookupResult {
        guard address < space.format.top else { throw .pastTop(address, top: space.format.top, format: space.format.name) }
        if let outside = LookupResult.outsideVMAs(of: space, at: address) { return outside }
        let observation = observe(space, address)
        let found = observation.translation
        var entry = observation.entry
        var folio: FolioID?
        var pageIndex: UInt64?
        switch entry {
        case .leaf(_, let attributes):
            let pfn = observation.pfn(at: address, format: space.format)!
            entry = .leaf(pfn: pfn, attributes: attributes)
            if let normal = normalPage(space, pfn: pfn, attributes: attributes) {
                (folio, pageIndex) = (normal.id, pfn - normal.pfn)
            } else if flags.contains(.includeZeroPage), let zero = zeroFolio(space, pfn: pfn) {
                folio = zero.id
            }
        case .nonPresent(let swap) where swap.kind.isMigration && flags.contains(.includeMigration):
            folio = space.memory.folio(containing: swap.offset)?.id
        default: break
        }
        return LookupResult(address: address, level: found.level, inHugepd: found.inHugepd, entry: entry,
                            folio: folio, pageIndex: pageIndex, skip: found.span.end - address)
    }

    /// How many distinct table slots a walk of `range` must inspect: every slot on the path to each
    /// terminal slot, each terminal slot, and every entry of each contiguous block it reports.
    public static func footprint(of space: AddressSpace, range: AddressRange) throws(PageTableError) -> Int {
        var footprint = Footprint()
        _ = try entries(in: space, range: range, flags: [], footprint: &footprint)
        return footprint.slots
    }

    /// The distinct slots of a walk, counted without a set: the walk meets slots in address order,
    /// and a directory slot or a block covers one stretch of addresses, so all its visits are
    /// consecutive — a slot is new exactly when it differs from the one met last at its depth (for
    /// blocks, the last block).
    struct Footprint {
        /// The distinct slots counted so far.
        private(set) var slots = 0
        /// How many VMA pieces were walked, each from the root again (as `walk_page_range()` does).
        private(set) var pieces = 0
        private var lastPath = SlotPath()
        private var lastBlock: SlotRef?

        /// Starts a VMA's piece: its walk descends from the root again, so its slots count anew.
        mutating func startPiece() {
            pieces += 1
            lastPath = SlotPath()
            lastBlock = nil
        }

        /// Counts the slots a walker must read to report `observation` that it has not counted yet.
        mutating func count(_ observation: Observation) {
            let path = observation.translation.path
            for depth in path.indices where depth >= lastPath.count || lastPath[depth] != path[depth] { slots += 1 }
            lastPath = path
            if observation.blockCount == 1 {
                slots += 1
            } else if lastBlock != observation.blockFirst {
                slots += observation.blockCount
                lastBlock = observation.blockFirst
            }
        }
    }

    /// The distinct table slots a walk of `range` must inspect (what ``footprint(of:range:)`` counts).
    public static func footprintSlots(of space: AddressSpace, range: AddressRange) throws(PageTableError) -> Set<SlotRef> {
        let range = try range.validated(for: space.format)
        var slots = Set<SlotRef>()
        forEachSlot(space, in: range) { observation, _ in
            slots.formUnion(observation.translation.path)
            for index in 0..<observation.blockCount {
                slots.insert(SlotRef(table: observation.blockFirst.table, index: observation.blockFirst.index + index))
            }
        }
        return slots
    }

    /// How many distinct table slots a lookup of `address` must inspect.
    public static func footprint(of space: AddressSpace, address: UInt64) throws(PageTableError) -> Int {
        guard address < space.format.top else { throw .pastTop(address, top: space.format.top, format: space.format.name) }
        if LookupResult.outsideVMAs(of: space, at: address) != nil { return 0 }
        let observation = observe(space, address)
        return observation.translation.path.count + observation.blockCount
    }
}
