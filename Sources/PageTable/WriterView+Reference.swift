/// The model's reference writer operations (SEMANTICS.md, "Writers"): what a writer design must
/// leave in the tree, and the accounting it must have reported. The oracle's writer judge runs
/// these on its own view; designs never call them.
extension WriterView {
    /// Performs the operation the model's way, unit by unit, and sets ``ledger`` to what a design
    /// must report: the difference of the trees' accounting (``WriteLedger/counting(_:role:)``)
    /// plus the folio marks and anon-exclusive clearing the operation makes.
    package mutating func performReference() {
        // Only the units of what the operation may change are counted: the whole space for a
        // copy, else the range widened to the units (and hugepd directories) its edges cut.
        let counted = affectedRange()
        let before = WriteLedger.counting(source, in: counted)
        var marks = WriteLedger()
        switch operation {
        case .setEntries(let address, let order, let writable):
            let folio = newFolio!
            let content = PageContent.present(pfn: folio.pfn, attributes: EntryRules.fresh(writable: writable, format: format))
            switch format.placementForOrder(order)! {
            case .leaf(let level, let entries):
                source.place(content, at: address, pages: folio.pageCount, maxLevel: level, contiguous: entries > 1, hugepd: .never)
            case .hugepd(let level):
                source.place(content, at: address, pages: folio.pageCount, maxLevel: .pte, contiguous: false, hugepd: .only(level))
            }
        case .zap(let range, let dropMarkers):
            source.ensureBoundary(range.start)
            source.ensureBoundary(range.end)
            var kept: [MappingUnit] = []
            for unit in source.units(in: range) {
                switch unit.content {
                case .present(let pfn, let attributes):
                    guard let folio = normalFolio(pfn, attributes: attributes) else { continue }
                    Self.zapMarks(attributes, folio: folio, hugetlb: unit.isHugetlb, into: &marks)
                case .nonPresent(let entry):
                    if !dropMarkers, Self.zapKeepsMarker(entry) { kept.append(unit) }
                }
            }
            source.unmap(range)
            for unit in kept { source.store(unit) }
        case .changeProtection(let range, let protection):
            source.protect(range, protection)
        case .copy(let options):
            referenceCopy(options, marks: &marks)
        }
        var after = WriteLedger.counting(source, in: counted)
        if let destination { after = after.adding(WriteLedger.counting(destination, role: .destination, in: counted)) }
        ledger = after.subtracting(before).adding(marks)
    }

    /// The addresses whose units the operation may change, before it runs: the whole space for a
    /// copy; otherwise its range (a set-entries' pages) widened to the whole of each unit, and of
    /// each hugepd directory, that holds one of its edges (a split converts a whole directory).
    func affectedRange() -> AddressRange {
        let range: AddressRange
        switch operation {
        case .copy: return AddressRange(start: 0, end: format.top)
        case .zap(let zapped, _): range = zapped
        case .changeProtection(let changed, _): range = changed
        case .setEntries(let address, let order, _):
            range = AddressRange(start: address, end: address + (format.pageSize << UInt64(order)))
        }
        var start = range.start, end = range.end
        for edge in [range.start, range.end - 1] {
            let found = source.translate(edge)
            var span = source.unit(at: found, address: edge)?.span ?? found.span
            if found.inHugepd {
                let entrySize = format.geometry(found.level).entrySize
                span = AddressRange(start: Format.alignDown(edge, entrySize), end: Format.alignDown(edge, entrySize) + entrySize)
            }
            start = min(start, span.start)
            end = max(end, span.end)
        }
        return AddressRange(start: start, end: end)
    }

    /// The folio marks zapping a present unit of `folio` with `attributes` (young and dirty ORed
    /// across it) makes:
    /// a PTE-mapped or PMD-mapped file folio is marked dirty if the entry was dirty and accessed if
    /// young (`zap_present_folio_ptes()`: `folio_mark_dirty()`, `folio_mark_accessed()`); a hugetlb
    /// page (a leaf above the PMD, a contiguous directory block, a hugepd page) is marked dirty if
    /// dirty (`__unmap_hugepage_range()`); anonymous PTE and PMD folios get no mark.
    public static func zapMarks(_ attributes: LeafAttributes, folio: Folio, hugetlb: Bool, into ledger: inout WriteLedger) {
        if hugetlb {
            if attributes.contains(.dirty) { ledger.markDirty(folio.id) }
            return
        }
        guard folio.kind != .anonymous else { return }
        if attributes.contains(.dirty) { ledger.markDirty(folio.id) }
        if attributes.contains(.young) { ledger.markAccessed(folio.id) }
    }

