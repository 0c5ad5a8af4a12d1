import PageTable

/// A lookup in the shape of `follow_page_mask()`: from the root through every real level to the
/// slot translating the address, the PTE table taken under its lock (`pte_offset_map_lock()`).
public struct MyLookup: LookupBody {
    /// The design's name on the command line.
    public let name: String
    /// Whether to forget the contiguous block's young and dirty (a bug, for the mutant below).
    let ignoresBlock: Bool

    /// The design.
    public init() { self.init(name: "my-lookup", ignoresBlock: false) }

    /// A mutant of the design: it reports a contiguous entry's own young and dirty, not its block's.
    public static let mutant = MyLookup(name: "my-lookup-no-block", ignoresBlock: true)

    init(name: String, ignoresBlock: Bool) {
        self.name = name
        self.ignoresBlock = ignoresBlock
    }

    /// The lookup, specialised for WalkCheck's readers; outside every VMA it is the vma-hole result.
    public func lookup<R: TableReader>(_ reader: R, address: UInt64, flags: LookupFlags) throws(PageTableError) -> LookupResult {
        try lookupOpened(reader, address: address, flags: flags)
    }

    /// The walk down to the terminal slot.
    public func lookupBody<R: TableReader>(_ reader: R, address: UInt64, flags: LookupFlags) throws(PageTableError) -> LookupResult {
        let format = reader.format
        guard address < format.top else { throw .pastTop(address, top: format.top, format: format.name) }
        var table = reader.root, level = format.rootLevel, inHugepd = false
        var locked: TableHandle?
        defer { if let locked { reader.unlockPTETable(locked) } }
        while true {
            let geometry = format.geometry(level)
            let size: UInt64 = inHugepd ? 1 << UInt64(geometry.hugepdPageShift!) : geometry.entrySize
            let index = inHugepd ? format.hugepdIndex(of: address, at: level) : format.index(of: address, at: level)
            let word = reader.read(table, index)
            var entry = format.decode(word, at: level, inHugepd: inHugepd, address: address)
            let skip = Format.alignDown(address, size) + size - address
            switch entry {
            case .table(let pfn) where !inHugepd:
                let lower = format.realLevel(below: level)!
                // The PTE table under its lock; when the PMD changed meanwhile, read it again.
                let child = lower == .pte ? reader.lockPTETable(atPFN: pfn, parent: table, index, expecting: word)
                                          : reader.table(atPFN: pfn)
                guard let child else { continue }
                if lower == .pte { locked = child }
                (table, level) = (child, lower)
            case .hugepd(let pfn, _) where !inHugepd:
                guard let child = reader.table(atPFN: pfn) else { continue }
                (table, inHugepd) = (child, true)
            case .leaf(let pfn, var attributes):
                if attributes.contains(.contiguous) && !ignoresBlock {   // young and dirty are ORed across the block
                    let count = geometry.contiguousEntries, first = index & ~(count - 1)
                    for mate in first..<first + count where mate != index {
                        attributes.formUnion(format.youngAndDirty(ofLeaf: reader.read(table, mate)))
                    }
                }
                let page = pfn + format.pages(in: Format.alignDown(address, format.pageSize) - Format.alignDown(address, size))
                entry = .leaf(pfn: page, attributes: attributes)
                // folio_walk_start()'s order: vm_normal_page() (none for a special entry), then the zero page.
                var folio: FolioID?, pageIndex: UInt64?
                let memory = reader.memory
                if !attributes.contains(.special), let owner = memory.folio(containing: page) {
                    (folio, pageIndex) = (owner.id, page - owner.pfn)
                } else if flags.contains(.includeZeroPage), memory.isZeroFrame(page) {
                    folio = memory.folio(containing: page)?.id
                }
                return LookupResult(address: address, level: level, inHugepd: inHugepd, entry: entry, folio: folio,
                                    pageIndex: pageIndex, skip: skip)
            case .nonPresent(let swap) where swap.kind.isMigration && flags.contains(.includeMigration):
                return LookupResult(address: address, level: level, inHugepd: inHugepd, entry: entry,
                                    folio: reader.memory.folio(containing: swap.offset)?.id, pageIndex: nil, skip: skip)
            default:
                return LookupResult(address: address, level: level, inHugepd: inHugepd, entry: entry, folio: nil,
                                    pageIndex: nil, skip: skip)
            }
        }
    }
}
