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
    /// Applies an entry operation (one without VMA effects), as ``AddressSpace/apply(_:)`` does; with
    /// `clipped` false, also where hugetlb VMAs would clip it (for the VMA operations' own zaps
    /// and protection changes, on whole huge pages).
    mutating func applyEntryOperation(_ operation: Operation, clipped: Bool) throws(PageTableError)
    /// Applies a validated operation that hugetlb VMAs no longer clip.
    mutating func perform(_ operation: Operation) throws(PageTableError)
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
                          pageOffset: spec.file == nil ? range.start >> UInt64(shift) : spec.pageOffset,
                          hugetlb: spec.hugetlbShift.flatMap { format.hugetlbShape(shift: $0) })
            vmas!.insert(vma, pageShift: shift)
            // "New (or expanded) vma always get soft dirty status" (__mmap_region()), where the
            // format has soft-dirty (pgtable_supports_soft_dirty()).
            if format.supportsSoftDirty { vmas!.insertFlags(.softDirty, intoVMAHolding: range.start) }
        case .munmap(let range):
            guard vmas != nil else { return try applyEntryOperation(.unmap(range), clipped: true) }
            try unmapVMAs(range)
        case .mprotect(let range, let protection):
            guard vmas != nil else { return try applyEntryOperation(.protect(range, protection), clipped: true) }
            // mprotect_fixup() per VMA from the one holding `start`; a gap ends it (-ENOMEM), and a
            // VMA whose flags do not change is neither split nor touched.
            var start = range.start
            while start < range.end, let vma = vmas!.vma(containing: start) {
                let end = min(range.end, vma.range.end)
                let flags = vma.flags.subtracting(VMAFlags.protection).union(VMAFlags.bits(of: protection))
                if flags != vma.flags {
                    try splitVMAs(at: start, end)
                    vmas!.modify(startingAt: start, pageShift: shift) { $0.flags = flags }
                    // hugetlb_change_protection() changes whole huge pages; PROT_NONE on a
                    // contiguous hstate is not modelled (the entries keep their protection).
                    if !(vma.hugetlb?.contiguous == true && protection == .none) {
                        try applyEntryOperation(.protect(AddressRange(start: start, end: end), protection), clipped: vma.hugetlb == nil)
                    }
                }
                start = end
            }
        case .madvise(let range, let advice):
            guard vmas != nil else {
                if advice == .uffdUnregister, format.supportsUffdWP { try applyEntryOperation(.uffdWriteProtect(range, protect: false), clipped: true) }
                return
            }
            // madvise_walk_vmas(): every VMA meeting the range, gaps skipped.
            for (piece, vma) in vmas!.pieces(inside: range) {
                let flags = advice.apply(to: vma.flags)
                if advice == .uffdUnregister, vma.flags.contains(.uffdWP) {
                    try applyEntryOperation(.uffdWriteProtect(piece, protect: false), clipped: true)
                }
                guard flags != vma.flags else { continue }
                try splitVMAs(at: piece.start, piece.end)
                vmas!.modify(startingAt: piece.start, pageShift: shift) { $0.flags = flags }
            }
        default:
            preconditionFailure("not a VMA operation: \(operation)")
        }
    }

    /// Removes the VMAs in `range` and zaps what they map (`do_vmi_munmap()`): split at the edges,
    /// cleared, and the tables that map nothing but the range freed (`free_pgtables()`).
    private mutating func unmapVMAs(_ range: AddressRange) throws(PageTableError) {
        try splitVMAs(at: range.start, range.end)
        vmas!.remove(inside: range)
        try applyEntryOperation(.unmap(range), clipped: false)
        try applyEntryOperation(.reclaim(range), clipped: false)
    }

    /// Splits the VMAs holding `start` and `end` there, first splitting what maps across them.
    private mutating func splitVMAs(at start: UInt64, _ end: UInt64) throws(PageTableError) {
        for boundary in [start, end] {
            guard let vma = vmas!.vma(containing: boundary), vma.range.start < boundary else { continue }
            // hugetlb_vm_op_split(): a hugetlb VMA splits only on a huge page boundary (-EINVAL).
            if let hugetlb = vma.hugetlb, boundary % hugetlb.size != 0 {
                throw .unalignedAddress(boundary, alignment: hugetlb.size, role: "a boundary inside a hugetlb VMA")
            }
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
                try applyEntryOperation(.split(boundary), clipped: true)
            } else {
                try applyEntryOperation(.unmap(unit.span), clipped: true)
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
        return vma.flags.isDisjoint(with: VMAFlags.special) && vma.hugetlb == nil
    }

    /// The parts of `range` an operation that installs markers acts on: all of it without VMAs,
    /// else its parts inside VMAs (madvise_walk_vmas() and uffd's VMA walk skip gaps).
    package func markerPieces(_ range: AddressRange) -> [AddressRange] {
        guard let vmas else { return [range] }
        return vmas.pieces(inside: range).map(\.range)
    }

    /// Applies a validated `operation` cut around hugetlb VMAs (``hugetlbClipped(_:)``); when it is
    /// cut into several, on a copy kept only when every piece succeeds.
    package mutating func performClipped(_ operation: Operation) throws(PageTableError) {
        let pieces = try hugetlbClipped(operation)
        guard pieces.count != 1 else { return try perform(pieces[0]) }
        var copy = self
        for piece in pieces { try copy.perform(piece) }
        self = copy
    }

    /// What an entry operation becomes where hugetlb VMAs are (their pages change only whole, as
    /// hugetlb's own code changes them): a map into one maps one whole huge page of a new folio of
    /// its size, in its shape (refused otherwise); an unmap zaps the whole huge pages its range
    /// covers there; age, dirty, clear-soft-dirty and reclaim act as anywhere; every other
    /// operation leaves hugetlb VMAs alone (its range is cut around them, an address in one is a
    /// no-op). Without hugetlb VMAs, the operation itself.
    package func hugetlbClipped(_ operation: Operation) throws(PageTableError) -> [Operation] {
        guard let vmas, vmas.vmas.contains(where: { $0.hugetlb != nil }) else { return [operation] }
        func hugetlb(at address: UInt64) -> HugetlbShape? { vmas.vma(containing: address)?.hugetlb }
        func pieces(_ range: AddressRange, keepWholeHugePages: Bool = false) -> [AddressRange] {
            var kept: [AddressRange] = []
            vmas.forEachPiece(in: range) { piece, vma in
                guard let shape = vma?.hugetlb else { return kept.append(piece) }
                guard keepWholeHugePages else { return }
                let start = Format.alignDown(piece.start + shape.size - 1, shape.size), end = Format.alignDown(piece.end, shape.size)
                if start < end { kept.append(AddressRange(start: start, end: end)) }
            }
            return kept
        }
        switch operation {
        case .map(let address, let source, let writable, _):
            guard let shape = hugetlb(at: address) else { return [operation] }
            let order = shape.shift - format.pageShift
            guard address % shape.size == 0, case .folio(_, order, 0, let count) = source, count == UInt64(1) << UInt64(order) else {
                throw .badVMA("a map in a hugetlb VMA maps one whole huge page (0x\(String(shape.size, radix: 16)) bytes, "
                              + "a new order-\(order) folio) at a huge page boundary")
            }
            return [.map(address: address, source: source, writable: writable,
                         shape: MapShape(leafLevel: shape.level, contiguous: shape.contiguous, hugepd: shape.hugepd))]
        case .split(let address), .fold(let address), .unfold(let address), .collapse(let address, _):
            return hugetlb(at: address) == nil ? [operation] : []
        case .move(let range, let destination):
            let touches = !pieces(range).elementsEqual([range]) || hugetlb(at: destination) != nil
            return touches ? [] : [operation]
        case .unmap(let range): return pieces(range, keepWholeHugePages: true).map { .unmap($0) }
        case .protect(let range, let protection): return pieces(range).map { .protect($0, protection) }
        case .swapOut(let range): return pieces(range).map { .swapOut($0) }
        case .swapIn(let range): return pieces(range).map { .swapIn($0) }
        case .startMigration(let range): return pieces(range).map { .startMigration($0) }
        case .finishMigration(let range): return pieces(range).map { .finishMigration($0) }
        case .convert(let range, let kind): return pieces(range).map { .convert($0, to: kind) }
        case .installMarker(let range, let kind): return pieces(range).map { .installMarker($0, kind) }
        case .uffdWriteProtect(let range, let protect): return pieces(range).map { .uffdWriteProtect($0, protect: protect) }
        case .age, .dirty, .clearSoftDirty, .reclaim, .mmap, .munmap, .mprotect, .madvise: return [operation]
        }
    }
}
