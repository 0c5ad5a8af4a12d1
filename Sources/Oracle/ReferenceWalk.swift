import PageTable

/// The reference semantics of the three walk views, computed the slow, obviously correct way:
/// translate each address from the root, as a hardware walker does, then jump to the end of the slot.
///
/// SEMANTICS.md states the contract these functions implement.
public enum ReferenceWalk {
    /// What a walker sees at one address: the terminal slot, and for a contiguous entry its whole block.
    struct Observation {
        var translation: Translation
        /// The terminal entry with young and dirty ORed across its block; a leaf's pfn is its slot's first page.
        var entry: Entry
        /// The slot's span, or its block's span for a contiguous entry.
        var blockSpan: AddressRange
        /// The slots a walker must read to report the entry: the terminal slot or its whole block.
        var blockSlots: [SlotRef]

        /// The frame of the page holding `address` (inside the translated slot).
        func pfn(at address: UInt64, format: Format) -> UInt64? {
            guard case .leaf(let pfn, _) = entry else { return nil }
            return pfn + format.pages(in: Format.alignDown(address, format.pageSize) - translation.span.start)
        }
    }

    static func observe(_ space: AddressSpace, _ address: UInt64) -> Observation {
        let found = space.translate(address)
        guard case .leaf(let pfn, var attributes) = found.entry, attributes.contains(.contiguous), !found.inHugepd else {
            return Observation(translation: found, entry: found.entry, blockSpan: found.span, blockSlots: [found.slot])
        }
        let geometry = space.format.geometry(found.level)
        let first = found.slot.index & ~(geometry.contiguousEntries - 1)
        let slots = (first..<first + geometry.contiguousEntries).map { SlotRef(table: found.slot.table, index: $0) }
        for slot in slots {
            if case .leaf(_, let mate) = space.format.decode(space.tables.word(slot), at: found.level, address: address) {
                attributes.formUnion(mate.intersection([.young, .dirty]))
            }
        }
        let start = Format.alignDown(address, geometry.blockSize)
        return Observation(translation: found, entry: .leaf(pfn: pfn, attributes: attributes),
                           blockSpan: AddressRange(start: start, end: start + geometry.blockSize), blockSlots: slots)
    }

    /// Visits the observation of every terminal slot meeting `range`, in address order.
    static func forEachSlot(_ space: AddressSpace, in range: AddressRange, _ body: (Observation, AddressRange) -> Void) {
        var address = range.start
        while address < range.end {
            let observation = observe(space, address)
            let end = min(observation.translation.span.end, range.end)
            body(observation, AddressRange(start: address, end: end))
            address = end
        }
    }

    /// The entry walk: every terminal slot in `range` at its own level, clipped, tiling the range.
    public static func entries(in space: AddressSpace, range: AddressRange,
                               flags: EntryWalkFlags = []) throws(PageTableError) -> [EntryWalkItem] {
        let range = try range.validated(for: space.format)
        var items: [EntryWalkItem] = []
        var address = range.start
        while address < range.end {
            let observation = observe(space, address)
            let found = observation.translation
            var span = found.span
            if flags.contains(.coalesceContiguous), observation.blockSlots.count > 1 { span = observation.blockSpan }
            let end = min(span.end, range.end)
            var entry = observation.entry
            if case .leaf(_, let attributes) = entry { entry = .leaf(pfn: observation.pfn(at: address, format: space.format)!, attributes: attributes) }
            if !(flags.contains(.skipNone) && entry.isNone) {
                items.append(EntryWalkItem(range: AddressRange(start: address, end: end), level: found.level,
                                           inHugepd: found.inHugepd, entry: entry))
            }
            address = end
        }
        return items
    }

    /// The folio walk: present folio pages (and, if asked, zero pages and migration entries) as maximal runs.
    ///
    /// Ignored attributes are the run's first page's, or ORed across the run with `merge`.
    public static func folios(in space: AddressSpace, range: AddressRange,
                              flags: FolioWalkFlags = .batchDefault) throws(PageTableError) -> [FolioRun] {
        let range = try range.validated(for: space.format)
        let ignored = flags.ignoredAttributes
        var runs: [FolioRun] = []
        var lastTable: TableID?
        forEachSlot(space, in: range) { observation, piece in
            guard let run = folioRun(space, observation, piece, flags: flags) else { return }
            let table = observation.translation.slot.table
            if let last = runs.last, table == lastTable, canExtend(last, with: run, ignoring: ignored, format: space.format) {
                runs[runs.count - 1].range.end = run.range.end
                if flags.contains(.mergeIgnored) { runs[runs.count - 1].attributes.formUnion(run.attributes.intersection(ignored)) }
            } else {
                runs.append(run)
            }
            lastTable = table
        }
        return runs
    }

