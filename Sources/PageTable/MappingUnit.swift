/// The pages one terminal entry maps, or one whole contiguous block: the thing operations split and move.
public struct MappingUnit: Hashable, Sendable, CustomStringConvertible {
    /// The addresses the unit maps.
    public var span: AddressRange
    /// The level of its entries (for a hugepd page, the directory's level).
    public var level: Level
    /// Whether it is a page of a hugepd table.
    public var inHugepd: Bool
    /// Whether it is a contiguous block.
    public var contiguous: Bool
    /// The content of its first page; young and dirty are ORed across a block.
    public var content: PageContent

    /// Creates a unit.
    public init(span: AddressRange, level: Level, inHugepd: Bool, contiguous: Bool, content: PageContent) {
        self.span = span
        self.level = level
        self.inHugepd = inHugepd
        self.contiguous = contiguous
        self.content = content
    }

    /// Whether the unit is anything but a plain PTE.
    public var isLarge: Bool { contiguous || inHugepd || level != .pte }

    /// Whether Linux's writers treat it as a hugetlb page: a leaf above the PMD, a contiguous
    /// directory block or a hugepd page (`copy_hugetlb_page_range()`, `__unmap_hugepage_range()`);
    /// a PMD leaf is a THP, PTE-level units are base pages or PTE-mapped folios.
    public var isHugetlb: Bool { inHugepd || (level != .pte && (contiguous || level < .pmd)) }

    /// `[start, end) pmd contiguous present …`.
    public var description: String {
        "\(span) \(level)\(inHugepd ? " hugepd" : "")\(contiguous ? " contiguous" : "") \(content)"
    }
}
