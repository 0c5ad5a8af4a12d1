import PageTable

/// What the abstract model knows of one virtual page: its content and the shape of the entry mapping it.
public struct PageRecord: Hashable, Sendable, CustomStringConvertible {
    /// What the page maps to; young and dirty are the values a walker must report (ORed across a block).
    public var content: PageContent
    /// The level of the entry that maps the page (for a hugepd page, its directory's level).
    public var level: Level
    /// Whether a hugepd table maps the page.
    public var inHugepd: Bool
    /// Whether the page lies in a contiguous block.
    public var contiguous: Bool

    /// Creates a record.
    public init(content: PageContent, level: Level, inHugepd: Bool = false, contiguous: Bool = false) {
        self.content = content
        self.level = level
        self.inHugepd = inHugepd
        self.contiguous = contiguous
    }

    /// The record of the page `pages` after this one in the same run.
    public func advanced(by pages: UInt64) -> PageRecord {
        var next = self
        next.content = content.advanced(by: pages)
        return next
    }

    /// `pmd contiguous present pfn 0x… attrs`.
    public var description: String {
        "\(level)\(inHugepd ? " hugepd" : "")\(contiguous ? " contiguous" : "") \(content)"
    }
}

/// A run of consecutive virtual pages whose records advance page by page from the first one.
public struct PageRun: Hashable, Sendable {
    /// The first virtual page number.
    public var start: UInt64
    /// How many pages.
    public var count: UInt64
    /// The record of the first page.
    public var record: PageRecord

    /// The first page past the run.
    public var end: UInt64 { start + count }
}
