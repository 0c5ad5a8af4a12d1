/// The arm64 entry encoding (`arch/arm64/include/asm/pgtable-hwdef.h`, `pgtable-prot.h`, `pgtable.h`).
///
/// Valid in bit 0; bit 1 set means table at a directory level and page at the last level (a block
/// has it clear). AP[1] = user (bit 6), AP[2] = read-only (bit 7), SH = inner shareable, AF = young
/// (bit 10), nG (bit 11), DBM = `PTE_WRITE` (bit 51), `PTE_CONT` (52), `PTE_PXN` (53, set on every
/// user leaf), `PTE_UXN` (54, set unless executable), software `PTE_DIRTY` (55), `PTE_SPECIAL` (56)
/// and `PTE_UFFD_WP` (58, `pgtable-prot.h`). Dirty is `PTE_DIRTY || (PTE_WRITE && !RDONLY)`, as
/// `pte_dirty()` reads it. PROT_NONE: valid clear, `PTE_PRESENT_INVALID` (bit 11) set, PXN and UXN
/// set (`PAGE_NONE`). Swap: exclusive in bit 2, uffd-wp in bit 3 (`PTE_SWP_UFFD_WP`), type in
/// 6...10, offset in 12...61. There is no soft-dirty bit.
@usableFromInline enum Arm64Encoding {
    @inlinable static var valid: UInt64 { 1 << 0 }
    @inlinable static var tableOrPage: UInt64 { 1 << 1 }
    @inlinable static var user: UInt64 { 1 << 6 }
    @inlinable static var readOnly: UInt64 { 1 << 7 }
    @inlinable static var shareable: UInt64 { 3 << 8 }
    @inlinable static var accessFlag: UInt64 { 1 << 10 }
    @inlinable static var notGlobal: UInt64 { 1 << 11 }
    @inlinable static var presentInvalid: UInt64 { 1 << 11 }
    @inlinable static var dbmWrite: UInt64 { 1 << 51 }
    @inlinable static var cont: UInt64 { 1 << 52 }
    @inlinable static var privilegedNoExecute: UInt64 { 1 << 53 }
    @inlinable static var userNoExecute: UInt64 { 1 << 54 }
    @inlinable static var uffdWP: UInt64 { 1 << 58 }
    @inlinable static var softwareDirty: UInt64 { 1 << 55 }
    @inlinable static var special: UInt64 { 1 << 56 }
    @inlinable static var addressMask: UInt64 { ((1 << 48) - 1) & ~((1 << 12) - 1) }
    @inlinable static var swapExclusive: UInt64 { 1 << 2 }
    @inlinable static var swapUffdWP: UInt64 { 1 << 3 }
    @inlinable static var swapTypeShift: UInt64 { 6 }
    @inlinable static var swapOffsetShift: UInt64 { 12 }
    @inlinable static var swapOffsetMask: UInt64 { (1 << 50) - 1 }

    @inlinable
    static func decode(_ word: UInt64, holdsTables: Bool, format: Format) -> Entry {
        let shift = UInt64(format.pageShift)
        if word & valid != 0 {
            if holdsTables, word & tableOrPage != 0 { return .table(pfn: (word & addressMask) >> shift) }
            return .leaf(pfn: (word & addressMask) >> shift, attributes: attributes(of: word))
        }
        if word & presentInvalid != 0 {
            return .leaf(pfn: (word & addressMask) >> shift, attributes: attributes(of: word).union(.protNone))
        }
        let type = UInt8(truncatingIfNeeded: (word >> swapTypeShift) & 31)
        var flags: SwapFlags = []
        if word & swapExclusive != 0 { flags.insert(.exclusive) }
        if word & swapUffdWP != 0 { flags.insert(.uffdWP) }
        let offset = (word >> swapOffsetShift) & swapOffsetMask
        return .nonPresent(format.unpackedEntry(kind: SwapKind(typeNumber: type), offset: offset, flags: flags))
    }

    @inlinable
    static func attributes(of word: UInt64) -> LeafAttributes {
        var attributes: LeafAttributes = []
        let writable = word & dbmWrite != 0
        if writable { attributes.insert(.writable) }
        if word & valid != 0, word & user != 0 { attributes.insert(.user) }
        if word & accessFlag != 0 { attributes.insert(.young) }
        if word & softwareDirty != 0 || (writable && word & readOnly == 0) { attributes.insert(.dirty) }
        if word & special != 0 { attributes.insert(.special) }
        if word & cont != 0 { attributes.insert(.contiguous) }
        if word & uffdWP != 0 { attributes.insert(.uffdWP) }
        if word & valid != 0, word & userNoExecute == 0 { attributes.insert(.executable) }
        return attributes
    }

    static func encode(_ entry: Entry, holdsTables: Bool, format: Format) -> UInt64 {
        let shift = UInt64(format.pageShift)
        switch entry {
        case .none: return 0
        case .table(let pfn): return (pfn << shift) & addressMask | valid | tableOrPage
        case .hugepd: preconditionFailure("arm64 has no hugepd")
        case .leaf(let pfn, let attributes):
            var word = (pfn << shift) & addressMask | shareable
            if attributes.contains(.protNone) { word |= presentInvalid } else { word |= valid }
            if !holdsTables { word |= tableOrPage }
            if attributes.contains(.user), !attributes.contains(.protNone) { word |= user | notGlobal }
            let writable = attributes.contains(.writable), dirty = attributes.contains(.dirty)
            if writable { word |= dbmWrite }
            if !(writable && dirty) { word |= readOnly }
            if dirty && !writable { word |= softwareDirty }
            if attributes.contains(.young) { word |= accessFlag }
            if attributes.contains(.special) { word |= special }
            if attributes.contains(.contiguous) { word |= cont }
            if attributes.contains(.uffdWP) { word |= uffdWP }
            word |= privilegedNoExecute
            if attributes.contains(.protNone) || !attributes.contains(.executable) { word |= userNoExecute }
            return word
        case .nonPresent(let swap):
            var word = (format.packedOffset(swap) & swapOffsetMask) << swapOffsetShift
            word |= UInt64(swap.kind.typeNumber) << swapTypeShift
            if swap.flags.contains(.exclusive) { word |= swapExclusive }
            if swap.flags.contains(.uffdWP) { word |= swapUffdWP }
            return word
        }
    }
}
