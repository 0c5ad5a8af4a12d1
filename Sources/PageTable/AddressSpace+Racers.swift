extension AddressSpace {
    /// Applies `racer` as the writer beside a walker would (``Racer``): hugetlb VMAs are left alone
    /// but for the MMU's young and dirty; an argument outside the format throws, changing nothing.
    public mutating func race(_ racer: Racer) throws(PageTableError) {
        try racer.validate(for: format)
        switch racer {
        case .zap(let range):
            try apply(.unmap(range))
            // PT_RECLAIM: each PTE table the zap covered whole and left empty (try_to_free_pte()).
            let size = format.geometry(.pmd).entrySize
            var start = Format.alignDown(range.start, size) == range.start ? range.start : Format.alignDown(range.start, size) + size
            while start < range.end, range.end - start >= size {
                try apply(.reclaim(AddressRange(start: start, end: start + size)))
                start += size
            }
        case .collapse(let address):
            guard vmas?.vma(containing: address)?.hugetlb == nil, let unit = unit(containing: address),
                  case .present(let pfn, _) = unit.content, memory.folio(containing: pfn)?.kind == .file
            else { return }
            try apply(.collapse(address, level: .pmd))
        case .split(let address):
            guard vmas?.vma(containing: address)?.hugetlb == nil, let unit = unit(containing: address), !unit.inHugepd,
                  unit.contiguous || unit.level == .pmd
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
    /// Keeps freed table pages off the free lists from now on: what a racing walk's copy does, so
    /// that a table freed under the walker is never reused while the walker may still read it.
    package mutating func defersTableReuse() { tables.defersReuse = true }
}
