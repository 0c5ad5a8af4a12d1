/// A page-table state that has VMAs: the tree (``AddressSpace``) and the oracle's page-by-page
/// model implement the VMA operations once, here, through the entry operations they already share.
package protocol VMAHost {
    /// The format.
    var format: Format { get }
    /// The VMAs, or nil for a space without them.
    var vmas: VMAMap? { get set }
    /// The span, level and shape of the unit mapping `address`, or nil when nothing maps it.
    func vmaBoundaryUnit(at address: UInt64) -> (span: AddressRange, level: Level, inHugepd: Bool, contiguous: Bool)?
    /// Whether any terminal entry outside `range` is not none.
    func hasEntries(outside range: AddressRange) -> Bool
    /// Applies an entry operation (one without VMA effects), as ``AddressSpace/apply(_:)`` does.
    mutating func applyEntryOperation(_ operation: Operation) throws(PageTableError)
}

extension VMAHost {
    /// Applies a VMA operation (mmap, munmap, mprotect, madvise); the caller has validated it.
    package mutating func applyVMAOperation(_ operation: Operation) throws(PageTableError) {
        let shift = format.pageShift
        switch operation {
        case .mmap(let range, let spec):
            // The first VMA of a space: what was mapped without VMAs would be outside every VMA.
            if vmas == nil, hasEntries(outside: range) { throw .outsideVMA(range, need: "an mmap in a space whose mappings have no VMA") }
            if vmas == nil { vmas = VMAMap() }
            try unmapVMAs(range)
            let vma = VMA(range: range, flags: spec.flags.subtracting(.softDirty), file: spec.file,
                          pageOffset: spec.file == nil ? range.start >> UInt64(shift) : spec.pageOffset)
            vmas!.insert(vma, pageShift: shift)
            // "New (or expanded) vma always get soft dirty status" (__mmap_region()), where the
            // format has soft-dirty (pgtable_supports_soft_dirty()).
            if format.supportsSoftDirty { vmas!.insertFlags(.softDirty, intoVMAHolding: range.start) }
        case .munmap(let range):
            guard vmas != nil else { return try applyEntryOperation(.unmap(range)) }
            try unmapVMAs(range)
        case .mprotect(let range, let protection):
            guard vmas != nil else { return try applyEntryOperation(.protect(range, protection)) }
            // mprotect_fixup() per VMA from the one holding `start`; a gap ends it (-ENOMEM), and a
            // VMA whose flags do not change is neither split nor touched.
            var start = range.start
            while start < range.end, let vma = vmas!.vma(containing: start) {
                let end = min(range.end, vma.range.end)
                let flags = vma.flags.subtracting(VMAFlags.protection).union(VMAFlags.bits(of: protection))
                if flags != vma.flags {
                    try splitVMAs(at: start, end)
                    vmas!.modify(startingAt: start, pageShift: shift) { $0.flags = flags }
                    try applyEntryOperation(.protect(AddressRange(start: start, end: end), protection))
                }
                start = end
            }
        case .madvise(let range, let advice):
            guard vmas != nil else {
                if advice == .uffdUnregister, format.supportsUffdWP { try applyEntryOperation(.uffdWriteProtect(range, protect: false)) }
                return
            }
            // madvise_walk_vmas(): every VMA meeting the range, gaps skipped.
            var pieces: [(AddressRange, VMA)] = []
            vmas!.forEachPiece(in: range) { piece, vma in if let vma { pieces.append((piece, vma)) } }
            for (piece, vma) in pieces {
                let flags = advice.apply(to: vma.flags)
                if advice == .uffdUnregister, vma.flags.contains(.uffdWP) {
                    try applyEntryOperation(.uffdWriteProtect(piece, protect: false))
                }
                guard flags != vma.flags else { continue }
                try splitVMAs(at: piece.start, piece.end)
                vmas!.modify(startingAt: piece.start, pageShift: shift) { $0.flags = flags }
            }
        default:
            preconditionFailure("not a VMA operation: \(operation)")
        }
    }

    /// Removes the VMAs in `range` and zaps what they map (`do_vmi_munmap()`): split at the edges, then cleared.
    private mutating func unmapVMAs(_ range: AddressRange) throws(PageTableError) {
        try splitVMAs(at: range.start, range.end)
        vmas!.remove(inside: range)
        try applyEntryOperation(.unmap(range))
    }

    /// Splits the VMAs holding `start` and `end` there, first splitting what maps across them.
    private mutating func splitVMAs(at start: UInt64, _ end: UInt64) throws(PageTableError) {
        for boundary in [start, end] {
            guard let vma = vmas!.vma(containing: boundary), vma.range.start < boundary else { continue }
            try keepLeavesInside(boundary, anonymous: vma.isAnonymous)
            vmas!.split(at: boundary, pageShift: format.pageShift)
        }
    }

    /// What `vma_adjust_trans_huge()` does at a new VMA boundary inside a huge leaf: a PMD leaf of an
    /// anonymous VMA is split into a PTE table (`split_huge_pmd_address()`), one of any other VMA is
    /// cleared (`__split_huge_pmd_locked()`: "just go ahead and zap it"), a PUD leaf is cleared
    /// (`__split_huge_pud_locked()`). A contiguous block may span two VMAs (arm64 folds without
    /// looking at VMAs), so it stays; a hugepd page is split (WalkCheck's own shape: Linux maps them
    /// only in hugetlb VMAs, whose boundaries lie on huge-page boundaries).
    private mutating func keepLeavesInside(_ boundary: UInt64, anonymous: Bool) throws(PageTableError) {
        while let unit = vmaBoundaryUnit(at: boundary), unit.span.start < boundary, !unit.contiguous {
            if unit.inHugepd || (unit.level == .pmd && anonymous) {
                try applyEntryOperation(.split(boundary))
            } else {
                try applyEntryOperation(.unmap(unit.span))
            }
        }
    }

    /// Refuses a map or move target that no one VMA holds, in a space with VMAs.
    package func checkInsideOneVMA(_ range: AddressRange, what: String) throws(PageTableError) {
        guard let vmas, vmas.vma(covering: range) == nil else { return }
        throw .outsideVMA(range, need: what)
    }

    /// Whether a collapse of the `level` span holding `address` may happen: always without VMAs;
    /// with them, only inside one VMA that is not `VM_SPECIAL` (`thp_vma_allowable_order()` refuses
    /// `VM_NO_KHUGEPAGED`, and `thp_vma_suitable_order()` wants the aligned span inside the VMA).
    package func collapsible(at address: UInt64, level: Level) -> Bool {
        guard let vmas else { return true }
        let size = format.geometry(level).entrySize
        let span = AddressRange(start: Format.alignDown(address, size), end: Format.alignDown(address, size) + size)
        guard let vma = vmas.vma(covering: span) else { return false }
        return vma.flags.isDisjoint(with: VMAFlags.special)
    }

    /// The parts of `range` an operation that installs markers acts on: all of it without VMAs,
    /// else its parts inside VMAs (madvise_walk_vmas() and uffd's VMA walk skip gaps).
    package func markerPieces(_ range: AddressRange) -> [AddressRange] {
        guard let vmas else { return [range] }
        var pieces: [AddressRange] = []
        vmas.forEachPiece(in: range) { piece, vma in if vma != nil { pieces.append(piece) } }
        return pieces
    }
}
