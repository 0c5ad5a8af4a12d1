/// Options of an entry walk.
public struct EntryWalkFlags: NamedOptions, Hashable, Sendable {
    /// The raw bits.
    public let rawValue: UInt8
    /// Creates flags from raw bits.
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// Leave out none slots (holes at any level, and none PTEs).
    @inlinable public static var skipNone: EntryWalkFlags { EntryWalkFlags(rawValue: 1 << 0) }
    /// Report each contiguous block as one item instead of one item per entry.
    @inlinable public static var coalesceContiguous: EntryWalkFlags { EntryWalkFlags(rawValue: 1 << 1) }

    /// Walk hugetlb VMAs as any other VMA, leaf by leaf (the unified view the hugetlb unification
    /// seeds propose), instead of one item per huge page (`walk_hugetlb_range()`).
    @inlinable public static var unifiedHugetlb: EntryWalkFlags { EntryWalkFlags(rawValue: 1 << 2) }

    /// The flags and their corpus names.
    public static let named: [(EntryWalkFlags, String)] = [(.skipNone, "skip-none"), (.coalesceContiguous, "coalesce"),
                                                           (.unifiedHugetlb, "unified-hugetlb")]
}

/// One terminal slot an entry walk reports, clipped to the walk's range.
public struct EntryWalkItem: Hashable, Sendable, CustomStringConvertible {
    /// The part of the slot (or coalesced block) inside the walk's range.
    public var range: AddressRange
    /// The real level the slot sits at (for a hugepd page, its directory's level); never a folded level.
    public var level: Level
    /// Whether the slot sits in a hugepd table.
    public var inHugepd: Bool
    /// The entry: none, a leaf whose pfn is that of `range.start` and whose young and dirty are ORed
    /// across its contiguous block, or a non-present entry as stored.
    public var entry: Entry
    /// Whether it is a hole `walk_page_range()` reports at depth -1: a gap between VMAs, or a VMA
    /// its `test_walk` skipped (`VM_PFNMAP` by default). Its entry is none and its level the format's root level.
    public var vmaHole: Bool

    /// Creates an item.
    public init(range: AddressRange, level: Level, inHugepd: Bool, entry: Entry, vmaHole: Bool = false) {
        self.range = range
        self.level = level
        self.inHugepd = inHugepd
        self.entry = entry
        self.vmaHole = vmaHole
    }

    /// The depth -1 hole over `range` in `format` (`pte_hole(start, end, -1, walk)`).
    @inlinable public static func vmaHole(_ range: AddressRange, format: Format) -> EntryWalkItem {
        EntryWalkItem(range: range, level: format.rootLevel, inHugepd: false, entry: .none, vmaHole: true)
    }

    /// `[start, end) pmd leaf pfn 0x… attrs`, or `[start, end) vma-hole none`.
    public var description: String { vmaHole ? "\(range) vma-hole none" : "\(range) \(level)\(inHugepd ? " hugepd" : "") \(entry)" }
}
