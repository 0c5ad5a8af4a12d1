extension AddressSpace {
    /// Installs `pages` pages of `content` at `address` with the greedy rule of ``Format/placement(at:pages:content:maxLevel:contiguous:hugepd:memory:canHostHugepd:)``.
    ///
    /// The pages must map nothing; tables are allocated as needed, empty tables and empty hugepd
    /// directories in the way are freed, and a non-empty hugepd directory above a base page is
    /// converted to ordinary tables first.
    mutating func place(_ content: PageContent, at address: UInt64, pages: UInt64, maxLevel: Level,
                        contiguous: Bool, hugepd: HugepdUse) {
        var address = address, remaining = pages, content = content
        let candidates = format.placementCandidates(maxLevel: maxLevel, contiguous: contiguous, hugepd: hugepd)
        while remaining > 0 {
            let here = address
            let placement = format.placement(among: candidates, at: here, pages: remaining, content: content, memory: memory,
                                             canHostHugepd: { canHostHugepd(at: here, level: $0) })
            switch placement {
            case .leaf(let level, let entries):
                let step = format.pages(at: level)
                for offset in 0..<UInt64(entries) {
                    let slot = preparedSlot(at: level, for: address + (offset * step << UInt64(format.pageShift)), hugepd: false)
                    store(content.advanced(by: offset * step), contiguous: entries > 1, at: slot, level: level, inHugepd: false)
                }
            case .hugepd(let level):
                let slot = preparedSlot(at: level, for: address, hugepd: true)
                store(content, contiguous: false, at: slot, level: level, inHugepd: true)
            }
            let placed = format.pages(of: placement)
            address += placed << UInt64(format.pageShift)
            remaining -= placed
            content = content.advanced(by: placed)
        }
    }

    /// Installs one base page of `content`, allocating its PTE table if needed.
    mutating func installPage(_ content: PageContent, at address: UInt64) {
        let slot = preparedSlot(at: .pte, for: address, hugepd: false)
        store(content, contiguous: false, at: slot, level: .pte, inHugepd: false)
    }

    /// The empty slot at `level` for `address` (in a hugepd table when `hugepd`), building the path to it.
    package mutating func preparedSlot(at target: Level, for address: UInt64, hugepd: Bool) -> SlotRef {
        var table = root
        var level = format.rootLevel
        while true {
            let slot = SlotRef(table: table, index: format.index(of: address, at: level))
            let entry = format.decode(tables.word(slot), at: level, address: address)
            if level == target {
                return hugepd ? hugepdSlot(at: slot, level: level, for: address, current: entry)
                              : emptiedSlot(slot, level: level, current: entry)
            }
            switch entry {
            case .none:
                let lower = format.realLevel(below: level)!
                let child = tables.allocate(level: lower, hugepdPageShift: nil, entryCount: format.geometry(lower).entryCount,
                                            owner: owner, base: Format.alignDown(address, format.geometry(level).entrySize))
                tables.setWord(slot, format.encode(.table(pfn: tables.pfn(of: child)), at: level))
            case .table(let pfn):
                table = tables.table(atPFN: pfn)!
                level = format.realLevel(below: level)!
            case .hugepd(let pfn, _):
                let child = tables.table(atPFN: pfn)!
                if tables.descriptor(child).nonNoneCount == 0 {
                    tables.setWord(slot, 0)
                    tables.free(child)
                } else {
                    convertHugepd(holding: address)
                }
            case .leaf, .nonPresent:
                preconditionFailure("placing at \(target) under an occupied \(level) slot \(slot)")
            }
        }
    }

    private mutating func emptiedSlot(_ slot: SlotRef, level: Level, current: Entry) -> SlotRef {
        switch current {
        case .none: break
        case .table(let pfn):
            let child = tables.table(atPFN: pfn)!
            precondition(subtreeIsEmpty(child), "placing a leaf over a table that still maps pages")
            freeSubtree(child)
            tables.setWord(slot, 0)
        case .hugepd(let pfn, _):
            let child = tables.table(atPFN: pfn)!
            precondition(tables.descriptor(child).nonNoneCount == 0, "placing a leaf over a hugepd that still maps pages")
            tables.free(child)
            tables.setWord(slot, 0)
        case .leaf, .nonPresent:
            preconditionFailure("placing a leaf over occupied slot \(slot)")
        }
        return slot
    }

    private mutating func hugepdSlot(at slot: SlotRef, level: Level, for address: UInt64, current: Entry) -> SlotRef {
        let geometry = format.geometry(level)
        let directory: TableID
        if case .hugepd(let pfn, _) = current {
            directory = tables.table(atPFN: pfn)!
        } else {
            _ = emptiedSlot(slot, level: level, current: current)
            directory = tables.allocate(level: level, hugepdPageShift: geometry.hugepdPageShift,
                                        entryCount: geometry.hugepdEntryCount!, owner: owner,
                                        base: Format.alignDown(address, geometry.entrySize))
            tables.setWord(slot, format.encode(.hugepd(pfn: tables.pfn(of: directory), pageShift: geometry.hugepdPageShift!), at: level))
        }
        let inner = SlotRef(table: directory, index: format.hugepdIndex(of: address, at: level))
        precondition(tables.word(inner) == 0, "placing a hugepd page over occupied slot \(inner)")
        return inner
    }

    /// Whether a hugepd table for `level` may hold `address`: nothing but that level's hugepd pages maps
    /// the directory's span, and no non-empty hugepd directory sits above it.
    func canHostHugepd(at address: UInt64, level target: Level) -> Bool {
        var table = root
        var level = format.rootLevel
        while true {
            let entry = format.decode(tables.word(SlotRef(table: table, index: format.index(of: address, at: level))),
                                      at: level, address: address)
            switch entry {
            case .none: return true
            case .hugepd(let pfn, _):
                return level == target || tables.descriptor(tables.table(atPFN: pfn)!).nonNoneCount == 0
            case .table(let pfn):
                if level == target { return subtreeIsEmpty(tables.table(atPFN: pfn)!) }
                table = tables.table(atPFN: pfn)!
                level = format.realLevel(below: level)!
            case .leaf, .nonPresent: return false
            }
        }
    }

    /// Whether no leaf or non-present entry lies anywhere below `table`.
    func subtreeIsEmpty(_ table: TableID) -> Bool {
        let descriptor = tables.descriptor(table)
        if descriptor.nonNoneCount == 0 { return true }
        if descriptor.hugepdPageShift != nil || descriptor.level == .pte { return false }
        for index in 0..<descriptor.entryCount {
            switch format.decode(tables.word(SlotRef(table: table, index: index)), at: descriptor.level, address: 0) {
            case .none: continue
            case .table(let pfn), .hugepd(let pfn, _):
                if !subtreeIsEmpty(tables.table(atPFN: pfn)!) { return false }
            case .leaf, .nonPresent: return false
            }
        }
        return true
    }

    /// Frees `table` and every table below it, dropping whatever they map.
    mutating func freeSubtree(_ table: TableID) {
        let descriptor = tables.descriptor(table)
        if descriptor.hugepdPageShift == nil, descriptor.level != .pte {
            for index in 0..<descriptor.entryCount {
                switch format.decode(tables.word(SlotRef(table: table, index: index)), at: descriptor.level, address: 0) {
                case .table(let pfn), .hugepd(let pfn, _): freeSubtree(tables.table(atPFN: pfn)!)
                default: continue
                }
            }
        }
        tables.free(table)
    }
}
