extension Operation {
    /// Checks the operation's arguments against `format`; a valid operation is valid in every state.
    public func validate(for format: Format) throws(PageTableError) {
        switch self {
        case .map(let address, let source, _, let shape):
            try Self.checkPage(address, role: "map address", format: format)
            let count = source.pageCount
            guard count > 0 else { throw .emptyRange(AddressRange(start: address, end: address)) }
            let (bytes, overflow) = count.multipliedReportingOverflow(by: format.pageSize)
            guard !overflow, bytes <= format.top - address else {
                throw .pastTop(overflow ? .max : address &+ bytes, top: format.top, format: format.name)
            }
            if case .existingFolio(let id, _, _) = source, id.rawValue < 0 {
                throw .badFolio("folio number \(id.rawValue) is negative")
            }
            if case .folio(let kind, let order, let first, _) = source {
                guard kind != .zero else { throw .badFolio("the zero page is mapped with the zero-page source") }
                guard order >= 0, order <= format.maxFolioOrder else {
                    throw .badFolio("order \(order) exceeds \(format.name)'s largest leaf (order \(format.maxFolioOrder))")
                }
                guard first < 1 << UInt64(order), count <= (1 << UInt64(order)) - first else {
                    throw .badFolio("pages \(first)..<\(first &+ count) lie outside an order-\(order) folio")
                }
            }
            guard format.leafLevels.contains(shape.leafLevel) else {
                throw .levelNotInFormat(shape.leafLevel, format: format.name, need: "hold a leaf")
            }
            if shape.contiguous, !format.hasContiguousEntries { throw .unsupported("contiguous entries", format: format.name) }
            if shape.hugepd, !format.hasHugepd { throw .unsupported("hugepd directories", format: format.name) }
        case .unmap(let range), .protect(let range, _), .swapOut(let range), .swapIn(let range),
             .startMigration(let range), .finishMigration(let range), .convert(let range, _),
             .installMarker(let range, _), .age(let range), .dirty(let range), .clearSoftDirty(let range),
             .reclaim(let range), .munmap(let range), .mprotect(let range, _):
            _ = try range.validated(for: format)
        case .madvise(let range, let advice):
            _ = try range.validated(for: format)
            if advice == .uffdRegister, !format.supportsUffdWP { throw .unsupported("uffd-wp entries", format: format.name) }
        case .mmap(let range, let spec):
            _ = try range.validated(for: format)
            if spec.flags.isSuperset(of: VMAFlags.special) { throw .badVMA("pfnmap and mixedmap together") }
            if spec.flags.contains(.hugepage), spec.flags.contains(.noHugepage) { throw .badVMA("hugepage and nohugepage together") }
            if spec.flags.contains(.uffdWP), !format.supportsUffdWP { throw .unsupported("uffd-wp entries", format: format.name) }
            if let file = spec.file, file < 0 { throw .badVMA("file number \(file) is negative") }
            if let shift = spec.hugetlbShift {
                guard shift < 64, let shape = format.hugetlbShape(shift: shift) else {
                    throw .badVMA("\(format.name) has no hugetlb page of 2^\(shift) bytes; it has "
                                  + format.hugetlbShapes.map { "0x\(String($0.size, radix: 16))" }.joined(separator: ", "))
                }
                if !spec.flags.isDisjoint(with: VMAFlags.special) { throw .badVMA("a hugetlb VMA is never pfnmap or mixedmap") }
                guard range.start % shape.size == 0 else { throw .unalignedAddress(range.start, alignment: shape.size, role: "hugetlb VMA start") }
                guard range.end % shape.size == 0 else { throw .unalignedAddress(range.end, alignment: shape.size, role: "hugetlb VMA end") }
            }
            guard spec.pageOffset <= UInt64(1) << 52 else { throw .badVMA("page offset 0x\(String(spec.pageOffset, radix: 16)) is past 2^52") }
        case .uffdWriteProtect(let range, _):
            _ = try range.validated(for: format)
            guard format.supportsUffdWP else { throw .unsupported("uffd-wp entries", format: format.name) }
        case .split(let address), .fold(let address), .unfold(let address):
            try Self.checkPage(address, role: "address", format: format)
        case .collapse(let address, let level):
            try Self.checkPage(address, role: "collapse address", format: format)
            guard level != .pte, format.leafLevels.contains(level) else {
                throw .levelNotInFormat(level, format: format.name, need: "hold a collapsed leaf")
            }
        case .move(let range, let destination):
            _ = try range.validated(for: format)
            try Self.checkPage(destination, role: "move destination", format: format)
            guard range.size <= format.top - destination else {
                throw .pastTop(destination &+ range.size, top: format.top, format: format.name)
            }
        }
    }

    private static func checkPage(_ address: UInt64, role: String, format: Format) throws(PageTableError) {
        guard format.isPageAligned(address) else { throw .unalignedAddress(address, alignment: format.pageSize, role: role) }
        guard address < format.top else { throw .pastTop(address, top: format.top, format: format.name) }
    }
}
