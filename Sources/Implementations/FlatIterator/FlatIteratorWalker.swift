import PageTable

/// The flat-iterator design (``FlatWalkIterator``) as an entry-walk and folio-walk design.
public struct FlatIteratorWalker: EntryWalkDesign, FolioWalkDesign {
    /// `flat`.
    public let name = "flat"

    /// Creates the design.
    public init() {}

    /// The entry walk: the iterator's items.
    public func walkEntries<R: TableReader>(_ reader: R, range: AddressRange, flags: EntryWalkFlags,
                                            _ visit: (EntryWalkItem) -> Void) throws(PageTableError) {
        for item in try FlatWalk(reader, range: range, flags: flags) { visit(item) }
    }

    /// The folio walk: the iterator's leaves batched into runs.
    public func walkFolios<R: TableReader>(_ reader: R, range: AddressRange, flags: FolioWalkFlags,
                                           _ visit: (FolioRun) -> Void) throws(PageTableError) {
        var iterator = try FlatWalk(reader, range: range, flags: .skipNone).makeIterator()
        var builder = FolioRunBuilder(space: reader.space, flags: flags)
        let format = reader.space.format
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
}
