import PageTable

/// The per-address lookup, in the shape of GUP's `follow_page_mask()`: it walks from the root for one
/// address and returns the entry, its folio page and how far the caller may skip (the rest of the
/// leaf or hole). A range walk built on it steps by that skip.
///
/// Raced, the lookup is lockless as GUP-fast is (`gup_fast_pte_range()`): the PTE table mapped
/// under RCU, the PMD read again after the PTE, and the walk redone from the PMD when it changed; a
/// contiguous block is read again until whole (`contpte_ptep_get_lockless()`). Its range walks hold
/// the PTE lock of the table they are in, as `follow_page_pte()` takes it.
///
/// Departures: GUP takes references and faults pages in; this only looks. Its range walk keeps a
/// page-walk cache (``PathCache``) of the tables the last lookup went through and of the last
/// contiguous block, so that stepping through a table reads each of its slots once, as a hardware
/// walker with a paging-structure cache would.
public struct LookupWalker: LookupBody, EntryWalkBody, FolioWalkBody {
    /// `lookup` (or the mutant's name when a fault is injected).
    public let name: String
    /// The injected fault; `.none` for the shipped design.
    package let fault: Fault

    /// Creates the design.
    public init() { self.init(fault: .none) }

    /// Creates the design with `fault` injected (a mutant).
    package init(fault: Fault) {
        self.fault = fault
        name = fault.designName(shipped: "lookup")
    }

    /// The lookup (`follow_page_mask()`'s view): the body, specialised here for WalkCheck's readers.
    public func lookup<R: TableReader>(_ reader: R, address: UInt64, flags: LookupFlags) throws(PageTableError) -> LookupResult {
        if fault == .lookupOutsideVMA { return try lookupBody(reader, address: address, flags: flags) }
        return try lookupOpened(reader, address: address, flags: flags)
    }

    /// The lookup with `reader`.
    public func lookupBody<R: TableReader>(_ reader: R, address: UInt64, flags: LookupFlags) throws(PageTableError) -> LookupResult {
        // The shipped design's lookup is its own specialisation, with no fault check in it.
        if fault == .none { return try lookupBody(reader, address: address, flags: flags, faults: NoFault()) }
        return try lookupBody(reader, address: address, flags: flags, faults: InjectedFault(fault: fault))
    }

    /// The lookup with `faults` as the injected fault's switch.
    func lookupBody<R: TableReader, F: FaultSwitch>(_ reader: R, address: UInt64, flags: LookupFlags,
                                                    faults: F) throws(PageTableError) -> LookupResult {
        let format = reader.format
        guard address < format.top else { throw .pastTop(address, top: format.top, format: format.name) }
        // GUP-fast's shape: PTE tables mapped without their lock, the PMD re-checked after the read.
        var cache = PathCache(reader: reader, faults: faults, lockless: true)
        let found = cache.lookup(address)
        if !faults.has(.pteMapLeaked) { cache.finish() }
        var entry = found.entry
        var folio: FolioID?
        var pageIndex: UInt64?
        switch found.entry {
        case .leaf(let slotPFN, let attributes):
            let pfn = slotPFN + format.pages(in: Format.alignDown(address, format.pageSize) - found.span.start)
            entry = .leaf(pfn: pfn, attributes: attributes)
            let memory = reader.memory
            if !attributes.contains(.special), let owner = memory.folio(containing: pfn) {
                folio = owner.id
                pageIndex = pfn - owner.pfn
            } else if flags.contains(.includeZeroPage), memory.isZeroFrame(pfn) {
                folio = memory.folio(containing: pfn)?.id
            }
        case .nonPresent(let swap) where swap.kind.isMigration && flags.contains(.includeMigration):
            folio = reader.memory.folio(containing: swap.offset)?.id
        default: break
        }
        var skip = found.span.end - address + (faults.has(.skipOnePageLong) ? format.pageSize : 0)
        if faults.has(.unalignedSkip) { skip = found.span.end - Format.alignDown(address, format.pageSize) }
        return LookupResult(address: address, level: found.level, inHugepd: found.inHugepd && !faults.has(.hugepdFlagLost), entry: entry,
                            folio: folio, pageIndex: pageIndex, skip: skip)
    }

