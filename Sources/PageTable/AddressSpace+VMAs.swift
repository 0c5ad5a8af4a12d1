extension AddressSpace: VMAHost {
    /// The unit mapping `address`: its span, level and shape.
    package func vmaBoundaryUnit(at address: UInt64) -> (span: AddressRange, level: Level, inHugepd: Bool, contiguous: Bool)? {
        unit(containing: address).map { ($0.span, $0.level, $0.inHugepd, $0.contiguous) }
    }

    /// Whether a terminal entry outside `range` is not none.
    package func hasEntries(outside range: AddressRange) -> Bool {
        !units(in: AddressRange(start: 0, end: range.start)).isEmpty
            || !units(in: AddressRange(start: range.end, end: format.top)).isEmpty
    }

    /// The same tree with no VMAs (for read budgets that ignore them).
    public var withoutVMAs: AddressSpace {
        var copy = self
        copy.vmas = nil
        return copy
    }

    /// Applies an entry operation through ``apply(_:)``, or, not `clipped`, as it is.
    package mutating func applyEntryOperation(_ operation: Operation, clipped: Bool) throws(PageTableError) {
        guard !clipped else { return try apply(operation) }
        try operation.validate(for: format)
        try checkBounds(operation)
        try perform(operation)
    }
}

extension PhysicalMemory {
    /// Whether mapping `source` maps pages of an anonymous folio (and so needs an anon_vma).
    public func mapsAnonymousFolio(_ source: MapSource) -> Bool {
        switch source {
        case .folio(let kind, _, _, _): kind == .anonymous
        case .existingFolio(let id, _, _): folio(id)?.kind == .anonymous
        case .zeroPage, .special: false
        }
    }
}
