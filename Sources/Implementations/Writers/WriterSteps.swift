import PageTable

/// What every shipped writer design does to one entry or one directory terminal, written once:
/// the per-entry designs call these for every entry, the batched ones for what they do not batch.
/// Each names the Linux code it follows; SEMANTICS.md ("Writers") states the rules.
enum WriterSteps {
    /// The content a present or non-present word holds (contiguity dropped), or nil for none and pointers.
    static func content(of word: UInt64, at level: Level, inHugepd: Bool, address: UInt64, format: Format) -> PageContent? {
        switch format.decode(word, at: level, inHugepd: inHugepd, address: address) {
        case .leaf(let pfn, let attributes): .present(pfn: pfn, attributes: attributes.subtracting(.contiguous))
        case .nonPresent(let entry): .nonPresent(entry)
        default: nil
        }
    }

    // MARK: zap

    /// `zap_present_ptes()` / `zap_nonpresent_ptes()` for one PTE: clears it (unless it is a marker
    /// the zap keeps) and reports the accounting and folio marks.
    static func zapPTE(_ view: inout WriterView, _ slot: SlotRef, address: UInt64, dropMarkers: Bool, format: Format) {
        let word = view.word(slot)
        guard let content = content(of: word, at: .pte, inHugepd: false, address: address, format: format) else { return }
        switch content {
        case .present(let pfn, let attributes):
            zapPresentPTE(&view, slot, pfn: pfn, attributes: attributes, folio: view.normalFolio(pfn, attributes: attributes))
            return
        case .nonPresent(let entry):
            if !dropMarkers, WriterView.zapKeepsMarker(entry) { return }
            unaccountNonPresent(&view, entry, pages: 1)
        }
        view.setWord(slot, 0)
    }

    /// `zap_present_ptes()` for one present PTE already decoded, of `folio` (nil for the zero page
    /// and special pages): cleared, its accounting removed, its folio marked.
    static func zapPresentPTE(_ view: inout WriterView, _ slot: SlotRef, pfn: UInt64, attributes: LeafAttributes, folio: Folio?) {
        if let folio {
            view.ledger.addRSS(-1, for: folio.kind)
            view.ledger.addPageMaps(-1, pfn: pfn, count: 1)
            view.ledger.addReferences(-1, to: folio.id)
            WriterView.zapMarks(attributes, folio: folio, hugetlb: false, into: &view.ledger)
        }
        view.setWord(slot, 0)
    }

    /// `change_pte_range()` for one present PTE already decoded, not a block entry under PROT_NONE.
    static func protectPresentPTE(_ view: inout WriterView, _ slot: SlotRef, pfn: UInt64, attributes: LeafAttributes, _ protection: Protection,
                                  format: Format) {
        let changed = EntryRules.protected(attributes, protection, isZeroPage: view.source.memory.isZeroFrame(pfn))
        view.setWord(slot, format.encode(.leaf(pfn: pfn, attributes: changed), at: .pte))
    }

    /// The accounting a non-present entry of `pages` pages held, removed: swap (`MM_SWAPENTS`,
    /// `free_swap_and_cache_nr()`), migration and device entries (`rss[mm_counter]`, a
    /// device-exclusive entry's map and reference).
    static func unaccountNonPresent(_ view: inout WriterView, _ entry: SwapEntry, pages: Int) {
        switch entry.kind {
        case .swap(let type):
            view.ledger.addSwapEntries(-pages)
            view.ledger.addSwapCounts(-1, from: SwapSlot(type: type, offset: entry.offset), count: pages)
        case .migrationRead, .migrationReadExclusive, .migrationWrite:
            if let folio = view.folio(containing: entry.offset) { view.ledger.addRSS(-pages, for: folio.kind) }
        case .deviceRead, .deviceWrite:
            view.ledger.addRSS(-pages, for: .anonymous)
        case .deviceExclusive:
            if let folio = view.folio(containing: entry.offset) {
                view.ledger.addRSS(-pages, for: folio.kind)
                view.ledger.addPageMaps(-1, pfn: entry.offset, count: pages)
                view.ledger.addReferences(-pages, to: folio.id)
            }
        case .hwpoison, .marker:
            break
        }
    }

