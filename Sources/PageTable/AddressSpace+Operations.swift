extension AddressSpace {
    /// Applies `operation` to the tree; throws, changing nothing, when its arguments are invalid.
    public mutating func apply(_ operation: Operation) throws(PageTableError) {
        try operation.validate(for: format)
        try checkBounds(operation)
        try performClipped(operation)
    }

    /// Applies a validated operation, hugetlb VMAs already cut out of it.
    package mutating func perform(_ operation: Operation) throws(PageTableError) {
        switch operation {
        case .map(let address, let source, let writable, let shape):
            try checkInsideOneVMA(AddressRange(start: address, end: address + source.pageCount * format.pageSize), what: "a map")
            try map(at: address, source: source, writable: writable, shape: shape)
            if vmas != nil, memory.mapsAnonymousFolio(source) {
                vmas!.prepareAnonVMA(covering: AddressRange(start: address, end: address + format.pageSize))
            }
        case .unmap(let range): unmap(range)
        case .protect(let range, let protection): protect(range, protection)
        case .split(let address):
            if let unit = unit(containing: address), unit.isLarge { split(unit) }
        case .collapse(let address, let level):
            if collapsible(at: address, level: level) { collapse(at: address, level: level) }
        case .fold(let address): fold(at: address)
        case .unfold(let address):
            if let unit = unit(containing: address), unit.contiguous { split(unit) }
        case .swapOut(let range): swapOut(range)
        case .swapIn(let range): try swapIn(range)
        case .startMigration(let range): startMigration(range)
        case .finishMigration(let range): finishMigration(range)
        case .convert(let range, let kind):
            // Splits come before the frame check, so the work is done on a copy kept only on success.
            var copy = self
            try copy.convert(range, to: kind)
            self = copy
        case .installMarker(let range, let kind):
            for piece in markerPieces(range) { installMarker(piece, kind) }
        case .uffdWriteProtect(let range, let protect): uffdWriteProtect(range, protect: protect)
        case .age(let range): rewriteUnits(in: range) { $0.subtracting(.young) }
        case .dirty(let range): dirty(range)
        case .clearSoftDirty(let range):
            clearSoftDirty(range)
            if format.supportsSoftDirty { vmas?.clearSoftDirty(meeting: range) }
        case .move(let range, let destination):
            try checkInsideOneVMA(AddressRange(start: destination, end: destination + range.size), what: "a move's destination")
            move(range, to: destination)
        case .reclaim(let range): reclaim(range)
        case .mmap, .munmap, .mprotect, .madvise:
            // Splits come first: the work is done on a copy kept only on success.
            var copy = self
            try copy.applyVMAOperation(operation)
            self = copy
        }
    }

    /// The units that map pages in `range` (inside the address space), in address order; the first
    /// and last may stick out of it.
    package func units(in range: AddressRange) -> [MappingUnit] {
        var found: [MappingUnit] = []
        var address = range.start
        while address < range.end {
            // One translation a step: a unit, or a hole skipped to its slot's end.
            let translation = translate(address)
            if let unit = unit(at: translation, address: address) {
                found.append(unit)
                address = unit.span.end
            } else {
                address = min(translation.span.end, range.end)
            }
        }
        return found
    }

    private mutating func map(at address: UInt64, source: MapSource, writable: Bool, shape: MapShape) throws(PageTableError) {
        let content = try memory.content(for: source, writable: writable, format: format)
        let range = AddressRange(start: address, end: address + source.pageCount * format.pageSize)
        switch content {
        case .nothing: return
        case .zeroPages:
            unmap(range)
            placeZeroPages(range, maxLevel: shape.leafLevel)
        case .pages(let pages):
            unmap(range)
            place(pages, at: address, pages: source.pageCount, maxLevel: shape.leafLevel, contiguous: shape.contiguous,
                  hugepd: shape.hugepd ? .anyLevel : .never)
        }
    }

    /// Maps the zero page over `range`, which maps nothing: a PMD leaf of the huge zero folio at
    /// each PMD-aligned span the range covers when `maxLevel` allows PMD leaves (a read fault in a
    /// THP-eligible region, `do_huge_pmd_anonymous_page()`), the zero page in PTEs elsewhere.
    mutating func placeZeroPages(_ range: AddressRange, maxLevel: Level, attributes: LeafAttributes = EntryRules.zeroPage) {
        let pmdSize = format.geometry(.pmd).entrySize
        let huge = maxLevel <= .pmd && format.leafLevels.contains(.pmd)
        var address = range.start
        while address < range.end {
            let next = huge ? Format.spanEnd(address, size: pmdSize, clampedTo: range.end) : range.end
            if huge, next - address == pmdSize, let folio = memory.hugeZero(order: format.geometry(.pmd).shift - format.pageShift) {
                place(.present(pfn: folio.pfn, attributes: attributes), at: address, pages: format.pages(in: pmdSize), maxLevel: .pmd,
                      contiguous: false, hugepd: .never)
            } else {
                place(.present(pfn: PhysicalMemory.zeroPFN, attributes: attributes), at: address, pages: format.pages(in: next - address),
                      maxLevel: .pte, contiguous: false, hugepd: .never)
            }
            address = next
        }
    }

    package mutating func unmap(_ range: AddressRange) {
        ensureBoundary(range.start)
        ensureBoundary(range.end)
        clearTerminals(in: range)
    }

    /// Clears every terminal slot inside `range`; its edges must already be unit boundaries.
    private mutating func clearTerminals(in range: AddressRange) {
        var address = range.start
        while address < range.end {
            let found = translate(address)
            if found.word != 0 { tables.setWord(found.slot, 0) }
            address = min(found.span.end, range.end)
        }
    }

    /// Rewrites the attributes of every present entry of every unit the range touches, blocks whole.
    private mutating func rewriteUnits(in range: AddressRange, _ change: (LeafAttributes) -> LeafAttributes) {
        for unit in units(in: range) {
            for slot in slots(of: unit) { rewriteLeaf(slot, level: unit.level, inHugepd: unit.inHugepd, change) }
        }
    }

    private mutating func rewriteLeaf(_ slot: SlotRef, level: Level, inHugepd: Bool, _ change: (LeafAttributes) -> LeafAttributes) {
        rewriteEntry(slot, level: level, inHugepd: inHugepd) { entry in
            guard case .leaf(let pfn, let attributes) = entry else { return entry }
            return .leaf(pfn: pfn, attributes: change(attributes))
        }
    }

    /// Rewrites the terminal entry in `slot` with `change`, which sees it decoded (a leaf's
    /// attributes with its own young and dirty, not its block's).
    private mutating func rewriteEntry(_ slot: SlotRef, level: Level, inHugepd: Bool, _ change: (Entry) -> Entry) {
        let descriptor = tables.descriptor(slot.table)
        let slotSize: UInt64 = inHugepd ? format.hugepdPages(at: level) << UInt64(format.pageShift) : format.geometry(level).entrySize
        let word = tables.word(slot)
        let changed = change(format.decode(word, at: level, inHugepd: inHugepd, address: descriptor.base + UInt64(slot.index) * slotSize))
        let encoded = format.encode(changed, at: level, inHugepd: inHugepd)
        if encoded != word { tables.setWord(slot, encoded) }
    }

    package mutating func protect(_ range: AddressRange, _ protection: Protection) {
        ensureBoundary(range.start)
        ensureBoundary(range.end)
        if protection == .none {
            for unit in units(in: range) where unit.contiguous { split(unit) }
        }
        var address = range.start
        while address < range.end {
            let found = translate(address)
            switch found.entry {
            case .leaf(let pfn, let attributes):
                let changed = EntryRules.protected(attributes, protection, isZeroPage: memory.isZeroFrame(pfn))
                tables.setWord(found.slot, format.encode(.leaf(pfn: pfn, attributes: changed), at: found.level, inHugepd: found.inHugepd))
            case .nonPresent(let entry):
                let changed = EntryRules.protected(entry, anonymous: memory.folio(containing: entry.offset)?.kind == .anonymous)
                if changed != entry { tables.setWord(found.slot, format.encode(.nonPresent(changed), at: found.level, inHugepd: found.inHugepd)) }
            default: break
            }
            address = min(found.span.end, range.end)
        }
    }

    /// Userfaultfd write-protection of `range` (``EntryRules/uffdWriteProtected(_:protect:format:)``),
    /// units straddling its edges split first, contiguous blocks and huge leaves changed whole.
    private mutating func uffdWriteProtect(_ range: AddressRange, protect: Bool) {
        ensureBoundary(range.start)
        ensureBoundary(range.end)
        let format = self.format
        for unit in units(in: range) {
            for slot in slots(of: unit) {
                rewriteEntry(slot, level: unit.level, inHugepd: unit.inHugepd) { entry in
                    switch entry {
                    case .leaf(let pfn, let attributes):
                        EntryRules.uffdWriteProtected(.present(pfn: pfn, attributes: attributes), protect: protect, format: format)
                            .map { $0.entry(contiguous: false) } ?? .none
                    case .nonPresent(let swap):
                        EntryRules.uffdWriteProtected(.nonPresent(swap), protect: protect, format: format)
                            .map { $0.entry(contiguous: false) } ?? .none
                    default: entry
                    }
                }
            }
        }
    }

    private mutating func collapse(at address: UInt64, level: Level) {
        let size = format.geometry(level).entrySize
        let span = AddressRange(start: Format.alignDown(address, size), end: Format.alignDown(address, size) + size)
        let pieces = units(in: span)
        guard let first = pieces.first, first.span.start == span.start,
              case .present(let base, let firstAttributes) = first.content,
              base % format.pages(at: level) == 0,
              memory.isWithinOneFolio(pfn: base, count: format.pages(at: level))
        else { return }
        let ignored: LeafAttributes = [.young, .dirty]
        var merged = firstAttributes
        var expected = span.start
        for piece in pieces {
            guard piece.span.start == expected, !piece.inHugepd, piece.level > level,
                  case .present(let pfn, let attributes) = piece.content,
                  pfn == base + format.pages(in: piece.span.start - span.start),
                  attributes.isDisjoint(with: [.protNone, .special, .uffdWP]),
                  attributes.subtracting(ignored) == firstAttributes.subtracting(ignored)
            else { return }
            merged.formUnion(attributes.intersection(ignored))
            expected = piece.span.end
        }
        guard expected == span.end else { return }
        let holder = slot(at: level, for: span.start)
        guard case .table(let pfn) = format.decode(tables.word(holder), at: level, address: span.start) else { return }
        freeSubtree(tables.table(atPFN: pfn)!)
        tables.setWord(holder, format.encode(.leaf(pfn: base, attributes: merged), at: level))
    }

    /// The existing slot at `level` on the path to `address`; the path must reach that level.
    func slot(at target: Level, for address: UInt64) -> SlotRef {
        var table = root
        var level = format.rootLevel
        while true {
            let slot = SlotRef(table: table, index: format.index(of: address, at: level))
            if level == target { return slot }
            guard case .table(let pfn) = format.decode(tables.word(slot), at: level, address: address) else {
                preconditionFailure("no \(target) slot on the path to 0x\(String(address, radix: 16))")
            }
            table = tables.table(atPFN: pfn)!
            level = format.realLevel(below: level)!
        }
    }

    package mutating func fold(at address: UInt64) {
        let found = translate(address)
        let geometry = format.geometry(found.level)
        let count = geometry.contiguousEntries
        guard count > 1, !found.inHugepd, case .leaf(let pfn, let attributes) = found.entry,
              !attributes.contains(.contiguous), !attributes.contains(.protNone), !attributes.contains(.special)
        else { return }
        let step = format.pages(at: found.level)
        let first = found.slot.index & ~(count - 1)
        guard pfn >= UInt64(found.slot.index - first) * step else { return }
        let base = pfn - UInt64(found.slot.index - first) * step
        guard base % (step * UInt64(count)) == 0, memory.isWithinOneFolio(pfn: base, count: step * UInt64(count)) else { return }
        let ignored: LeafAttributes = [.young, .dirty]
        var merged = attributes
        for offset in 0..<count {
            let word = tables.word(SlotRef(table: found.slot.table, index: first + offset))
            guard case .leaf(let matePFN, let mate) = format.decode(word, at: found.level, address: 0),
                  matePFN == base + UInt64(offset) * step, mate.subtracting(ignored) == attributes.subtracting(ignored)
            else { return }
            merged.formUnion(mate.intersection(ignored))
        }
        let block = MappingUnit(span: AddressRange(start: Format.alignDown(address, geometry.blockSize),
                                                   end: Format.alignDown(address, geometry.blockSize) + geometry.blockSize),
                                level: found.level, inHugepd: false, contiguous: true,
                                content: .present(pfn: base, attributes: merged))
        store(block)
    }

    private mutating func swapOut(_ range: AddressRange) {
        ensureBoundary(range.start)
        ensureBoundary(range.end)
        let memory = self.memory
        flattenToPTEs(range) { !$0.inHugepd && memory.kind(of: $0.content) == .anonymous }
        for unit in units(in: range) where !unit.inHugepd {
            switch memory.kind(of: unit.content) {
            case .anonymous:
                guard case .present(_, let attributes) = unit.content else { continue }
                store(.nonPresent(EntryRules.swapEntry(slot: nextSwapSlot, for: attributes, format: format)), contiguous: false,
                      at: slots(of: unit)[0], level: .pte, inHugepd: false)
                nextSwapSlot += 1
            case .file: clear(unit)
            case .zero, nil: continue
            }
        }
    }

    private mutating func swapIn(_ range: AddressRange) throws(PageTableError) {
        let swapped = units(in: range).filter { if case .nonPresent(let entry) = $0.content, case .swap = entry.kind { true } else { false } }
        // Every frame first, so that running out refuses the operation with the space unchanged.
        var frames = memory
        for _ in swapped {
            guard frames.allocateFolio(order: 0, kind: .anonymous) != nil else { throw .outOfMemory("no order-0 folio left for swap-in") }
        }
        for unit in swapped {
            guard case .nonPresent(let entry) = unit.content, let folio = memory.allocateFolio(order: 0, kind: .anonymous) else { continue }
            store(.present(pfn: folio.pfn, attributes: EntryRules.swappedIn(entry)), contiguous: false, at: slots(of: unit)[0],
                  level: unit.level, inHugepd: unit.inHugepd)
        }
    }

    private mutating func startMigration(_ range: AddressRange) {
        ensureBoundary(range.start)
        ensureBoundary(range.end)
        let memory = self.memory
        flattenToPTEs(range) { unit in
            guard let kind = memory.kind(of: unit.content), kind != .zero else { return false }
            return unit.contiguous || (!unit.inHugepd && unit.level < .pmd)
        }
        for unit in units(in: range) {
            guard let kind = memory.kind(of: unit.content), kind != .zero,
                  case .present(let pfn, let attributes) = unit.content else { continue }
            let entry = SwapEntry(kind: EntryRules.migrationKind(attributes, anonymous: kind == .anonymous), offset: pfn,
                                  flags: EntryRules.migrationFlags(attributes, format: format))
            store(.nonPresent(entry), contiguous: false, at: slots(of: unit)[0], level: unit.level, inHugepd: unit.inHugepd)
        }
    }

    private mutating func finishMigration(_ range: AddressRange) {
        ensureBoundary(range.start)
        ensureBoundary(range.end)
        for unit in units(in: range) {
            guard case .nonPresent(let entry) = unit.content, entry.kind.isMigration else { continue }
            store(.present(pfn: entry.offset, attributes: EntryRules.restoredAttributes(entry)), contiguous: false,
                  at: slots(of: unit)[0], level: unit.level, inHugepd: unit.inHugepd)
        }
    }

    /// Whether `convert` to `conversion` turns `unit` into a non-present entry: anonymous pages
    /// (file ones too for hwpoison; writable ones only for device-exclusive), never hugetlb (hugepd).
    static func converts(_ unit: MappingUnit, to conversion: ConversionKind, _ memory: PhysicalMemory) -> Bool {
        guard let kind = memory.kind(of: unit.content), !unit.inHugepd, case .present(_, let attributes) = unit.content else { return false }
        switch conversion {
        case .devicePrivate: return kind == .anonymous
        case .deviceExclusive: return kind == .anonymous && attributes.contains(.writable)
        case .hwpoison: return kind == .anonymous || kind == .file
        }
    }

    /// Whether `convert` keeps `unit` whole: a device-private PMD leaf the range covers (v6.18's
    /// device-private THPs, `migrate_vma_insert_huge_pmd_page()`); everything else goes to PTEs first.
    static func convertsWhole(_ unit: MappingUnit, to conversion: ConversionKind, in range: AddressRange) -> Bool {
        conversion == .devicePrivate && unit.level == .pmd && !unit.contiguous && !unit.inHugepd && range.contains(unit.span)
    }

    private mutating func convert(_ range: AddressRange, to conversion: ConversionKind) throws(PageTableError) {
        ensureBoundary(range.start)
        ensureBoundary(range.end)
        let memory = self.memory
        flattenToPTEs(range) { Self.converts($0, to: conversion, memory) && !Self.convertsWhole($0, to: conversion, in: range) }
        let converting = units(in: range).filter { Self.converts($0, to: conversion, memory) }
        if conversion == .devicePrivate {
            var frames = memory
            for unit in converting {
                guard frames.allocateSpecial(count: format.pages(in: unit.span.size)) != nil else {
                    throw .outOfMemory("no device frames left for device-private entries")
                }
            }
        }
        for unit in converting {
            guard case .present(let pfn, let attributes) = unit.content else { continue }
            let entry: SwapEntry
            switch conversion {
            case .devicePrivate:
                guard let devicePFN = self.memory.allocateSpecial(count: format.pages(in: unit.span.size)) else { continue }
                entry = EntryRules.devicePrivate(attributes, devicePFN: devicePFN, format: format)
            case .deviceExclusive:
                guard let exclusive = EntryRules.deviceExclusive(attributes, pfn: pfn, format: format) else { continue }
                entry = exclusive
            case .hwpoison:
                entry = SwapEntry(kind: .hwpoison, offset: pfn)
            }
            store(.nonPresent(entry), contiguous: false, at: slots(of: unit)[0], level: unit.level, inHugepd: false)
        }
    }

    private mutating func installMarker(_ range: AddressRange, _ kind: MarkerKind) {
        if kind == .guardRegion { unmap(range) }
        var address = range.start
        while address < range.end {
            let found = translate(address)
            switch found.entry {
            case .none:
                installPage(.nonPresent(.marker(kind.bits)), at: address)
                address += format.pageSize
            case .nonPresent(let entry) where entry.kind == .marker:
                let bits = MarkerBits(rawValue: entry.offset).union(kind.bits)
                tables.setWord(found.slot, format.encode(.nonPresent(.marker(bits, flags: entry.flags)), at: found.level))
                address = found.span.end
            default:
                address = min(found.span.end, range.end)
            }
        }
    }

    private mutating func dirty(_ range: AddressRange) {
        let written: LeafAttributes = format.supportsSoftDirty ? [.dirty, .young, .softDirty] : [.dirty, .young]
        for unit in units(in: range) {
            guard case .present(_, let attributes) = unit.content, attributes.contains(.writable),
                  !attributes.contains(.protNone) else { continue }
            let step = format.pages(at: unit.level) << UInt64(format.pageShift)
            for (offset, slot) in slots(of: unit).enumerated() {
                let entryStart = unit.span.start + UInt64(offset) * step
                let touched = AddressRange(start: entryStart, end: entryStart + step).clamped(to: range) != nil
                rewriteLeaf(slot, level: unit.level, inHugepd: unit.inHugepd) {
                    touched ? $0.union(written) : $0.union(written.intersection(.softDirty))
                }
            }
        }
    }

    private mutating func clearSoftDirty(_ range: AddressRange) {
        guard format.supportsSoftDirty else { return }
        for unit in units(in: range) {
            for slot in slots(of: unit) {
                rewriteEntry(slot, level: unit.level, inHugepd: unit.inHugepd) { entry in
                    switch entry {
                    case .leaf(let pfn, let attributes):
                        EntryRules.softDirtyCleared(.present(pfn: pfn, attributes: attributes)).entry(contiguous: false)
                    case .nonPresent(let swap): EntryRules.softDirtyCleared(.nonPresent(swap)).entry(contiguous: false)
                    default: entry
                    }
                }
            }
        }
    }

    private mutating func move(_ range: AddressRange, to destination: UInt64) {
        ensureBoundary(range.start)
        ensureBoundary(range.end)
        let moving = units(in: range)
        clearTerminals(in: range)
        unmap(AddressRange(start: destination, end: destination + range.size))
        for unit in moving {
            let address = unit.span.start - range.start + destination
            let content = EntryRules.moved(unit.content, inHugepd: unit.inHugepd, format: format)
            if case .present(let pfn, let attributes) = content, memory.isZeroFrame(pfn) {
                // The huge zero page moves as a PMD only to a PMD-aligned address; elsewhere
                // move_page_tables() splits it first, into zero-page PTEs.
                placeZeroPages(AddressRange(start: address, end: address + unit.span.size), maxLevel: unit.level, attributes: attributes)
                continue
            }
            place(content, at: address, pages: format.pages(in: unit.span.size),
                  maxLevel: unit.inHugepd ? .pte : unit.level, contiguous: unit.contiguous,
                  hugepd: unit.inHugepd ? .only(unit.level) : .never)
        }
    }
}

extension PhysicalMemory {
    /// The kind of folio behind a present page as `vm_normal_page()` finds it: nil for special
    /// entries (the zero page and PFNMAP-style frames are special) and non-present pages.
    public func kind(of content: PageContent) -> FolioKind? {
        guard case .present(let pfn, let attributes) = content, !attributes.contains(.special) else { return nil }
        return folio(containing: pfn)?.kind
    }
}
