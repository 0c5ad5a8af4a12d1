import PageTable

/// Batches the pieces a walker finds (present leaves, and migration entries when asked) into folio
/// runs: maximal within one table, on consecutive pages of one folio, with equal attributes but
/// the ignored ones (the contiguous bit compared). Designs whose natural output is per slot use it
/// to produce the folio view: the grouping `folio_pte_batch()` (mm/internal.h) makes, after
/// `vm_normal_page()` has found each leaf's folio (`folio_walk_start()`, mm/pagewalk.c).
public struct FolioRunBuilder {
    /// The frames and folios of the space being walked.
    public let memory: PhysicalMemory
    /// The walk's flags.
    public let flags: FolioWalkFlags
    /// The attributes a run's entries may differ in.
    public let ignored: LeafAttributes
    let pageShift: UInt64
    private var run: FolioRun?
    private var runTable = TableHandle(base: -1)
    private var folio: Folio?

    /// A builder for a folio walk of `space` with `flags`.
    public init(space: AddressSpace, flags: FolioWalkFlags) {
        self.init(memory: space.memory, format: space.format, flags: flags)
    }

    /// A builder for a folio walk of what `reader` reads, with `flags`: the space's memory and
    /// format taken from the reader, without copying the space (a short walk's fixed cost).
    public init<R: TableReader>(_ reader: R, flags: FolioWalkFlags) {
        self.init(memory: reader.memory, format: reader.format, flags: flags)
    }

    init(memory: PhysicalMemory, format: Format, flags: FolioWalkFlags) {
        self.memory = memory
        self.flags = flags
        ignored = flags.ignoredAttributes
        pageShift = UInt64(format.pageShift)
    }

    /// Adds what a terminal slot maps over `range`; `entry` is as decoded, a leaf's pfn that of the
    /// slot's first page at `slotStart`, young and dirty already ORed across its block.
    public mutating func add(_ entry: Entry, range: AddressRange, slotStart: UInt64, level: Level, inHugepd: Bool,
                      table: TableHandle, _ visit: (FolioRun) -> Void) {
        let offset = (range.start - slotStart) >> pageShift
        switch entry {
        case .leaf(let slotPFN, let attributes):
            // As folio_walk_start() tests: vm_normal_page() (nothing for a special entry), then the
            // zero page, only when asked.
            let pfn = slotPFN + offset
            let owner: Folio
            if !attributes.contains(.special), let normal = folio(containing: pfn) {
                owner = normal
            } else if flags.contains(.includeZeroPage), memory.isZeroFrame(pfn), let zero = folio(containing: pfn) {
                owner = zero
            } else {
                return
            }
            append(FolioRun(range: range, folio: owner.id, firstPage: pfn - owner.pfn, level: level, inHugepd: inHugepd,
                            attributes: attributes), table: table, visit)
        case .nonPresent(let swap) where swap.kind.isMigration && flags.contains(.includeMigration):
            let pfn = swap.offset + offset
            guard let owner = folio(containing: pfn) else { return }
            var attributes: LeafAttributes = []
            if swap.kind == .migrationWrite { attributes.insert(.writable) }
            if swap.flags.contains(.young) { attributes.insert(.young) }
            if swap.flags.contains(.dirty) { attributes.insert(.dirty) }
            if swap.flags.contains(.softDirty) { attributes.insert(.softDirty) }
            if swap.flags.contains(.uffdWP) { attributes.insert(.uffdWP) }
            append(FolioRun(range: range, folio: owner.id, firstPage: pfn - owner.pfn, level: level, inHugepd: inHugepd,
                            attributes: attributes, migration: swap.kind), table: table, visit)
        default:
            return
        }
    }

    /// Adds a run the caller already batched (consecutive pages of `folio` inside one table).
    public mutating func append(_ next: FolioRun, table: TableHandle, _ visit: (FolioRun) -> Void) {
        if var current = run, runTable == table, current.range.end == next.range.start, current.folio == next.folio,
           current.firstPage + ((current.range.end - current.range.start) >> pageShift) == next.firstPage,
           current.level == next.level, current.inHugepd == next.inHugepd, current.migration == next.migration,
           current.attributes.subtracting(ignored) == next.attributes.subtracting(ignored) {
            current.range.end = next.range.end
            if flags.contains(.mergeIgnored) { current.attributes.formUnion(next.attributes.intersection(LeafAttributes.mergedByBatch)) }
            run = current
            return
        }
        if let current = run { visit(current) }
        run = next
        runTable = table
    }

    /// Emits the run in progress.
    public mutating func finish(_ visit: (FolioRun) -> Void) {
        guard let current = run else { return }
        visit(current)
        run = nil
    }

    /// Makes `folio` the last one found: a walker that reached it without asking (chaining from
    /// folio to folio) keeps the next lookup, in the next table, from searching.
    public mutating func remember(_ folio: Folio) {
        self.folio = folio
    }

    /// The folio holding `pfn`: the last one found, or the one allocated just after or just before
    /// it (folios are allocated in frame order, so a walk over consecutive folios, mapped in frame
    /// order or in reverse, looks up nothing), or a search.
    @inline(__always)
    public mutating func folio(containing pfn: UInt64) -> Folio? {
        if let cached = folio {
            if cached.contains(pfn) { return cached }
            // The neighbour on the side of `pfn`: the one after for a frame above, the one before
            // for a frame below (index 0 is the zero page, which the search finds by its frame).
            let neighbour = pfn > cached.pfn ? cached.id.rawValue &+ 1 : cached.id.rawValue &- 1
            if neighbour > 0, neighbour < memory.folios.count {
                let candidate = memory.folios[neighbour]
                if candidate.contains(pfn) {
                    folio = candidate
                    return candidate
                }
            }
        }
        folio = memory.folio(containing: pfn)
        return folio
    }
}