    /// `zap_huge_pmd()`, `zap_huge_pud()`, `__unmap_hugepage_range()` for one directory terminal.
    static func zapTerminal(_ view: inout WriterView, _ terminal: WriterTerminal) {
        let format = view.format
        let pages = Int(format.pages(in: terminal.slotSize)) * terminal.count
        var merged: LeafAttributes = []
        var first: PageContent?
        for offset in 0..<terminal.count {
            let slot = SlotRef(table: terminal.slot.table, index: terminal.slot.index + offset)
            let address = terminal.address + UInt64(offset) * terminal.slotSize
            if let content = content(of: view.word(slot), at: terminal.level, inHugepd: terminal.inHugepd, address: address, format: format) {
                if first == nil { first = content }
                if case .present(_, let attributes) = content { merged.formUnion(attributes.intersection([.young, .dirty])) }
            }
            view.setWord(slot, 0)
        }
        switch first {
        case .present(let pfn, let attributes)?:
            guard let folio = view.normalFolio(pfn, attributes: attributes) else { return }
            view.ledger.addRSS(-pages, for: folio.kind)
            view.ledger.addEntireMaps(-1, of: folio.id)
            view.ledger.addReferences(-1, to: folio.id)
            WriterView.zapMarks(attributes.union(merged), folio: folio, hugetlb: terminal.isHugetlb, into: &view.ledger)
        case .nonPresent(let entry)?:
            unaccountNonPresent(&view, entry, pages: pages)
        case nil:
            break
        }
    }

    // MARK: change protection

    /// `change_pte_range()` for one PTE: a present entry gets the protection (`pte_modify()`), a
    /// non-present one is downgraded where mprotect downgrades it. A contiguous entry under
    /// PROT_NONE has its block unfolded first. Returns false when it unfolded (read the entry again).
    static func protectPTE(_ view: inout WriterView, _ slot: SlotRef, address: UInt64, _ protection: Protection, format: Format) -> Bool {
        let word = view.word(slot)
        switch format.decode(word, at: .pte, address: address) {
        case .leaf(let pfn, let attributes):
            if protection == .none, attributes.contains(.contiguous) {
                view.splitUnit(containing: address)
                return false
            }
            protectPresentPTE(&view, slot, pfn: pfn, attributes: attributes, protection, format: format)
        case .nonPresent(let entry):
            let changed = EntryRules.protected(entry, anonymous: view.folio(containing: entry.offset)?.kind == .anonymous)
            if changed != entry { view.setWord(slot, format.encode(.nonPresent(changed), at: .pte)) }
        default:
            break
        }
        return true
    }

    /// `change_huge_pmd()`, `change_huge_pud()`, `hugetlb_change_protection()` for one directory
    /// terminal; a contiguous block under PROT_NONE is unfolded first (returns false).
    static func protectTerminal(_ view: inout WriterView, _ terminal: WriterTerminal, _ protection: Protection) -> Bool {
        if protection == .none, terminal.count > 1 {
            view.splitUnit(containing: terminal.address)
            return false
        }
        let format = view.format
        for offset in 0..<terminal.count {
            let slot = SlotRef(table: terminal.slot.table, index: terminal.slot.index + offset)
            let address = terminal.address + UInt64(offset) * terminal.slotSize
            switch format.decode(view.word(slot), at: terminal.level, inHugepd: terminal.inHugepd, address: address) {
            case .leaf(let pfn, let attributes):
                let changed = EntryRules.protected(attributes, protection, isZeroPage: view.source.memory.isZeroFrame(pfn))
                view.setWord(slot, format.encode(.leaf(pfn: pfn, attributes: changed), at: terminal.level, inHugepd: terminal.inHugepd))
            case .nonPresent(let entry):
                let changed = EntryRules.protected(entry, anonymous: view.folio(containing: entry.offset)?.kind == .anonymous)
                view.setWord(slot, format.encode(.nonPresent(changed), at: terminal.level, inHugepd: terminal.inHugepd))
            default:
                break
            }
        }
        return true
    }

    // MARK: copy

