import PageTable

/// The structural invariants of a tree, checked from the root: encodings canonical, leaves aligned
/// in virtual and physical address, contiguous blocks consistent, ptdesc right, no table page
/// leaked or reachable twice.
public enum TreeInvariants {
    /// Every violation found, each naming the slot and what is wrong; empty when the tree is sound.
    public static func violations(in space: AddressSpace) -> [String] {
        var checker = Checker(space: space)
        checker.visit(space.root, level: space.format.rootLevel, base: 0, hugepdShift: nil)
        for table in space.tables.liveTables where !checker.visited.contains(table) {
            checker.report("\(table) (\(space.tables.descriptor(table).level)) is live but unreachable: leaked")
        }
        return checker.problems + vmaViolations(in: space)
    }

    /// The VMA invariants: VMAs sorted, disjoint, page-aligned and not empty; every mapped page
    /// inside a VMA; no unit but a contiguous block across a VMA boundary
    /// (`vma_adjust_trans_huge()` splits or clears huge leaves there); in a hugetlb VMA, only whole
    /// huge pages of its hstate.
    static func vmaViolations(in space: AddressSpace) -> [String] {
        guard let vmas = space.vmas?.vmas else { return [] }
        var problems: [String] = []
        for (vma, next) in zip(vmas, vmas.dropFirst()) where vma.range.end > next.range.start {
            problems.append("VMAs \(vma) and \(next) overlap or are out of order")
        }
        for vma in vmas where vma.range.start >= vma.range.end || !space.format.isPageAligned(vma.range.start)
            || !space.format.isPageAligned(vma.range.end) {
            problems.append("VMA \(vma) is empty or not page-aligned")
        }
        var runs: [PageRun] = []
        ModelComparison.treeRuns(space, into: &runs)
        let shift = UInt64(space.format.pageShift)
        for run in runs {
            let range = AddressRange(start: run.start << shift, end: run.end << shift)
            space.vmas!.forEachPiece(in: range) { piece, vma in
                if vma == nil, problems.count < 20 { problems.append("\(piece) is mapped outside every VMA") }
            }
        }
        // A hugetlb VMA maps only whole huge pages of its hstate, in its shape.
        for vma in vmas {
            guard let shape = vma.hugetlb else { continue }
            for unit in space.units(in: vma.range)
            where unit.span.size != shape.size || unit.span.start % shape.size != 0 || unit.level != shape.level
                || unit.contiguous != shape.contiguous || unit.inHugepd != shape.hugepd {
                problems.append("\(unit) in the hugetlb VMA \(vma) is not one of its huge pages")
            }
        }
        for vma in vmas {
            for boundary in [vma.range.start, vma.range.end] where boundary < space.format.top {
                guard let unit = space.unit(containing: boundary), unit.span.start < boundary, !unit.contiguous else { continue }
                problems.append("\(unit) straddles the VMA boundary 0x\(String(boundary, radix: 16))")
            }
        }
        return problems
    }

    /// Where a slot is, printed only when a problem is reported.
    private struct Place: CustomStringConvertible {
        var slot: SlotRef, level: Level, inHugepd: Bool, start: UInt64
        var description: String { "\(slot) \(level)\(inHugepd ? " hugepd" : "") at 0x\(String(start, radix: 16))" }
    }

    private struct Checker {
        let space: AddressSpace
        var format: Format { space.format }
        var visited = Set<TableID>()
        var problems: [String] = []

        init(space: AddressSpace) { self.space = space }

        mutating func report(_ problem: String) { if problems.count < 20 { problems.append(problem) } }

        mutating func visit(_ table: TableID, level: Level, base: UInt64, hugepdShift: Int?) {
            guard visited.insert(table).inserted else { return report("\(table) is reachable twice") }
            let descriptor = space.tables.descriptor(table)
            if descriptor.state != .live { report("\(table) is reachable but freed") }
            if descriptor.level != level || descriptor.hugepdPageShift != hugepdShift {
                report("\(table) ptdesc says \(descriptor.level) hugepd \(descriptor.hugepdPageShift.map(String.init) ?? "-"), reached as \(level) hugepd \(hugepdShift.map(String.init) ?? "-")")
            }
            if format.geometry(level).isFolded { report("\(table) is a table of folded level \(level)") }
            if descriptor.base != base { report("\(table) ptdesc base 0x\(String(descriptor.base, radix: 16)), reached at 0x\(String(base, radix: 16))") }
            if descriptor.owner != space.owner { report("\(table) owned by \(descriptor.owner), not \(space.owner)") }
            let geometry = format.geometry(level)
            let slotSize: UInt64 = hugepdShift.map { 1 << UInt64($0) } ?? geometry.entrySize
            var nonNone = 0
            for index in 0..<descriptor.entryCount {
                let slot = SlotRef(table: table, index: index)
                let word = space.tables.word(slot)
                guard word != 0 else { continue }
                nonNone += 1
                let start = base + UInt64(index) * slotSize
                let entry = format.decode(word, at: level, inHugepd: hugepdShift != nil, address: start)
                let where_ = Place(slot: slot, level: level, inHugepd: hugepdShift != nil, start: start)
                if format.encode(entry, at: level, inHugepd: hugepdShift != nil) != word {
                    report("\(where_): word 0x\(String(word, radix: 16)) is not the canonical encoding of \(entry)")
                }
                check(entry, slot: slot, level: level, inHugepd: hugepdShift != nil, start: start, size: slotSize, where_)
            }
            if nonNone != descriptor.nonNoneCount { report("\(table) ptdesc counts \(descriptor.nonNoneCount) non-none entries, has \(nonNone)") }
        }

