import PageTable
import Implementations

/// A deliberately broken entry walker: when a range starts inside a directory leaf, it reports the
/// leaf from its own start instead of clipping it to the range (and the leaf's first pfn with it).
public struct UnclippedLeafWalker: EntryWalkDesign {
    /// `mutant-unclipped-leaf`.
    public let name = "mutant-unclipped-leaf"

    /// Creates the mutant.
    public init() {}

    /// The flat walker's entry walk, with the first item's clipping undone for directory leaves.
    public func walkEntries<R: TableReader>(_ reader: R, range: AddressRange, flags: EntryWalkFlags,
                                            _ visit: (EntryWalkItem) -> Void) throws(PageTableError) {
        let format = reader.space.format
        try FlatIteratorWalker().walkEntries(reader, range: range, flags: flags) { item in
            var item = item
            if item.level != .pte, !item.inHugepd, case .leaf(let pfn, let attributes) = item.entry {
                let start = Format.alignDown(item.range.start, format.geometry(item.level).entrySize)
                item.entry = .leaf(pfn: pfn - format.pages(in: item.range.start - start), attributes: attributes)
                item.range.start = start
            }
            visit(item)
        }
    }
}