    /// `copy_present_ptes()` / `copy_nonpresent_pte()` for one PTE at `slot` of the parent into
    /// `childSlot` of the child, by ``EntryRules/forked(_:in:options:folio:level:hugetlb:)``, with
    /// the accounting (`folio_ref_add()`, `folio_try_dup_anon_rmap_ptes()` or `folio_dup_file_rmap_ptes()`,
    /// `rss[]++` in the child, `swap_duplicate()`). On arm64 the child's block is folded after its
    /// last entry (`set_ptes()` → `contpte_try_fold()`). `skip` holds the copy mutants' faults.
    static func copyPTE(_ view: inout WriterView, _ slot: SlotRef, into childSlot: SlotRef, address: UInt64, options: CopyOptions,
                        skip: CopyShortcut = [], format: Format) {
        let word = view.word(slot)
        guard let content = content(of: word, at: .pte, inHugepd: false, address: address, format: format) else { return }
        let contiguous: Bool
        if case .leaf(_, let attributes) = format.decode(word, at: .pte, address: address) { contiguous = attributes.contains(.contiguous) } else { contiguous = false }
        let folio = folioOf(&view, content)
        let rule = EntryRules.forked(content, in: format, options: options, folio: folio, level: .pte, hugetlb: false)
        switch rule.child {
        case nil:
            break
        case .copied(let attributes):
            if rule.source != content { view.setWord(slot, format.encode(rule.source.entry(contiguous: contiguous), at: .pte)) }
            guard let page = view.allocateChildPage() else { return }
            view.setWord(childSlot, format.encode(.leaf(pfn: page.pfn, attributes: attributes), at: .pte), in: .destination)
            view.ledger.addRSS(1, for: .anonymous, in: .destination)
            view.ledger.addPageMaps(1, pfn: page.pfn, count: 1)
            view.ledger.addReferences(1, to: page.id)
            return
        case .shared(let childContent):
            if rule.source != content, !skip.contains(.parentWriteProtect) {
                view.setWord(slot, format.encode(rule.source.entry(contiguous: contiguous), at: .pte))
            }
            view.setWord(childSlot, format.encode(childContent.entry(contiguous: contiguous), at: .pte), in: .destination)
            accountShared(&view, rule, folio: folio, pages: 1, pageMapped: true, skip: skip)
        }
        let blockEntries = format.geometry(.pte).contiguousEntries
        if blockEntries > 1, (childSlot.index + 1) % blockEntries == 0 { view.tryFold(containing: address) }
    }

    /// The folio a present page (a normal one) or a pfn-carrying non-present entry belongs to.
    static func folioOf(_ view: inout WriterView, _ content: PageContent) -> Folio? {
        switch content {
        case .present(let pfn, let attributes): view.normalFolio(pfn, attributes: attributes)
        case .nonPresent(let entry): entry.kind.offsetIsPFN ? view.folio(containing: entry.offset) : nil
        }
    }

    /// The child's accounting for `pages` pages shared by `rule` (``EntryRules/forked(_:in:options:folio:level:hugetlb:)``):
    /// a present page (or a device-exclusive entry it restores) maps its pages (`pageMapped`) or
    /// its folio whole and takes references; swap entries count and duplicate their slots;
    /// migration and device entries count in RSS.
    static func accountShared(_ view: inout WriterView, _ rule: ForkedEntry, folio: Folio?, pages: Int, pageMapped: Bool,
                              skip: CopyShortcut = []) {
        switch rule.source {
        case .present(let pfn, _):
            guard let folio else { return }
            view.ledger.addRSS(pages, for: folio.kind, in: .destination)
            if pageMapped {
                view.ledger.addPageMaps(1, pfn: pfn, count: pages)
                view.ledger.addReferences(pages, to: folio.id)
            } else {
                view.ledger.addEntireMaps(1, of: folio.id)
                view.ledger.addReferences(1, to: folio.id)
            }
            if rule.clearsAnonExclusive, !skip.contains(.anonExclusiveClear) { view.ledger.clearAnonExclusive(pfn: pfn, count: pages) }
        case .nonPresent(let entry):
            switch entry.kind {
            case .swap(let type):
                view.ledger.addSwapEntries(pages, in: .destination)
                if !skip.contains(.swapDuplicate) {
                    view.ledger.addSwapCounts(1, from: SwapSlot(type: type, offset: entry.offset), count: pages)
                }
            case .migrationRead, .migrationReadExclusive, .migrationWrite:
                if let folio { view.ledger.addRSS(pages, for: folio.kind, in: .destination) }
            case .deviceRead, .deviceWrite:
                view.ledger.addRSS(pages, for: .anonymous, in: .destination)
            case .deviceExclusive, .hwpoison, .marker:
                break
            }
        }
    }

