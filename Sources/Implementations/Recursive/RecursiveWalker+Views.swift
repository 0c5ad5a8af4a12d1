import PageTable

extension RecursiveWalker {
    /// The entry walk (`walk_page_range()`'s view): the body, specialised here for WalkCheck's readers.
    public func walkEntries<R: TableReader>(_ reader: R, range: AddressRange, flags: EntryWalkFlags,
                                            _ visit: (EntryWalkItem) -> Void) throws(PageTableError) {
        try walkEntriesOpened(reader, range: range, flags: flags, visit)
    }

    /// The entry walk with `reader`.
    public func walkEntriesBody<R: TableReader>(_ reader: R, range: AddressRange, flags: EntryWalkFlags,
                                         _ visit: (EntryWalkItem) -> Void) throws(PageTableError) {
        var ops = EntryStream(flags: flags, format: reader.format)
        try walk(reader, range: range, ops: &ops, emit: visit)
        ops.flush(visit)
    }

    /// The folio walk (`folio_walk_start()` and `folio_pte_batch()`'s view): the body, specialised here for WalkCheck's readers.
    public func walkFolios<R: TableReader>(_ reader: R, range: AddressRange, flags: FolioWalkFlags,
                                           _ visit: (FolioRun) -> Void) throws(PageTableError) {
        try walkFoliosOpened(reader, range: range, flags: flags, visit)
    }

    /// The folio walk with `reader`.
    public func walkFoliosBody<R: TableReader>(_ reader: R, range: AddressRange, flags: FolioWalkFlags,
                                        _ visit: (FolioRun) -> Void) throws(PageTableError) {
        var ops = FolioBatch(builder: FolioRunBuilder(reader, flags: flags), fault: fault,
                             pteTableSpan: fault == .offsetWithinPTETable ? reader.format.geometry(.pmd).entrySize : 0)
        try walk(reader, range: range, ops: &ops, emit: visit)
        ops.builder.finish(visit)
    }
}

/// Callbacks that turn the walk into the entry-walk stream.
struct EntryStream: PageWalkOps {
    let flags: EntryWalkFlags
    let format: Format
    /// The item of a contiguous block being coalesced, entry by entry.
    private var pending: EntryWalkItem?

    init(flags: EntryWalkFlags, format: Format) {
        self.flags = flags
        self.format = format
    }

    mutating func directoryEntry(_ entry: Entry, level: Level, range: AddressRange, slotStart: UInt64, table: TableHandle,
                                 _ visit: (EntryWalkItem) -> Void) -> WalkAction {
        switch entry {
        case .table, .hugepd:
            return .subtree
        default:
            pteEntry(entry, level: level, inHugepd: false, range: range, slotStart: slotStart, table: table, visit)
            return .skipSubtree
        }
    }

    mutating func pteEntry(_ entry: Entry, level: Level, inHugepd: Bool, range: AddressRange, slotStart: UInt64, table: TableHandle,
                           _ visit: (EntryWalkItem) -> Void) {
        var entry = entry
        if case .leaf(let pfn, let attributes) = entry {
            entry = .leaf(pfn: pfn + format.pages(in: range.start - slotStart), attributes: attributes)
            if attributes.contains(.contiguous), flags.contains(.coalesceContiguous) {
                let block = format.geometry(level).blockSize
                if var current = pending, current.range.end == range.start,
                   Format.alignDown(current.range.start, block) == Format.alignDown(range.start, block) {
                    current.range.end = range.end
                    pending = current
                } else {
                    flush(visit)
                    pending = EntryWalkItem(range: range, level: level, inHugepd: inHugepd, entry: entry)
                }
                return
            }
        }
        flush(visit)
        if flags.contains(.skipNone), entry.isNone { return }
        visit(EntryWalkItem(range: range, level: level, inHugepd: inHugepd, entry: entry))
    }

    mutating func hole(_ range: AddressRange, level: Level, _ visit: (EntryWalkItem) -> Void) {
        pteEntry(.none, level: level, inHugepd: false, range: range, slotStart: range.start, table: TableHandle(base: -1), visit)
    }

    mutating func vmaHole(_ range: AddressRange, _ visit: (EntryWalkItem) -> Void) {
        flush(visit)
        if !flags.contains(.skipNone) { visit(.vmaHole(range, format: format)) }
    }

    mutating func postVMA(_ vma: VMA, _ visit: (EntryWalkItem) -> Void) { flush(visit) }

    var hasHugetlbEntry: Bool { true }

    var walksHugetlbAsLeaves: Bool { flags.contains(.unifiedHugetlb) }

    mutating func hugetlbEntry(_ entry: Entry, level: Level, range: AddressRange, _ visit: (EntryWalkItem) -> Void) {
        flush(visit)
        if flags.contains(.skipNone), entry.isNone { return }
        visit(EntryWalkItem(range: range, level: level, inHugepd: false, entry: entry))
    }

    /// Reports the block being coalesced, if there is one.
    mutating func flush(_ visit: (EntryWalkItem) -> Void) {
        if let item = pending { visit(item) }
        pending = nil
    }
}

/// Callbacks that batch the walk's leaves into folio runs.
struct FolioBatch: PageWalkOps {
    var builder: FolioRunBuilder
    let fault: Fault
    /// The addresses one PTE table maps: for the `offsetWithinPTETable` mutant only (0 otherwise).
    let pteTableSpan: UInt64

    mutating func directoryEntry(_ entry: Entry, level: Level, range: AddressRange, slotStart: UInt64, table: TableHandle,
                                 _ visit: (FolioRun) -> Void) -> WalkAction {
        if case .table = entry { return .subtree }
        if case .hugepd = entry { return .subtree }
        if fault != .none {
            // The faults of directory entries (mutants only).
            var entry = entry, slotStart = slotStart
            if fault == .offsetWithinPTETable { slotStart = range.start - (range.start - slotStart) % pteTableSpan }
            if fault == .pmdMigrationUffdWPDropped, case .nonPresent(var swap) = entry, swap.kind.isMigration {
                swap.flags.remove(.uffdWP)
                entry = .nonPresent(swap)
            }
            builder.add(entry, range: range, slotStart: slotStart, level: level, inHugepd: false, table: table, visit)
            return .skipSubtree
        }
        builder.add(entry, range: range, slotStart: slotStart, level: level, inHugepd: false, table: table, visit)
        return .skipSubtree
    }

    mutating func pteEntry(_ entry: Entry, level: Level, inHugepd: Bool, range: AddressRange, slotStart: UInt64, table: TableHandle,
                           _ visit: (FolioRun) -> Void) {
        builder.add(entry, range: range, slotStart: slotStart, level: level, inHugepd: inHugepd, table: table, visit)
    }

    mutating func hole(_ range: AddressRange, level: Level, _ visit: (FolioRun) -> Void) {}

    /// A run ends with its VMA (folio_pte_batch()'s callers clamp to the VMA's end).
    mutating func postVMA(_ vma: VMA, _ visit: (FolioRun) -> Void) { builder.finish(visit) }

    /// The folio walk walks every VMA: `vm_normal_page()`, not `test_walk`, decides what counts.
    mutating func testWalk(_ vma: VMA, range: AddressRange, _ visit: (FolioRun) -> Void) -> VMATest { .walk }

    /// `folio_walk_start()` reads hugetlb leaves as any other leaf.
    var walksHugetlbAsLeaves: Bool { true }
}