    /// Whether a zap without `ZAP_FLAG_DROP_MARKER` keeps `entry`: a marker carrying uffd-wp or
    /// guard (`zap_nonpresent_ptes()`: `zap_drop_markers()` false); a poisoned-only marker goes.
    public static func zapKeepsMarker(_ entry: SwapEntry) -> Bool {
        entry.kind == .marker && !MarkerBits(rawValue: entry.offset).isDisjoint(with: [.uffdWP, .guardRegion])
    }

    /// `copy_page_range()` the model's way: every unit of the parent is copied by
    /// ``EntryRules/forked(_:in:options:folio:)``; pinned anonymous folios' PTE-mapped pages get a
    /// new page each (`copy_present_page()`), a pinned PMD-mapped one is split in the parent first
    /// (`copy_huge_pmd()` returns -EAGAIN after `__split_huge_pmd()`); on arm64 the child's aligned
    /// blocks are folded where the contpte rule allows (`contpte_set_ptes()`).
    private mutating func referenceCopy(_ options: CopyOptions, marks: inout WriteLedger) {
        let whole = AddressRange(start: 0, end: format.top)
        for unit in source.units(in: whole) where unit.level == .pmd && !unit.contiguous && !unit.inHugepd {
            if case .present(let pfn, let attributes) = unit.content, let folio = normalFolio(pfn, attributes: attributes),
               folio.kind == .anonymous, options.mayBePinned(folio.id), !attributes.contains(.protNone) {
                splitUnit(containing: unit.span.start)
            }
        }
        ledger = WriteLedger()
        var child = destination!
        // The child's tables mirror the parent's (copy_pud_range() → pmd_alloc(), copy_pte_range()
        // → pte_alloc(): a table for every table the parent has, empty or not); hugepd tables are
        // made for the pages placed in them.
        var pending = [(source.root, format.rootLevel)]
        while let (table, level) = pending.popLast() {
            guard let lower = format.realLevel(below: level) else { continue }
            for index in 0..<format.geometry(level).entryCount {
                let base = source.tables.descriptor(table).base + UInt64(index) * format.geometry(level).entrySize
                if case .table(let pfn) = format.decode(source.tables.word(SlotRef(table: table, index: index)), at: level, address: base) {
                    _ = child.preparedSlot(at: lower, for: base, hugepd: false)
                    pending.append((source.tables.table(atPFN: pfn)!, lower))
                }
            }
        }
        for unit in source.units(in: whole) {
            let step = unit.inHugepd ? format.hugepdPages(at: unit.level) : format.pages(at: unit.level)
            let hugetlb = unit.isHugetlb
            for (offset, slot) in source.slots(of: unit).enumerated() {
                let address = unit.span.start + UInt64(offset) * step * format.pageSize
                let content: PageContent
                let folio: Folio?
                switch format.decode(source.tables.word(slot), at: unit.level, inHugepd: unit.inHugepd, address: address) {
                case .leaf(let pfn, let attributes):
                    content = .present(pfn: pfn, attributes: attributes.subtracting(.contiguous))
                    folio = normalFolio(pfn, attributes: attributes)
                case .nonPresent(let entry):
                    content = .nonPresent(entry)
                    folio = entry.kind.offsetIsPFN ? source.memory.folio(containing: entry.offset) : nil
                default: continue
                }
                let rule = EntryRules.forked(content, in: format, options: options, folio: folio, level: unit.level, hugetlb: hugetlb)
                if rule.source != content {
                    source.store(rule.source, contiguous: unit.contiguous, at: slot, level: unit.level, inHugepd: unit.inHugepd)
                }
                if rule.clearsAnonExclusive, case .present(let pfn, _) = rule.source {
                    marks.clearAnonExclusive(pfn: pfn, count: Int(step))
                }
                switch rule.child {
                case nil: continue
                case .copied(let attributes):
                    for page in 0..<step {
                        let fresh = child.memory.allocateFolio(order: 0, kind: .anonymous)!
                        child.installPage(.present(pfn: fresh.pfn, attributes: attributes), at: address + page * format.pageSize)
                    }
                case .shared(let childContent):
                    let target = child.preparedSlot(at: unit.level, for: address, hugepd: unit.inHugepd)
                    child.store(childContent, contiguous: unit.contiguous, at: target, level: unit.level, inHugepd: unit.inHugepd)
                }
            }
        }
        destination = child
        for unit in child.units(in: whole) where unit.level == .pte && !unit.contiguous { tryFold(containing: unit.span.start) }
    }
}
