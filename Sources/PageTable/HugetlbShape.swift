/// How a format maps one hugetlb page of a given size (an hstate): a leaf at a level, a contiguous
/// block at a level, or a hugepd page under a level (`arch_make_huge_pte()`, `num_contig_ptes()`).
public struct HugetlbShape: Hashable, Sendable {
    /// The huge page size's shift (`huge_page_shift(h)`).
    public var shift: Int
    /// The level of its entries (for a hugepd page, the directory's level).
    public var level: Level
    /// Whether it is a contiguous block of entries (arm64 `CONT_PTE`/`CONT_PMD`, riscv Svnapot).
    public var contiguous: Bool
    /// Whether it is a hugepd page (none yet: see ``Format/hugetlbShapes``).
    public var hugepd: Bool

    /// The huge page size in bytes.
    public var size: UInt64 { 1 << UInt64(shift) }
}

extension Format {
    /// Every hugetlb page size the format can map, smallest first: a leaf of each leaf level above
    /// the PTE and a contiguous block of each level that has blocks. (Hugepd pages, powerpc's
    /// hugetlb pages, are not hugetlb VMAs' yet.)
    public var hugetlbShapes: [HugetlbShape] {
        var shapes: [HugetlbShape] = []
        for geometry in levels where !geometry.isFolded {
            if geometry.allowsLeaf, geometry.level != .pte {
                shapes.append(HugetlbShape(shift: geometry.shift, level: geometry.level, contiguous: false, hugepd: false))
            }
            if geometry.contiguousEntries > 1, geometry.allowsLeaf {
                shapes.append(HugetlbShape(shift: geometry.shift + geometry.contiguousEntries.trailingZeroBitCount, level: geometry.level,
                                           contiguous: true, hugepd: false))
            }
        }
        var unique: [HugetlbShape] = []
        for shape in shapes.sorted(by: { $0.shift < $1.shift }) where !unique.contains(where: { $0.shift == shape.shift }) { unique.append(shape) }
        return unique
    }

    /// How the format maps a hugetlb page of `1 << shift` bytes, or nil when it cannot.
    public func hugetlbShape(shift: Int) -> HugetlbShape? { hugetlbShapes.first { $0.shift == shift } }
}
