import PageTable

/// The flat-iterator design (``FlatWalkIterator``) as an entry-walk and folio-walk design.
public struct FlatIteratorWalker: EntryWalkBody, FolioWalkBody {
    /// `flat` (or the mutant's name when a fault is injected).
    public let name: String
    /// The injected fault; `.none` for the shipped design.
    package let fault: Fault

    /// Creates the design.
    public init() { self.init(fault: .none) }

    /// Creates the design with `fault` injected (a mutant).
    package init(fault: Fault) {
        self.fault = fault
        name = fault.designName(shipped: "flat")
    }

    /// The entry walk (`walk_page_range()`'s view): the body, specialised here for WalkCheck's readers.
    public func walkEntries<R: TableReader>(_ reader: R, range: AddressRange, flags: EntryWalkFlags,
                                            _ visit: (EntryWalkItem) -> Void) throws(PageTableError) {
        try walkEntriesOpened(reader, range: range, flags: flags, visit)
    }

    /// The entry walk with `reader`.
    public func walkEntriesBody<R: TableReader>(_ reader: R, range: AddressRange, flags: EntryWalkFlags,
                                         _ visit: (EntryWalkItem) -> Void) throws(PageTableError) {
        for item in try FlatWalk(reader, range: range, flags: flags, fault: fault) { visit(item) }
    }

    /// The folio walk (`folio_walk_start()` and `folio_pte_batch()`'s view): the body, specialised here for WalkCheck's readers.
    public func walkFolios<R: TableReader>(_ reader: R, range: AddressRange, flags: FolioWalkFlags,
                                           _ visit: (FolioRun) -> Void) throws(PageTableError) {
        try walkFoliosOpened(reader, range: range, flags: flags, visit)
    }

    /// The folio walk with `reader`.
    public func walkFoliosBody<R: TableReader>(_ reader: R, range: AddressRange, flags: FolioWalkFlags,
                                        _ visit: (FolioRun) -> Void) throws(PageTableError) {
        var iterator = try foliosIterator(reader, range: range)
        var builder = FolioRunBuilder(reader, flags: flags)
        let format = reader.format
        while let item = iterator.next() {
            // Items carry a leaf's pfn for their first page but a non-present entry as stored, for its slot.
            var slotStart = item.range.start
            if case .nonPresent = item.entry {
                let geometry = format.geometry(item.level)
                slotStart = Format.alignDown(item.range.start, item.inHugepd ? 1 << UInt64(geometry.hugepdPageShift!) : geometry.entrySize)
            }
            builder.add(item.entry, range: item.range, slotStart: slotStart, level: item.level, inHugepd: item.inHugepd,
                        table: iterator.lastTable, visit)
        }
        builder.finish(visit)
    }

    /// The folio walk's iterator, built by a call: built inline, its set-up made the optimiser
    /// call the iterator's step in the loop instead of inlining it (135 instructions an entry more
    /// on dense 4 KiB pages).
    @inline(never)
    private func foliosIterator<R: TableReader>(_ reader: R, range: AddressRange) throws(PageTableError) -> FlatWalkIterator<R> {
        // A contiguous block is one item (its entries map consecutive pages of one folio with one
        // set of attributes, young and dirty ORed): the builder adds it once, not entry by entry.
        try FlatWalk(reader, range: range, flags: [.skipNone, .coalesceContiguous], fault: fault).makeIterator()
    }
}