    /// The entry walk (`walk_page_range()`'s view): the body, specialised here for WalkCheck's readers.
    public func walkEntries<R: TableReader>(_ reader: R, range: AddressRange, flags: EntryWalkFlags,
                                            _ visit: (EntryWalkItem) -> Void) throws(PageTableError) {
        try walkEntriesOpened(reader, range: range, flags: flags, visit)
    }

    /// The entry walk with `reader`.
    public func walkEntriesBody<R: TableReader>(_ reader: R, range: AddressRange, flags: EntryWalkFlags,
                                         _ visit: (EntryWalkItem) -> Void) throws(PageTableError) {
        if fault == .none { return try walkEntriesBody(reader, range: range, flags: flags, faults: NoFault(), visit) }
        try walkEntriesBody(reader, range: range, flags: flags, faults: InjectedFault(fault: fault), visit)
    }

    /// The entry walk with `faults` as the injected fault's switch.
    func walkEntriesBody<R: TableReader, F: FaultSwitch>(_ reader: R, range: AddressRange, flags: EntryWalkFlags, faults: F,
                                                         _ visit: (EntryWalkItem) -> Void) throws(PageTableError) {
        let format = reader.format
        let range = try range.validated(for: format)
        var cache = PathCache(reader: reader, faults: faults)
        var address = range.start
        while address < range.end {
            let found = cache.lookup(address)
            var end = min(found.span.end + (faults.has(.skipOnePageLong) ? format.pageSize : 0), range.end)
            var entry = found.entry
            if case .leaf(let pfn, let attributes) = found.entry {
                entry = .leaf(pfn: pfn + format.pages(in: address - found.span.start), attributes: attributes)
                if attributes.contains(.contiguous), flags.contains(.coalesceContiguous), !faults.has(.coalesceIgnored) {
                    end = Format.spanEnd(address, size: format.geometry(found.level).blockSize, clampedTo: range.end)
                }
            }
            if !(flags.contains(.skipNone) && entry.isNone) {
                visit(EntryWalkItem(range: AddressRange(start: address, end: end), level: found.level,
                                    inHugepd: found.inHugepd && !faults.has(.hugepdFlagLost), entry: entry))
            }
            address = end
        }
        cache.finish()
    }

    /// The folio walk (`folio_walk_start()` and `folio_pte_batch()`'s view): the body, specialised here for WalkCheck's readers.
    public func walkFolios<R: TableReader>(_ reader: R, range: AddressRange, flags: FolioWalkFlags,
                                           _ visit: (FolioRun) -> Void) throws(PageTableError) {
        try walkFoliosOpened(reader, range: range, flags: flags, visit)
    }

    /// The folio walk with `reader`.
    public func walkFoliosBody<R: TableReader>(_ reader: R, range: AddressRange, flags: FolioWalkFlags,
                                        _ visit: (FolioRun) -> Void) throws(PageTableError) {
        if fault == .none { return try walkFoliosBody(reader, range: range, flags: flags, faults: NoFault(), visit) }
        try walkFoliosBody(reader, range: range, flags: flags, faults: InjectedFault(fault: fault), visit)
    }

    /// The folio walk with `faults` as the injected fault's switch.
    func walkFoliosBody<R: TableReader, F: FaultSwitch>(_ reader: R, range: AddressRange, flags: FolioWalkFlags, faults: F,
                                                        _ visit: (FolioRun) -> Void) throws(PageTableError) {
        let range = try range.validated(for: reader.format)
        var cache = PathCache(reader: reader, faults: faults)
        var builder = FolioRunBuilder(reader, flags: flags)
        var address = range.start
        while address < range.end {
            let found = cache.lookup(address)
            let end = min(found.span.end, range.end)
            builder.add(found.entry, range: AddressRange(start: address, end: end), slotStart: found.span.start, level: found.level,
                        inHugepd: found.inHugepd, table: found.table, visit)
            address = end
        }
        cache.finish()
        builder.finish(visit)
    }
}