    static func folioRun(_ space: AddressSpace, _ observation: Observation, _ piece: AddressRange,
                         flags: FolioWalkFlags) -> FolioRun? {
        let found = observation.translation
        switch observation.entry {
        case .leaf(_, let attributes):
            let pfn = observation.pfn(at: piece.start, format: space.format)!
            guard !attributes.contains(.special), let folio = space.memory.folio(containing: pfn) else { return nil }
            if folio.kind == .zero, !flags.contains(.includeZeroPage) { return nil }
            return FolioRun(range: piece, folio: folio.id, firstPage: pfn - folio.pfn, level: found.level,
                            inHugepd: found.inHugepd, attributes: attributes.subtracting(.contiguous))
        case .nonPresent(let entry) where entry.kind.isMigration && flags.contains(.includeMigration):
            let pfn = entry.offset + space.format.pages(in: piece.start - found.span.start)
            guard let folio = space.memory.folio(containing: pfn) else { return nil }
            return FolioRun(range: piece, folio: folio.id, firstPage: pfn - folio.pfn, level: found.level,
                            inHugepd: found.inHugepd, attributes: migrationAttributes(entry), migration: entry.kind)
        default:
            return nil
        }
    }

    /// The attributes a folio run of migration entries reports: what the entries remember.
    public static func migrationAttributes(_ entry: SwapEntry) -> LeafAttributes {
        var attributes: LeafAttributes = []
        if entry.kind == .migrationWrite { attributes.insert(.writable) }
        if entry.flags.contains(.young) { attributes.insert(.young) }
        if entry.flags.contains(.dirty) { attributes.insert(.dirty) }
        if entry.flags.contains(.softDirty) { attributes.insert(.softDirty) }
        return attributes
    }

    static func canExtend(_ last: FolioRun, with next: FolioRun, ignoring ignored: LeafAttributes, format: Format) -> Bool {
        last.range.end == next.range.start && last.folio == next.folio
            && last.firstPage + format.pages(in: last.range.size) == next.firstPage
            && last.level == next.level && last.inHugepd == next.inHugepd && last.migration == next.migration
            && last.attributes.subtracting(ignored) == next.attributes.subtracting(ignored)
    }

    /// The single-address lookup: the terminal entry, its folio page and how far the caller may skip.
    public static func lookup(in space: AddressSpace, address: UInt64,
                              flags: LookupFlags = []) throws(PageTableError) -> LookupResult {
        guard address < space.format.top else { throw .pastTop(address, top: space.format.top, format: space.format.name) }
        let observation = observe(space, address)
        let found = observation.translation
        var entry = observation.entry
        var folio: FolioID?
        var pageIndex: UInt64?
        switch entry {
        case .leaf(_, let attributes):
            let pfn = observation.pfn(at: address, format: space.format)!
            entry = .leaf(pfn: pfn, attributes: attributes)
            if !attributes.contains(.special), let owner = space.memory.folio(containing: pfn) {
                if owner.kind != .zero {
                    (folio, pageIndex) = (owner.id, pfn - owner.pfn)
                } else if flags.contains(.includeZeroPage) {
                    folio = owner.id
                }
            }
        case .nonPresent(let swap) where swap.kind.isMigration && flags.contains(.includeMigration):
            folio = space.memory.folio(containing: swap.offset)?.id
        default: break
        }
        return LookupResult(address: address, level: found.level, inHugepd: found.inHugepd, entry: entry,
                            folio: folio, pageIndex: pageIndex, skip: found.span.end - address)
    }

    /// How many distinct table slots a walk of `range` must inspect: every slot on the path to each
    /// terminal slot, each terminal slot, and every entry of each contiguous block it reports.
    public static func footprint(of space: AddressSpace, range: AddressRange) throws(PageTableError) -> Int {
        try footprintSlots(of: space, range: range).count
    }

    /// The distinct table slots a walk of `range` must inspect (what ``footprint(of:range:)`` counts).
    public static func footprintSlots(of space: AddressSpace, range: AddressRange) throws(PageTableError) -> Set<SlotRef> {
        let range = try range.validated(for: space.format)
        var slots = Set<SlotRef>()
        forEachSlot(space, in: range) { observation, _ in
            slots.formUnion(observation.translation.path)
            slots.formUnion(observation.blockSlots)
        }
        return slots
    }

    /// How many distinct table slots a lookup of `address` must inspect.
    public static func footprint(of space: AddressSpace, address: UInt64) throws(PageTableError) -> Int {
        guard address < space.format.top else { throw .pastTop(address, top: space.format.top, format: space.format.name) }
        let observation = observe(space, address)
        return Set(observation.translation.path + observation.blockSlots).count
    }
}