        mutating func check(_ entry: Entry, slot: SlotRef, level: Level, inHugepd: Bool, start: UInt64, size: UInt64, _ where_: Place) {
            let pages = format.pages(in: size)
            switch entry {
            case .none: return
            case .table(let pfn), .hugepd(let pfn, _):
                guard !inHugepd, level != .pte else { return report("\(where_): a table pointer where only leaves may sit") }
                guard let child = space.tables.table(atPFN: pfn) else { return report("\(where_): points to frame 0x\(String(pfn, radix: 16)), not a table") }
                if case .hugepd(_, let shift) = entry {
                    guard format.geometry(level).hugepdPageShift == shift else { return report("\(where_): hugepd of shift \(shift) not allowed here") }
                    visit(child, level: level, base: start, hugepdShift: shift)
                } else {
                    visit(child, level: format.realLevel(below: level)!, base: start, hugepdShift: nil)
                }
            case .leaf(let pfn, let attributes):
                if !inHugepd, !format.geometry(level).allowsLeaf { report("\(where_): a leaf at \(level), which holds none") }
                if pfn % pages != 0 { report("\(where_): leaf pfn 0x\(String(pfn, radix: 16)) not aligned to its \(pages) pages") }
                if attributes.contains(.protNone), !attributes.isDisjoint(with: [.writable, .user, .contiguous]) {
                    report("\(where_): PROT_NONE leaf with \(attributes)")
                }
                if attributes.contains(.uffdWP), attributes.contains(.writable) { report("\(where_): a uffd-wp leaf is writable") }
                if space.memory.isZeroFrame(pfn) {
                    // The zero page in a PTE, the huge zero folio whole in a PMD; special, read-only.
                    let zero = space.memory.folio(containing: pfn)!
                    let fits = pfn == zero.pfn && pages == zero.pageCount && (pages == 1 ? level == .pte : level == .pmd) && !inHugepd
                    if !fits || attributes.contains(.writable) || !attributes.contains(.special) {
                        report("\(where_): zero folio \(zero) mapped \(attributes) over \(pages) pages at \(level)")
                    }
                } else if !attributes.contains(.special), !space.memory.isWithinOneFolio(pfn: pfn, count: pages) {
                    report("\(where_): leaf of \(pages) pages from pfn 0x\(String(pfn, radix: 16)) is not inside one folio")
                }
                if attributes.contains(.contiguous) { checkBlock(slot: slot, level: level, inHugepd: inHugepd, pfn: pfn, attributes: attributes, where_) }
            case .nonPresent(let swap):
                if !space.format.storableSwapFlags.isSuperset(of: swap.flags) { report("\(where_): \(swap) carries flags \(space.format.name) cannot store") }
                if inHugepd || level != .pte {
                    // Migration entries in PMD or hugepd slots, device-private ones in PMD slots.
                    let allowed = swap.kind.isMigration ? (inHugepd || level == .pmd) : (swap.kind.isDevicePrivate && !inHugepd && level == .pmd)
                    if !allowed { report("\(where_): \(swap.kind) entry above the PTE level") }
                    if swap.offset % pages != 0 || (swap.kind.isMigration && !space.memory.isWithinOneFolio(pfn: swap.offset, count: pages)) {
                        report("\(where_): \(swap.kind) entry of \(pages) pages from pfn 0x\(String(swap.offset, radix: 16)) is not one aligned run")
                    }
                }
            }
        }

        mutating func checkBlock(slot: SlotRef, level: Level, inHugepd: Bool, pfn: UInt64, attributes: LeafAttributes, _ where_: Place) {
            let count = format.geometry(level).contiguousEntries
            guard !inHugepd, count > 1 else { return report("\(where_): contiguous bit where \(level) has no blocks") }
            let step = format.pages(at: level)
            let first = slot.index & ~(count - 1)
            let base = pfn &- UInt64(slot.index - first) * step
            if base % (step * UInt64(count)) != 0 { report("\(where_): contiguous block base pfn 0x\(String(base, radix: 16)) misaligned") }
            if !space.memory.isWithinOneFolio(pfn: base, count: step * UInt64(count)) { report("\(where_): contiguous block not inside one folio") }
            let ignored: LeafAttributes = [.young, .dirty]
            let address = space.tables.descriptor(slot.table).base
            for offset in 0..<count {
                let mate = SlotRef(table: slot.table, index: first + offset)
                let decoded = format.decode(space.tables.word(mate), at: level, address: address + UInt64(first + offset) * step * format.pageSize)
                guard case .leaf(let matePFN, let mateAttributes) = decoded, matePFN == base + UInt64(offset) * step,
                      mateAttributes.subtracting(ignored) == attributes.subtracting(ignored)
                else { return report("\(where_): contiguous block mate \(mate) is \(decoded), inconsistent with \(attributes)") }
            }
        }
    }
}
