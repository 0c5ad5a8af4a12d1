import PageTable

extension Swarm {
    /// A swarm that makes a case likely to reach `cell` (a ``CoverageCensus`` cell name) on
    /// `format`: the map sources, level, folio order and shape that build the entry the cell names,
    /// the operations that turn it into the cell's kind, attribute or flag with every operation on
    /// that one unit, and the query kind, flags and habits the cell asks for. Nil for a name it does
    /// not know.
    ///
    /// Switches the cell does not need stay drawn, so the rest of the case is as random as ever.
    public static func aiming(at cell: String, on format: Format) -> Swarm? {
        var swarm = Swarm()
        swarm.force(.largeWindow, .never)
        // Cells of trees without VMAs are aimed at without them (a VMA narrows what a map may do).
        swarm.force(.vmas, .never)
        let words = cell.split(separator: " ").map(String.init)
        guard let family = words.first else { return nil }
        switch family {
        case "entry", "attribute", "swap-flag":
            guard words.count >= 3 else { return nil }
            let slot = Slot(words.dropFirst().dropLast(words.first == "entry" && words.dropFirst().contains("marker") ? 2 : 1))
            guard swarm.build(slot, on: format) else { return nil }
            let what = words.last!
            switch family {
            case "entry": swarm.make(kind: words.contains("marker") ? "marker " + what : what)
            case "attribute": swarm.make(attribute: what)
            default: swarm.make(swapFlag: what)
            }
            // The case's walks look at what it built.
            swarm.force(.landmarks, .always)
        case "folios" where words.count >= 3 && (words[1] == "across" || words[1] == "cut"):
            guard swarm.buildStep(in: words[2], ignored: words[1] == "across", merge: words.count == 4, on: format) else { return nil }
        case "walk", "lookup", "folios":
            guard words.count == 4, let level = Level(name: words[2]) else { return nil }
            let shape = words[3]
            let slot = Slot(level: level, inHugepd: shape == "hugepd", contiguous: shape.hasSuffix("block"))
            guard swarm.build(slot, on: format) else { return nil }
            switch shape {
            case "mixed-block": swarm.make(attribute: "dirty")
            case "non-present": swarm.make(kind: "migration")
            default: break
            }
            let kinds: [Swarm.Switch] = family == "lookup" ? [.queryKind(2)] : family == "folios" ? [.queryKind(1)] : [.queryKind(0), .queryKind(1)]
            swarm.only(kinds) { if case .queryKind = $0 { true } else { false } }
            swarm.force(.landmarks, .always)
            if words[1] == "end-inside" { swarm.force(.endsInside, .always) }
            if family == "folios" {
                // Maps next to one another (folios allocated one after another: consecutive frames
                // across their boundary), walked from a landmark before the unit to the top.
                swarm.force(.adjacentMaps, .always)
                swarm.force(.rangesToTop, .always)
                // Batches that run on through young and dirty differences: the chain is not cut
                // where a page of the unit was accessed or written.
                for flag in [FolioWalkFlags.ignoreYoung, .ignoreDirty] {
                    swarm.force(.folioFlag(FolioWalkFlags.named.firstIndex { $0.0 == flag }!), .always)
                }
            }
        case "query":
            guard words.count == 3, let view = ["entries", "folios", "lookup"].firstIndex(of: words[1]) else { return nil }
            swarm.only([.queryKind(view)]) { if case .queryKind = $0 { true } else { false } }
            let names = [EntryWalkFlags.named.map(\.1), FolioWalkFlags.named.map(\.1), LookupFlags.named.map(\.1)][view]
            let flag: (Int) -> Switch = { index in [Switch.entryFlag(index), Switch.folioFlag(index), Switch.lookupFlag(index)][view] }
            if words[2] == "-" {
                for index in names.indices { swarm.force(flag(index), .never) }
            } else {
                guard let index = names.firstIndex(of: words[2]) else { return nil }
                swarm.force(flag(index), .always)
            }
        case "vma":
            guard words.count >= 2 else { return nil }
            swarm.force(.vmas, .always)
            switch words[1] {
            case "hole":
                swarm.only([.queryKind(0)]) { if case .queryKind = $0 { true } else { false } }
                if words.last == "pfnmap" { swarm.force(.pfnmapVMAs, .always) }
            case "lookup": swarm.only([.queryKind(2)]) { if case .queryKind = $0 { true } else { false } }
            case "run-cut":
                // A large folio, then VMA boundaries through it (mprotect, madvise), then folio walks.
                let orders = CaseGenerator(format: format).interestingOrders.map(\.value)
                swarm.only(orders.indices.filter { orders[$0] > 0 }.map { .order(min($0, Self.orderSwitches - 1)) }) {
                    if case .order = $0 { true } else { false }
                }
                swarm.only([.source(0), .source(1)]) { if case .source = $0 { true } else { false } }
                swarm.only([.operation(.mprotect), .operation(.madvise)]) { if case .operation = $0 { true } else { false } }
                swarm.only([.queryKind(1)]) { if case .queryKind = $0 { true } else { false } }
                swarm.force(.partialFolios, .never)
                swarm.force(.focus, .always)
                swarm.force(.longCase, .always)
                swarm.force(.landmarks, .always)
                // Walks from a landmark to the top cross every boundary after it.
                swarm.force(.rangesToTop, .always)
            case "hugetlb":
                guard !format.hugetlbShapes.isEmpty else { return nil }
                swarm.force(.hugetlbVMAs, .always)
                swarm.only([.queryKind(0)]) { if case .queryKind = $0 { true } else { false } }
                swarm.force(.landmarks, .always)
                swarm.force(.longCase, .always)
                // The per-huge-page view: walks without the unified flag.
                if let unified = EntryWalkFlags.named.firstIndex(where: { $0.0 == .unifiedHugetlb }) { swarm.force(.entryFlag(unified), .never) }
            case "block-across":
                // A block, then a VMA boundary through it that leaves its entries alone (madvise).
                guard swarm.build(Slot(level: .pte, inHugepd: false, contiguous: true), on: format) else { return nil }
                swarm.enable(.madvise)
            default: return nil
            }
        case "refused":
            swarm.only(words[1] == "lookup" ? [.queryKind(2)] : [.queryKind(0), .queryKind(1)]) { if case .queryKind = $0 { true } else { false } }
            swarm.force(.refusedQueries, .always)
        case "address":
            guard words.count >= 2 else { return nil }
            if words[1] == "lookup-unaligned" {
                swarm.only([.queryKind(2)]) { if case .queryKind = $0 { true } else { false } }
                swarm.force(.unalignedLookups, .always)
            } else {
                swarm.only([.queryKind(0), .queryKind(1)]) { if case .queryKind = $0 { true } else { false } }
                swarm.force(.rangesToTop, .always)
            }
        default: return nil
        }
        return swarm
    }

