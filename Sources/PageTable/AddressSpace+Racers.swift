extension AddressSpace {
    /// Applies `racer` as the writer beside a walker would (``Racer``): hugetlb VMAs and hugepd pages
    /// are left alone but for the MMU's young and dirty; an argument outside the format throws,
    /// changing nothing.
    public mutating func race(_ racer: Racer) throws(PageTableError) {
        try racer.validate(for: format)
        // Hugetlb pages (hugetlb VMAs, powerpc's hugepd pages) change only under the hugetlb VMA
        // lock a hugetlb walk holds (hugetlb_vma_lock_write() in __unmap_hugepage_range_final()):
        // beside a reader only the MMU touches them, so a writer whose span meets one does nothing.
        if !racer.isHardware, let span = racer.lockedSpan(in: format),
           vmas?.pieces(inside: span).contains(where: { $0.vma.hugetlb != nil }) == true || units(in: span).contains(where: \.inHugepd) {
            return
        }
        switch racer {
        case .zap(let range):
            try apply(.unmap(range))
            // PT_RECLAIM: each PTE table the zap covered whole and left empty (try_to_free_pte()),
            // found among the live tables (not by stepping through the range, which may span 128 TiB).
            let size = format.geometry(.pmd).entrySize
            let covered = tables.liveTables.map { tables.descriptor($0) }
                .filter { $0.level == .pte && $0.hugepdPageShift == nil && range.contains(AddressRange(start: $0.base, end: $0.base + size)) }
            for descriptor in covered { reclaimPTETable(at: descriptor.base) }
        case .collapse(let address):
            guard let unit = unit(containing: address), case .present(let pfn, _) = unit.content, memory.folio(containing: pfn)?.kind == .file
            else { return }
            try apply(.collapse(address, level: .pmd))
        case .split(let address):
            guard let unit = unit(containing: address), unit.contiguous || unit.level == .pmd
            else { return }
            split(unit)
        case .swapOut(let range): try apply(.swapOut(range))
        case .startMigration(let range): try apply(.startMigration(range))
        case .finishMigration(let range): try apply(.finishMigration(range))
        case .age(let range): try apply(.age(range))
        case .access(let address, let write):
            let found = translate(address)
            guard case .leaf(let pfn, var attributes) = found.entry, !attributes.contains(.protNone) else { return }
            attributes.insert(.young)
            if write, attributes.contains(.writable) { attributes.insert(.dirty) }
            let word = format.encode(.leaf(pfn: pfn, attributes: attributes), at: found.level, inHugepd: found.inHugepd)
            if word != found.word { tables.setWord(found.slot, word) }
        }
    }
}

extension AddressSpace {
    /// PT_RECLAIM's `try_to_free_pte()`: frees the PTE table under the PMD slot for `address` when
    /// it maps nothing, clearing the slot. Only PTE tables: a hugepd table holds hugetlb pages,
    /// whose tables are freed only under `mmap_lock` held for write (`free_pgtables()`).
    mutating func reclaimPTETable(at address: UInt64) {
        var table = root
        var level = format.rootLevel
        while level != .pmd {
            let slot = SlotRef(table: table, index: format.index(of: address, at: level))
            guard case .table(let pfn) = format.decode(tables.word(slot), at: level, address: address),
                  let child = tables.table(atPFN: pfn), let lower = format.realLevel(below: level) else { return }
            table = child
            level = lower
        }
        let slot = SlotRef(table: table, index: format.index(of: address, at: .pmd))
        guard case .table(let pfn) = format.decode(tables.word(slot), at: .pmd, address: address), let child = tables.table(atPFN: pfn),
              tables.descriptor(child).nonNoneCount == 0 else { return }
        tables.setWord(slot, 0)
        tables.free(child)
    }

    /// Keeps freed table pages off the free lists from now on: what a racing walk's copy does, so
    /// that a table freed under the walker is never reused while the walker may still read it.
    package mutating func defersTableReuse() { tables.defersReuse = true }
}
