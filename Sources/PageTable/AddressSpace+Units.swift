extension AddressSpace {
    /// The unit holding `address` (below the top), or nil when the address maps nothing.
    package func unit(containing address: UInt64) -> MappingUnit? {
        unit(at: translate(address), address: address)
    }

    /// The unit `found`, the translation of `address`, lies in, or nil when it maps nothing.
    func unit(at found: Translation, address: UInt64) -> MappingUnit? {
        switch found.entry {
        case .none, .table, .hugepd:
            return nil
        case .nonPresent(let entry):
            return MappingUnit(span: found.span, level: found.level, inHugepd: found.inHugepd, contiguous: false,
                               content: .nonPresent(entry))
        case .leaf(let pfn, var attributes):
            guard attributes.contains(.contiguous), !found.inHugepd else {
                return MappingUnit(span: found.span, level: found.level, inHugepd: found.inHugepd, contiguous: false,
                                   content: .present(pfn: pfn, attributes: attributes))
            }
            let geometry = format.geometry(found.level)
            let first = found.slot.index & ~(geometry.contiguousEntries - 1)
            for index in first..<first + geometry.contiguousEntries {
                if case .leaf(_, let mate) = format.decode(tables.word(SlotRef(table: found.slot.table, index: index)),
                                                          at: found.level, address: 0) {
                    attributes.formUnion(mate.intersection([.young, .dirty]))
                }
            }
            attributes.remove(.contiguous)
            let start = Format.alignDown(address, geometry.blockSize)
            let base = pfn - UInt64(found.slot.index - first) * format.pages(at: found.level)
            return MappingUnit(span: AddressRange(start: start, end: start + geometry.blockSize), level: found.level,
                               inHugepd: false, contiguous: true, content: .present(pfn: base, attributes: attributes))
        }
    }

    /// The slots a unit occupies: one, or a whole contiguous block.
    func slots(of unit: MappingUnit) -> [SlotRef] {
        let first = translate(unit.span.start).slot
        let count = unit.contiguous ? format.geometry(unit.level).contiguousEntries : 1
        return (0..<count).map { SlotRef(table: first.table, index: first.index + $0) }
    }

    /// Writes `content` into `slot` of `level`.
    mutating func store(_ content: PageContent, contiguous: Bool, at slot: SlotRef, level: Level, inHugepd: Bool) {
        tables.setWord(slot, format.encode(content.entry(contiguous: contiguous), at: level, inHugepd: inHugepd))
    }

    /// Writes `unit` into the slots it occupies, each entry with its own page's content.
    mutating func store(_ unit: MappingUnit) {
        let step = unit.inHugepd ? format.hugepdPages(at: unit.level) : format.pages(at: unit.level)
        for (offset, slot) in slots(of: unit).enumerated() {
            store(unit.content.advanced(by: UInt64(offset) * step), contiguous: unit.contiguous, at: slot,
                  level: unit.level, inHugepd: unit.inHugepd)
        }
    }

    /// Clears every slot of `unit`.
    mutating func clear(_ unit: MappingUnit) {
        for slot in slots(of: unit) { tables.setWord(slot, 0) }
    }

    /// Splits `unit` one step: unfolds a block (spreading young and dirty to every entry, as
    /// `contpte_convert` does), splits a huge leaf into a table of the next real level, or turns a
    /// hugepd directory into ordinary tables of PTEs.
    package mutating func split(_ unit: MappingUnit) {
        if unit.contiguous {
            let step = format.pages(at: unit.level)
            for (offset, slot) in slots(of: unit).enumerated() {
                store(unit.content.advanced(by: UInt64(offset) * step), contiguous: false, at: slot,
                      level: unit.level, inHugepd: false)
            }
            return
        }
        if unit.inHugepd {
            convertHugepd(holding: unit.span.start)
            return
        }
        guard let lower = format.realLevel(below: unit.level) else { preconditionFailure("a PTE does not split") }
        let holder = translate(unit.span.start).slot
        let geometry = format.geometry(lower)
        let table = tables.allocate(level: lower, hugepdPageShift: nil, entryCount: geometry.entryCount, owner: owner,
                                    base: unit.span.start)
        let step = format.pages(at: lower)
        let content = Self.splitContent(unit.content, memory: memory)
        for index in 0..<geometry.entryCount {
            store(content.advanced(by: UInt64(index) * step), contiguous: false,
                  at: SlotRef(table: table, index: index), level: lower, inHugepd: false)
        }
        tables.setWord(holder, format.encode(.table(pfn: tables.pfn(of: table)), at: unit.level))
    }

    /// The content of the first entry a huge leaf splits into: its own, but for the huge zero page,
    /// which splits into the zero page (`__split_huge_zero_page_pmd()`: `pfn_pte(my_zero_pfn(addr),
    /// vma->vm_page_prot)`, special, young from the protection, uffd-wp kept).
    public static func splitContent(_ content: PageContent, memory: PhysicalMemory) -> PageContent {
        guard case .present(let pfn, let attributes) = content, memory.isZeroFrame(pfn), pfn != PhysicalMemory.zeroPFN else { return content }
        return .present(pfn: PhysicalMemory.zeroPFN, attributes: attributes.union(.young))
    }

    /// Splits units until `address` is a boundary of the unit holding it (a no-op at 0 and the top).
    package mutating func ensureBoundary(_ address: UInt64) {
        guard address > 0, address < format.top else { return }
        while let unit = unit(containing: address), unit.span.start != address { split(unit) }
    }

    /// Splits units in `range` until each is a plain PTE; `keep` says which units to leave alone.
    mutating func flattenToPTEs(_ range: AddressRange, where select: (MappingUnit) -> Bool) {
        var address = range.start
        while address < range.end {
            let translation = translate(address)
            guard let unit = unit(at: translation, address: address) else {
                address = min(translation.span.end, range.end)
                continue
            }
            if unit.isLarge, select(unit) {
                split(unit)
                continue
            }
            address = unit.span.end
        }
    }

    /// Replaces the hugepd directory holding `address` with ordinary tables mapping the same pages as PTEs.
    mutating func convertHugepd(holding address: UInt64) {
        let found = translate(address)
        precondition(found.inHugepd, "no hugepd holds 0x\(String(address, radix: 16))")
        let directory = found.path.last!
        let hugepdTable = found.slot.table
        let geometry = format.geometry(found.level)
        let pageSize: UInt64 = 1 << UInt64(geometry.hugepdPageShift!)
        let base = Format.alignDown(address, geometry.entrySize)
        var units: [MappingUnit] = []
        for index in 0..<geometry.hugepdEntryCount! {
            let start = base + UInt64(index) * pageSize
            switch format.decode(tables.word(SlotRef(table: hugepdTable, index: index)), at: found.level, inHugepd: true,
                                 address: start) {
            case .leaf(let pfn, let attributes):
                units.append(MappingUnit(span: AddressRange(start: start, end: start + pageSize), level: found.level,
                                         inHugepd: true, contiguous: false, content: .present(pfn: pfn, attributes: attributes)))
            case .nonPresent(let entry):
                units.append(MappingUnit(span: AddressRange(start: start, end: start + pageSize), level: found.level,
                                         inHugepd: true, contiguous: false, content: .nonPresent(entry)))
            default: break
            }
        }
        tables.setWord(directory, 0)
        tables.free(hugepdTable)
        for unit in units {
            place(unit.content, at: unit.span.start, pages: format.pages(in: unit.span.size), maxLevel: .pte,
                  contiguous: false, hugepd: .never)
        }
    }
}
