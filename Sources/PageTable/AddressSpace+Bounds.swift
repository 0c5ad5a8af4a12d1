/// The work one operation may ask of the model, so that no case — generated, saved or written by
/// hand — runs unbounded or exhausts memory: each bound is checked before the operation changes
/// anything, and counted from what the tree holds, not from the size of a range.
extension AddressSpace {
    /// The most page-table entries one operation may write: 2^20 (4 GiB of 4 KiB pages as PTEs).
    public static let maxEntriesPerOperation: UInt64 = 1 << 20
    /// The most table words a tree may hold: 2^23 (64 MiB of tables).
    public static let maxTableWords: UInt64 = 1 << 23

    /// Refuses `operation` with ``PageTableError/tooLarge(_:)`` when it would write more than
    /// ``maxEntriesPerOperation`` entries or grow the tables past ``maxTableWords`` words (Linux has
    /// no such bound; a model that is checked after every operation needs one).
    func checkBounds(_ operation: Operation) throws(PageTableError) {
        let entries = entriesWritten(by: operation)
        guard entries <= Self.maxEntriesPerOperation else {
            throw .tooLarge("the operation would write about \(entries) entries; an operation may write at most \(Self.maxEntriesPerOperation)")
        }
        // Splits at the edges of a range and new tables on the way down, at most two a level.
        let slack = format.levels.filter { !$0.isFolded }.reduce(UInt64(0)) { $0 + 2 * UInt64($1.entryCount) }
        let words = UInt64(tables.words.count)
        guard words + entries + slack <= Self.maxTableWords else {
            throw .tooLarge("the operation could grow the tables from \(words) words past the bound of \(Self.maxTableWords)")
        }
    }

    /// An upper bound on the entries `operation` writes beyond edge splits: a map's leaves (at the
    /// largest level its alignment allows), a marker's none pages, and for operations that may
    /// rewrite what they cover as base pages (swap-out, convert, start-migration, move) the pages
    /// the range maps. The others rewrite entries already in the tree.
    func entriesWritten(by operation: Operation) -> UInt64 {
        switch operation {
        case .map(let address, let source, _, let shape):
            return source.pageCount / leafPages(mapping: source, at: address, shape: shape) + 1
        case .installMarker(let range, let kind):
            let pages = format.pages(in: range.size)
            return kind == .guardRegion ? pages : pages - min(pages, mappedPages(in: range))
        case .swapOut(let range), .convert(let range, _), .startMigration(let range), .move(let range, _):
            return mappedPages(in: range)
        default:
            return 0
        }
    }

    /// The pages of `range` that units map (a unit sticking out of the range counted in part).
    func mappedPages(in range: AddressRange) -> UInt64 {
        units(in: range).reduce(0) { total, unit in
            let start = max(unit.span.start, range.start), end = min(unit.span.end, range.end)
            return total + (end > start ? format.pages(in: end - start) : 0)
        }
    }

    /// The base pages of the largest leaf `map` can use for `source` at `address`: the largest leaf
    /// level at or below the asked one whose size divides both the address and the frame of the
    /// first page (so `place()` can use it), the folio at least that large; 1 when none can.
    private func leafPages(mapping source: MapSource, at address: UInt64, shape: MapShape) -> UInt64 {
        let page = format.pages(in: Format.alignDown(address, format.pageSize))
        // The frame offset of the first page within its alignment, and the alignment it has.
        let (pfn, alignment): (UInt64, UInt64)
        switch source {
        case .folio(_, let order, let first, _): (pfn, alignment) = (first, 1 << UInt64(min(order, 62)))
        case .existingFolio(let id, let first, _):
            guard let folio = memory.folio(id) else { return 1 }
            (pfn, alignment) = (folio.pfn &+ first, 1 << UInt64(min(folio.order, 62)))
        case .special(let count): (pfn, alignment) = (0, count <= 1 ? 1 : 1 << UInt64(min(64 - (count - 1).leadingZeroBitCount, 62)))
        case .zeroPage: (pfn, alignment) = (page, format.pages(in: format.geometry(.pmd).entrySize))
        }
        var sizes: [UInt64] = []
        if shape.hugepd, let shift = format.geometry(shape.leafLevel).hugepdPageShift { sizes.append(format.pages(in: 1 << UInt64(shift))) }
        sizes += format.leafLevels.filter { $0 >= shape.leafLevel }.map { format.pages(in: format.geometry($0).entrySize) }
        for pages in sizes.sorted(by: >) where pages <= alignment && (page &- pfn) % pages == 0 {
            return max(1, pages)
        }
        return 1
    }
}