    /// Where an entry sits: its level, and whether a hugepd table or a contiguous block holds it.
    struct Slot {
        var level: Level
        var inHugepd = false
        var contiguous = false

        init(level: Level, inHugepd: Bool, contiguous: Bool) {
            self.level = level
            self.inHugepd = inHugepd
            self.contiguous = contiguous
        }

        /// Parses `LEVEL [hugepd] [contiguous]`.
        init(_ words: some Collection<String>) {
            level = words.first.flatMap { Level(name: $0) } ?? .pte
            inHugepd = words.contains("hugepd")
            contiguous = words.contains("contiguous")
        }
    }

    /// Sets the map switches that build a leaf at `slot`: an ordinary folio of the size the slot
    /// maps (a whole block for a contiguous one), at that level, in a window big enough, every
    /// later operation on it. False if the format has no such slot.
    private mutating func build(_ slot: Slot, on format: Format) -> Bool {
        let geometry = format.geometry(slot.level)
        var pages = slot.inHugepd ? geometry.hugepdPageShift.map { UInt64(1) << UInt64($0 - format.pageShift) } : format.pages(at: slot.level)
        guard let slotPages = pages else { return false }
        if slot.contiguous { pages = slotPages * UInt64(geometry.contiguousEntries) }
        let orders = CaseGenerator(format: format).interestingOrders.map(\.value)
        guard let order = orders.firstIndex(of: (pages ?? 1).trailingZeroBitCount) else { return false }
        only([.order(min(order, Self.orderSwitches - 1))]) { if case .order = $0 { true } else { false } }
        only([.source(0), .source(1)]) { if case .source = $0 { true } else { false } }
        let levels = Array(format.leafLevels.reversed())
        if !slot.inHugepd {
            guard let index = levels.firstIndex(of: slot.level), index < Self.leafLevelSwitches else { return false }
            only([.leafLevel(index)]) { if case .leafLevel = $0 { true } else { false } }
        }
        force(.hugepd, slot.inHugepd ? .always : .never)
        force(.contiguous, slot.contiguous ? .always : .never)
        force(.partialFolios, .never)
        if (pages ?? 1) * 2 > format.pages(in: 4 * format.geometry(.pmd).entrySize) { force(.largeWindow, .always) }
        force(.focus, .always)
        force(.longCase, .always)
        only([]) { if case .operation = $0 { true } else { false } }
        return true
    }

    /// Enables `operation`.
    private mutating func enable(_ operation: OperationKind) { set(.operation(operation), 0) }

