/// `walk_hugetlb_range()` (mm/pagewalk.c) over a design's reader: one step per huge page of a
/// hugetlb VMA, each found from the root by `hugetlb_walk()` and read with `huge_ptep_get()`.
public enum HugetlbWalk {
    /// Visits each huge page of `range` (inside one hugetlb VMA of hstate `shape`): its part of
    /// the range and its entry, or nil where `hugetlb_walk()` finds no slot (a directory above the
    /// hstate's level is not a table: `pte_hole(addr, next, -1)`). A leaf's pfn is that of the
    /// part's first page; a contiguous one has young and dirty ORed across its block (arm64
    /// `huge_ptep_get()` reads all `find_num_contig()` entries). Each huge page descends from the
    /// root again, as `huge_pte_offset()` does.
    @inlinable public static func forEachHugePage<R: TableReader>(_ reader: R, range: AddressRange, shape: HugetlbShape,
                                                                _ visit: (AddressRange, Entry?) -> Void) {
        let format = reader.format
        var address = range.start
        while address < range.end {
            let pageStart = Format.alignDown(address, shape.size)
            let next = min(pageStart + shape.size, range.end)
            let piece = AddressRange(start: address, end: next)
            var table = reader.root
            var level = format.rootLevel
            while true {
                let index = format.index(of: pageStart, at: level)
                let word = reader.read(table, index)
                let entry = format.decode(word, at: level, address: pageStart)
                if level == shape.level {
                    // A table where the huge page's slot is (left by mappings before the VMA) is no huge page.
                    if case .table = entry { visit(piece, nil) } else {
                        visit(piece, hugePageEntry(reader, entry, table: table, index: index, shape: shape, offset: address - pageStart))
                    }
                    break
                }
                guard case .table(let pfn) = entry, let child = reader.table(atPFN: pfn), let lower = format.realLevel(below: level),
                      lower <= shape.level else {
                    visit(piece, nil)
                    break
                }
                table = child
                level = lower
            }
            address = next
        }
    }

    /// The entry of a huge page whose first slot holds `entry`: its leaf with the pfn at `offset`
    /// bytes in and, for a block, young and dirty ORed from the block's other entries.
    @inlinable static func hugePageEntry<R: TableReader>(_ reader: R, _ entry: Entry, table: TableHandle, index: Int, shape: HugetlbShape,
                                                         offset: UInt64) -> Entry {
        guard case .leaf(let pfn, var attributes) = entry else { return entry }
        let format = reader.format
        if shape.contiguous, attributes.contains(.contiguous) {
            let count = format.geometry(shape.level).contiguousEntries
            for mate in index + 1..<index + count {
                if case .leaf(_, let other) = format.decode(reader.read(table, mate), at: shape.level, address: 0) {
                    attributes.formUnion(other.intersection([.young, .dirty]))
                }
            }
        }
        return .leaf(pfn: pfn + format.pages(in: offset), attributes: attributes)
    }
}