    /// `copy_huge_pmd()`, `copy_huge_pud()`, `copy_hugetlb_page_range()` for one directory
    /// terminal. A pinned anonymous PMD-mapped THP is split in the parent instead (returns false:
    /// read the slot again, as `copy_pmd_range()` does on -EAGAIN).
    static func copyTerminal(_ view: inout WriterView, _ terminal: WriterTerminal, options: CopyOptions, skip: CopyShortcut = []) -> Bool {
        let format = view.format
        let pagesPerSlot = Int(format.pages(in: terminal.slotSize))
        for offset in 0..<terminal.count {
            let slot = SlotRef(table: terminal.slot.table, index: terminal.slot.index + offset)
            let address = terminal.address + UInt64(offset) * terminal.slotSize
            guard let content = content(of: view.word(slot), at: terminal.level, inHugepd: terminal.inHugepd, address: address,
                                        format: format) else { continue }
            let folio = folioOf(&view, content)
            if case .present(_, let attributes) = content, let folio, folio.kind == .anonymous, options.mayBePinned(folio.id),
               !terminal.isHugetlb, !attributes.contains(.protNone) {
                view.splitUnit(containing: terminal.address)
                return false
            }
            let rule = EntryRules.forked(content, in: format, options: options, folio: folio, level: terminal.level,
                                         hugetlb: terminal.isHugetlb)
            guard case .shared(let childContent) = rule.child else { continue }
            if rule.source != content, !skip.contains(.parentWriteProtect) {
                view.setWord(slot, format.encode(rule.source.entry(contiguous: terminal.count > 1), at: terminal.level,
                                                 inHugepd: terminal.inHugepd))
            }
            let childSlot = view.preparedSlot(at: terminal.level, for: address, hugepd: terminal.inHugepd, in: .destination)
            view.setWord(childSlot, format.encode(childContent.entry(contiguous: terminal.count > 1), at: terminal.level,
                                                  inHugepd: terminal.inHugepd), in: .destination)
            if offset == 0 {
                accountShared(&view, rule, folio: folio, pages: pagesPerSlot * terminal.count, pageMapped: false, skip: skip)
            }
        }
        return true
    }

    // MARK: set entries

    /// `set_vpte_at()` through `huge_pte_alloc()` / `pte_alloc()`: the entry or block of the
    /// order's placement, written one slot at a time, and the new folio's accounting
    /// (`folio_add_new_anon_rmap()`, `folio_ref_add()`, `add_mm_counter()`).
    static func setEntries(_ view: inout WriterView, address: UInt64, order: Int, writable: Bool) {
        let format = view.format
        guard let folio = view.newFolio, let placement = format.placementForOrder(order) else { return }
        let attributes = EntryRules.fresh(writable: writable, format: format)
        switch placement {
        case .leaf(let level, let entries):
            let step = format.pages(at: level)
            for offset in 0..<UInt64(entries) {
                let slot = view.preparedSlot(at: level, for: address + offset * step * format.pageSize, hugepd: false)
                let entry = PageContent.present(pfn: folio.pfn + offset * step, attributes: attributes).entry(contiguous: entries > 1)
                view.setWord(slot, format.encode(entry, at: level))
            }
            accountNewFolio(&view, folio, pageMapped: level == .pte)
        case .hugepd(let level):
            let slot = view.preparedSlot(at: level, for: address, hugepd: true)
            view.setWord(slot, format.encode(.leaf(pfn: folio.pfn, attributes: attributes), at: level, inHugepd: true))
            accountNewFolio(&view, folio, pageMapped: false)
        }
    }

    /// The accounting of a new anonymous folio mapped whole, by PTEs or by one directory entry.
    static func accountNewFolio(_ view: inout WriterView, _ folio: Folio, pageMapped: Bool) {
        let pages = Int(folio.pageCount)
        view.ledger.addRSS(pages, for: .anonymous)
        if pageMapped {
            view.ledger.addPageMaps(1, pfn: folio.pfn, count: pages)
            view.ledger.addReferences(pages, to: folio.id)
        } else {
            view.ledger.addEntireMaps(1, of: folio.id)
            view.ledger.addReferences(1, to: folio.id)
        }
    }
}

/// The steps of a copy the copy mutants leave out (none in the shipped designs).
struct CopyShortcut: OptionSet {
    let rawValue: UInt8
    /// COW without write-protecting the parent.
    static let parentWriteProtect = CopyShortcut(rawValue: 1 << 0)
    /// Anon-exclusive not cleared for pages shared with the child.
    static let anonExclusiveClear = CopyShortcut(rawValue: 1 << 1)
    /// Swap slots not duplicated.
    static let swapDuplicate = CopyShortcut(rawValue: 1 << 2)
}