    /// Sets the switches that make a step (``Landmarks/Unit/Shape/step``): a small folio mapped by
    /// PTEs, one of its pages then accessed, written, protected or write-protected apart from the
    /// others so that neighbouring entries differ in `attribute` (a census name), and folio walks
    /// over landmarks that ignore it when `ignored` (always merging when `merge`) or compare it.
    /// False for an attribute steps do not differ in.
    fileprivate mutating func buildStep(in attribute: String, ignored: Bool, merge: Bool, on format: Format) -> Bool {
        let flag = FolioWalkFlags.named.first(where: { $0.1 == "ignore-\(attribute)" })?.0
        guard flag != nil || !ignored else { return false }
        // A PTE-mapped leaf as any other, then a small folio (2 to 512 pages) instead of one page.
        guard build(Slot(level: .pte, inHugepd: false, contiguous: false), on: format) else { return false }
        let orders = CaseGenerator(format: format).interestingOrders.map(\.value)
        let small = orders.indices.filter { (1...9).contains(orders[$0]) }
        guard !small.isEmpty else { return false }
        only(small.map { .order(min($0, Self.orderSwitches - 1)) }) { if case .order = $0 { true } else { false } }
        guard let (bit, _) = LeafAttributes.named.first(where: { $0.1 == attribute }), Landmarks.Unit.steppable.contains(bit) else { return false }
        // Every way one page comes to differ from its neighbours: an access, a write, a soft-dirty
        // clear, an mprotect to read-only or to executable, a uffd-wp, each on one page. One case
        // then makes several kinds of step, and its walks (flags drawn per query but the one the
        // cell names) reach several cells.
        force(.writable, .always)
        for operation in [OperationKind.age, .dirty, .clearSoftDirty, .protect, .uffdWriteProtect] { enable(operation) }
        only([.protection(.readOnly), .protection(.readWriteExec)]) { if case .protection = $0 { true } else { false } }
        force(.uffdProtect, .always)
        force(.singlePage, .always)
        only([.queryKind(1)]) { if case .queryKind = $0 { true } else { false } }
        if let flag { force(.folioFlag(FolioWalkFlags.named.firstIndex { $0.0 == flag }!), ignored ? .always : .never) }
        // Merging is left to each query (one case then reaches both cells) unless the cell asks for it.
        if merge { force(.folioFlag(FolioWalkFlags.named.firstIndex { $0.0 == .mergeIgnored }!), .always) }
        force(.landmarks, .always)
        return true
    }

    /// Sets the switches that turn the built leaf into an entry of `kind` (a census kind name).
    private mutating func make(kind: String) {
        switch kind {
        case "zero-page":
            only([.source(2)]) { if case .source = $0 { true } else { false } }
            force(.writable, .never)
            force(.folioFlag(FolioWalkFlags.named.firstIndex { $0.0 == .includeZeroPage }!), .always)
            force(.lookupFlag(LookupFlags.named.firstIndex { $0.0 == .includeZeroPage }!), .always)
        case "special": only([.source(3)]) { if case .source = $0 { true } else { false } }
        case "protnone":
            enable(.protect)
            only([.protection(.none)]) { if case .protection = $0 { true } else { false } }
        case "swap":
            only([.source(0)]) { if case .source = $0 { true } else { false } }
            enable(.swapOut)
        case "migration":
            enable(.startMigration)
            observeMigration()
        case "device-private", "device-exclusive", "hwpoison":
            if kind != "hwpoison" { only([.source(0)]) { if case .source = $0 { true } else { false } } }
            if kind == "device-exclusive" { force(.writable, .always) }
            enable(.convert)
            let conversion: ConversionKind = kind == "hwpoison" ? .hwpoison : kind == "device-private" ? .devicePrivate : .deviceExclusive
            only([.conversion(conversion)]) { if case .conversion = $0 { true } else { false } }
        default:
            if kind.hasPrefix("marker"), let marker = MarkerKind(rawValue: String(kind.dropFirst("marker ".count))) {
                // Markers go on none pages: around the unit, not on it.
                force(.focus, .never)
                enable(.installMarker)
                enable(.unmap)
                only([.marker(marker)]) { if case .marker = $0 { true } else { false } }
            }
        }
    }

    /// Sets the switches that give the built leaf `attribute` (a census attribute name).
    private mutating func make(attribute: String) {
        switch attribute {
        case "writable": force(.writable, .always)
        case "no-writable": force(.writable, .never)
        case "no-young":
            enable(.age)
        case "dirty", "soft-dirty":
            force(.writable, .always)
            enable(.age)
            enable(.dirty)
            force(.singlePage, .always)
        case "exec":
            enable(.protect)
            only([.protection(.readExec), .protection(.readWriteExec)]) { if case .protection = $0 { true } else { false } }
        case "uffd-wp":
            enable(.uffdWriteProtect)
            force(.uffdProtect, .always)
        default: break
        }
    }

    /// Makes folio walks and lookups report migration entries, so that the case's walks look at
    /// the entries it makes.
    private mutating func observeMigration() {
        force(.folioFlag(FolioWalkFlags.named.firstIndex { $0.0 == .includeMigration }!), .always)
        force(.lookupFlag(LookupFlags.named.firstIndex { $0.0 == .includeMigration }!), .always)
    }

    /// Sets the switches that make the built leaf a non-present entry carrying `flag`.
    private mutating func make(swapFlag flag: String) {
        observeMigration()
        switch flag {
        case "exclusive":
            only([.source(0)]) { if case .source = $0 { true } else { false } }
            enable(.swapOut)
        case "dirty", "soft-dirty":
            force(.writable, .always)
            enable(.dirty)
            enable(.startMigration)
            if flag == "soft-dirty" { enable(.swapOut) }
        case "uffd-wp":
            enable(.uffdWriteProtect)
            force(.uffdProtect, .always)
            enable(.startMigration)
        default: enable(.startMigration)
        }
    }
}
