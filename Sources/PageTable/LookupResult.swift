/// Options of a single-address lookup, as `folio_walk_start()`'s flags.
public struct LookupFlags: NamedOptions, Hashable, Sendable {
    /// The raw bits.
    public let rawValue: UInt8
    /// Creates flags from raw bits.
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// Report the zero page's folio (`FW_ZEROPAGE`); its page index stays nil.
    @inlinable public static var includeZeroPage: LookupFlags { LookupFlags(rawValue: 1 << 0) }
    /// Report a migration entry's folio (`FW_MIGRATION`); its page index stays nil.
    @inlinable public static var includeMigration: LookupFlags { LookupFlags(rawValue: 1 << 1) }

    /// The flags and their corpus names.
    public static let named: [(LookupFlags, String)] = [(.includeZeroPage, "zero-page"), (.includeMigration, "migration")]
}

/// What a single-address lookup finds, as GUP's `follow_page_mask()` reports it.
public struct LookupResult: Hashable, Sendable, CustomStringConvertible {
    /// The address looked up.
    public var address: UInt64
    /// The real level of the terminal slot holding the address.
    public var level: Level
    /// Whether the slot sits in a hugepd table.
    public var inHugepd: Bool
    /// The terminal entry; a leaf's pfn is that of the page holding the address, young and dirty ORed across a block.
    public var entry: Entry
    /// The folio behind the page, when there is one to report (see ``LookupFlags``).
    public var folio: FolioID?
    /// The index of the page in the folio; nil for the zero page and migration entries, as `fw->page` is NULL.
    public var pageIndex: UInt64?
    /// Bytes from the address to the end of the terminal slot: how far the caller may skip.
    public var skip: UInt64
    /// Whether the address lies in no VMA of a space with VMAs (GUP's `vma_lookup()` fails): the
    /// entry is none, the level the root's, and `skip` runs to the next VMA's start or the top.
    public var vmaHole: Bool

    /// Creates a result.
    public init(address: UInt64, level: Level, inHugepd: Bool, entry: Entry, folio: FolioID?, pageIndex: UInt64?, skip: UInt64,
                vmaHole: Bool = false) {
        self.vmaHole = vmaHole
        self.address = address
        self.level = level
        self.inHugepd = inHugepd
        self.entry = entry
        self.folio = folio
        self.pageIndex = pageIndex
        self.skip = skip
    }

    /// `0x… pmd leaf … folio#2+5 skip 0x…`.
    public var description: String {
        let page = folio.map { " \($0)\(pageIndex.map { "+\($0)" } ?? "")" } ?? ""
        if vmaHole { return "0x\(String(address, radix: 16)) vma-hole none skip 0x\(String(skip, radix: 16))" }
        return "0x\(String(address, radix: 16)) \(level)\(inHugepd ? " hugepd" : "") \(entry)\(page) skip 0x\(String(skip, radix: 16))"
    }
}

extension LookupResult {
    /// The result outside every VMA of `space` at `address`, or nil when a VMA holds it or the
    /// space has none: what every lookup design returns before reading the tree.
    @inlinable public static func outsideVMAs(of space: AddressSpace, at address: UInt64) -> LookupResult? {
        outsideVMAs(space.vmas, format: space.format, at: address)
    }

    /// ``outsideVMAs(of:at:)`` from the space's VMAs and format, as a reader gives them.
    @inlinable public static func outsideVMAs(_ vmas: VMAMap?, format: Format, at address: UInt64) -> LookupResult? {
        guard let vmas, vmas.vma(containing: address) == nil else { return nil }
        let end = vmas.nextStart(atOrAfter: address) ?? format.top
        return LookupResult(address: address, level: format.rootLevel, inHugepd: false, entry: .none, folio: nil,
                            pageIndex: nil, skip: end - address, vmaHole: true)
    }
}