extension WriterSteps {
    /// `folio_pte_batch()`: how many entries from `index` (holding `word`, page `pfn` of `folio`)
    /// to `end` map the folio's next pages with the same bits but `ignored`; at least 1. Clamped
    /// to the folio's end unless `clampToFolio` is off (the batch-past-folio mutant).
    static func batchLength(_ view: WriterView, table: TableID, from index: Int, to end: Int, word: UInt64, pfn: UInt64, folio: Folio,
                            ignoring ignored: LeafAttributes, clampToFolio: Bool = true, format: Format) -> Int {
        let limit = clampToFolio ? min(end - index, Int(folio.endPFN - pfn)) : end - index
        guard limit > 1, let pattern = format.batchPattern(ignoring: ignored) ?? format.batchPattern(ignoring: ignored.subtracting(.writable))
        else { return 1 }
        let scan = pattern.exactScan(from: index + 1, to: index + limit, expecting: (word & pattern.mask) &+ pattern.stride) {
            view.word(SlotRef(table: table, index: $0))
        }
        return scan.end - index
    }

    /// `copy_present_ptes()` with its batch: a present PTE of a large folio that is not pinned is
    /// copied with the entries that continue it (`folio_pte_batch_flags()` with write merged and
    /// young ignored, dirty and soft-dirty respected), the accounting reported once for the batch
    /// (`folio_ref_add(folio, nr)`, `folio_try_dup_anon_rmap_ptes(…, nr)`, `rss += nr`); anything
    /// else goes through ``copyPTE(_:_:into:address:options:skip:)``. Returns the entries consumed.
    static func copyPTEBatch(_ view: inout WriterView, table: TableID, childTable: TableID, index: Int, end: Int, base: UInt64,
                             options: CopyOptions, skip: CopyShortcut = [], clampToFolio: Bool = true, format: Format) -> Int {
        let pageSize = format.pageSize
        let word = view.word(SlotRef(table: table, index: index))
        guard case .leaf(let pfn, let attributes) = format.decode(word, at: .pte, address: base + UInt64(index) * pageSize),
              let folio = view.normalFolio(pfn, attributes: attributes), folio.pageCount > 1,
              !(folio.kind == .anonymous && options.mayBePinned(folio.id)) else {
            copyPTE(&view, SlotRef(table: table, index: index), into: SlotRef(table: childTable, index: index),
                    address: base + UInt64(index) * pageSize, options: options, skip: skip, format: format)
            return 1
        }
        let count = batchLength(view, table: table, from: index, to: end, word: word, pfn: pfn, folio: folio,
                                ignoring: [.young, .writable], clampToFolio: clampToFolio, format: format)
        let blockEntries = format.geometry(.pte).contiguousEntries
        var clears = false
        for offset in 0..<count {
            let slot = SlotRef(table: table, index: index + offset)
            let address = base + UInt64(index + offset) * pageSize
            let own = view.word(slot)
            guard case .leaf(let ownPFN, let ownAttributes) = format.decode(own, at: .pte, address: address) else { continue }
            let content = PageContent.present(pfn: ownPFN, attributes: ownAttributes.subtracting(.contiguous))
            let rule = EntryRules.forked(content, in: format, options: options, folio: folio, level: .pte, hugetlb: false)
            guard case .shared(let childContent) = rule.child else { continue }
            let contiguous = ownAttributes.contains(.contiguous)
            if rule.source != content, !skip.contains(.parentWriteProtect) {
                view.setWord(slot, format.encode(rule.source.entry(contiguous: contiguous), at: .pte))
            }
            view.setWord(SlotRef(table: childTable, index: index + offset), format.encode(childContent.entry(contiguous: contiguous), at: .pte),
                         in: .destination)
            clears = rule.clearsAnonExclusive
            if blockEntries > 1, (index + offset + 1) % blockEntries == 0 { view.tryFold(containing: address) }
        }
        view.ledger.addRSS(count, for: folio.kind, in: .destination)
        view.ledger.addPageMaps(1, pfn: pfn, count: count)
        view.ledger.addReferences(count, to: folio.id)
        if clears, !skip.contains(.anonExclusiveClear) { view.ledger.clearAnonExclusive(pfn: pfn, count: count) }
        return count
    }
}
