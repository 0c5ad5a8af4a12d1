extension AddressSpace {
    /// Applies `operation` to the tree; throws, changing nothing, when its arguments are invalid.
    public mutating func apply(_ operation: Operation) throws(PageTableError) {
        try operation.validate(for: format)
        switch operation {
        case .map(let address, let source, let writable, let shape):
            try map(at: address, source: source, writable: writable, shape: shape)
        case .unmap(let range): unmap(range)
        case .protect(let range, let protection): protect(range, protection)
        case .split(let address):
            if let unit = unit(containing: address), unit.isLarge { split(unit) }
        case .collapse(let address, let level): collapse(at: address, level: level)
        case .fold(let address): fold(at: address)
        case .unfold(let address):
            if let unit = unit(containing: address), unit.contiguous { split(unit) }
        case .swapOut(let range): swapOut(range)
        case .swapIn(let range): swapIn(range)
        case .startMigration(let range): startMigration(range)
        case .finishMigration(let range): finishMigration(range)
        case .convert(let range, let kind): convert(range, to: kind)
        case .installMarker(let range, let kind): installMarker(range, kind)
        case .age(let range): rewriteUnits(in: range) { $0.subtracting(.young) }
        case .dirty(let range): dirty(range)
        case .clearSoftDirty(let range): clearSoftDirty(range)
        case .move(let range, let destination): move(range, to: destination)
        case .reclaim(let range): reclaim(range)
        }
    }

    /// The units that map pages in `range` (inside the address space), in address order; the first
    /// and last may stick out of it.
    package func units(in range: AddressRange) -> [MappingUnit] {
        var found: [MappingUnit] = []
        var address = range.start
        while address < range.end {
            if let unit = unit(containing: address) {
                found.append(unit)
                address = unit.span.end
            } else {
                address = holeEnd(address, clampedTo: range.end)
            }
        }
        return found
    }

    /// The attributes a freshly faulted page gets: user, young, soft-dirty where the format has it.
    func freshAttributes(writable: Bool) -> LeafAttributes {
        var attributes: LeafAttributes = [.user, .young]
        if format.supportsSoftDirty { attributes.insert(.softDirty) }
        if writable { attributes.insert(.writable) }
        return attributes
    }

    private mutating func map(at address: UInt64, source: MapSource, writable: Bool, shape: MapShape) throws(PageTableError) {
        let content: PageContent
        switch source {
        case .folio(let kind, let order, let first, _):
            guard let folio = memory.allocateFolio(order: order, kind: kind) else { throw .outOfMemory("no order-\(order) folio left") }
            content = .present(pfn: folio.pfn + first, attributes: freshAttributes(writable: writable))
        case .zeroPage:
            content = .present(pfn: PhysicalMemory.zeroPFN, attributes: freshAttributes(writable: false))
        case .special(let count):
            guard let pfn = memory.allocateSpecial(count: count) else { throw .outOfMemory("no \(count) special frames left") }
            content = .present(pfn: pfn, attributes: freshAttributes(writable: writable).union(.special))
        }
        let range = AddressRange(start: address, end: address + source.pageCount * format.pageSize)
        unmap(range)
        place(content, at: address, pages: source.pageCount, maxLevel: shape.leafLevel, contiguous: shape.contiguous,
              hugepd: shape.hugepd ? .anyLevel : .never)
    }

    mutating func unmap(_ range: AddressRange) {
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
        let address = tables.descriptor(slot.table).base
        guard case .leaf(let pfn, let attributes) = format.decode(tables.word(slot), at: level, inHugepd: inHugepd,
                                                                   address: address + UInt64(slot.index) * format.pageSize)
        else { return }
        tables.setWord(slot, format.encode(.leaf(pfn: pfn, attributes: change(attributes)), at: level, inHugepd: inHugepd))
    }

    private mutating func protect(_ range: AddressRange, _ protection: Protection) {
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
                let changed = Self.protected(attributes, protection, isZeroPage: pfn == PhysicalMemory.zeroPFN)
                tables.setWord(found.slot, format.encode(.leaf(pfn: pfn, attributes: changed), at: found.level, inHugepd: found.inHugepd))
            case .nonPresent(var entry) where entry.kind == .migrationWrite && protection != .readWrite:
                entry.kind = memory.folio(containing: entry.offset)?.kind == .anonymous ? .migrationReadExclusive : .migrationRead
                tables.setWord(found.slot, format.encode(.nonPresent(entry), at: found.level, inHugepd: found.inHugepd))
            default: break
            }
            address = min(found.span.end, range.end)
        }
    }

    /// The attributes a present leaf has after `protection` is applied (shared with the abstract model).
    public static func protected(_ attributes: LeafAttributes, _ protection: Protection, isZeroPage: Bool) -> LeafAttributes {
        var result = attributes
        switch protection {
        case .none:
            result.subtract([.writable, .user, .contiguous])
            result.insert(.protNone)
        case .readOnly:
            result.subtract([.writable, .protNone])
            result.insert(.user)
        case .readWrite:
            result.remove(.protNone)
            result.insert(.user)
            if !isZeroPage { result.insert(.writable) }
        }
        return result
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
                  !attributes.contains(.protNone), !attributes.contains(.special),
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
        var level = Level.pgd
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

    private mutating func fold(at address: UInt64) {
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
                var flags: SwapFlags = [.exclusive]
                if attributes.contains(.softDirty) { flags.insert(.softDirty) }
                store(.nonPresent(SwapEntry(kind: .swap(type: 0), offset: nextSwapSlot, flags: flags)), contiguous: false,
                      at: slots(of: unit)[0], level: .pte, inHugepd: false)
                nextSwapSlot += 1
            case .file, .zero: clear(unit)
            case nil: continue
            }
        }
    }

    private mutating func swapIn(_ range: AddressRange) {
        for unit in units(in: range) {
            guard case .nonPresent(let entry) = unit.content, case .swap = entry.kind else { continue }
            guard let folio = memory.allocateFolio(order: 0, kind: .anonymous) else { preconditionFailure("folio frames exhausted") }
            var attributes: LeafAttributes = [.user, .young]
            if entry.flags.contains(.softDirty) { attributes.insert(.softDirty) }
            store(.present(pfn: folio.pfn, attributes: attributes), contiguous: false, at: slots(of: unit)[0],
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
            let entry = SwapEntry(kind: Self.migrationKind(attributes, anonymous: kind == .anonymous), offset: pfn,
                                  flags: Self.carriedFlags(attributes, format: format))
            store(.nonPresent(entry), contiguous: false, at: slots(of: unit)[0], level: unit.level, inHugepd: unit.inHugepd)
        }
    }

    /// The migration entry kind for a present leaf (shared with the abstract model).
    public static func migrationKind(_ attributes: LeafAttributes, anonymous: Bool) -> SwapKind {
        attributes.contains(.writable) ? .migrationWrite : anonymous ? .migrationReadExclusive : .migrationRead
    }

    /// The young, dirty and soft-dirty bits a migration entry of `format` remembers (those it can store).
    public static func carriedFlags(_ attributes: LeafAttributes, format: Format) -> SwapFlags {
        var flags: SwapFlags = []
        if attributes.contains(.young) { flags.insert(.young) }
        if attributes.contains(.dirty) { flags.insert(.dirty) }
        if attributes.contains(.softDirty) { flags.insert(.softDirty) }
        return flags.intersection(format.storableSwapFlags)
    }

    /// The present attributes a finished migration entry is restored with.
    public static func restoredAttributes(_ entry: SwapEntry) -> LeafAttributes {
        var attributes: LeafAttributes = [.user]
        if entry.kind == .migrationWrite { attributes.insert(.writable) }
        if entry.flags.contains(.young) { attributes.insert(.young) }
        if entry.flags.contains(.dirty) { attributes.insert(.dirty) }
        if entry.flags.contains(.softDirty) { attributes.insert(.softDirty) }
        return attributes
    }

    private mutating func finishMigration(_ range: AddressRange) {
        ensureBoundary(range.start)
        ensureBoundary(range.end)
        for unit in units(in: range) {
            guard case .nonPresent(let entry) = unit.content, entry.kind.isMigration else { continue }
            store(.present(pfn: entry.offset, attributes: Self.restoredAttributes(entry)), contiguous: false,
                  at: slots(of: unit)[0], level: unit.level, inHugepd: unit.inHugepd)
        }
    }

    private mutating func convert(_ range: AddressRange, to conversion: ConversionKind) {
        ensureBoundary(range.start)
        ensureBoundary(range.end)
        let memory = self.memory
        let eligible = { (unit: MappingUnit) -> Bool in
            guard let kind = memory.kind(of: unit.content), !unit.inHugepd else { return false }
            return kind == .anonymous || (kind == .file && conversion == .hwpoison)
        }
        flattenToPTEs(range, where: eligible)
        for unit in units(in: range) where eligible(unit) {
            guard case .present(let pfn, let attributes) = unit.content else { continue }
            let writable = attributes.contains(.writable)
            let entry: SwapEntry
            switch conversion {
            case .devicePrivate:
                guard let devicePFN = self.memory.allocateSpecial(count: 1) else { preconditionFailure("special frames exhausted") }
                entry = SwapEntry(kind: writable ? .deviceWrite : .deviceRead, offset: devicePFN)
            case .deviceExclusive:
                entry = SwapEntry(kind: writable ? .deviceExclusiveWrite : .deviceExclusiveRead, offset: pfn)
            case .hwpoison:
                entry = SwapEntry(kind: .hwpoison, offset: pfn)
            }
            store(.nonPresent(entry), contiguous: false, at: slots(of: unit)[0], level: .pte, inHugepd: false)
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
                tables.setWord(found.slot, format.encode(.nonPresent(.marker(bits)), at: found.level))
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
        rewriteUnits(in: range) { $0.subtracting([.softDirty, .writable]) }
        for unit in units(in: range) {
            guard case .nonPresent(var entry) = unit.content, case .swap = entry.kind, entry.flags.contains(.softDirty) else { continue }
            entry.flags.remove(.softDirty)
            store(.nonPresent(entry), contiguous: false, at: slots(of: unit)[0], level: unit.level, inHugepd: unit.inHugepd)
        }
    }

    private mutating func move(_ range: AddressRange, to destination: UInt64) {
        ensureBoundary(range.start)
        ensureBoundary(range.end)
        let moving = units(in: range)
        clearTerminals(in: range)
        unmap(AddressRange(start: destination, end: destination + range.size))
        for unit in moving {
            place(unit.content, at: unit.span.start - range.start + destination, pages: format.pages(in: unit.span.size),
                  maxLevel: unit.inHugepd ? .pte : unit.level, contiguous: unit.contiguous,
                  hugepd: unit.inHugepd ? .only(unit.level) : .never)
        }
    }
}

extension PhysicalMemory {
    /// The kind of folio behind a present page, or nil for special frames and non-present pages.
    public func kind(of content: PageContent) -> FolioKind? {
        guard case .present(let pfn, let attributes) = content, !attributes.contains(.special) else { return nil }
        return folio(containing: pfn)?.kind
    }
}
