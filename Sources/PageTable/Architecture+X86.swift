/// The x86-64 entry encoding (`arch/x86/include/asm/pgtable_types.h`, `pgtable_64.h`).
///
/// Present: P, RW, US, A, D, PSE (directory leaves), SW1 = special, SW2 = uffd-wp (`_PAGE_UFFD_WP`),
/// SW3 = soft-dirty, pfn in 12...51, NX in bit 63 (set on every leaf that is not executable).
/// PROT_NONE: P clear, G (`_PAGE_PROTNONE`) set, no NX (`PAGE_NONE` has none and `pte_modify()`
/// drops it: NX is not in `_PAGE_CHG_MASK`), and the pfn stored inverted (the L1TF mitigation of
/// `pgtable-invert.h`). Swap: type in 59...63, the offset inverted in 9...58, soft-dirty in bit 1,
/// uffd-wp in bit 2, exclusive in bit 3.
@usableFromInline enum X86Encoding {
    @inlinable static var present: UInt64 { 1 << 0 }
    @inlinable static var rw: UInt64 { 1 << 1 }
    @inlinable static var user: UInt64 { 1 << 2 }
    @inlinable static var accessed: UInt64 { 1 << 5 }
    @inlinable static var dirty: UInt64 { 1 << 6 }
    @inlinable static var pse: UInt64 { 1 << 7 }
    @inlinable static var protNone: UInt64 { 1 << 8 }
    @inlinable static var special: UInt64 { 1 << 9 }
    @inlinable static var uffdWP: UInt64 { 1 << 10 }
    @inlinable static var softDirty: UInt64 { 1 << 11 }
    @inlinable static var noExecute: UInt64 { 1 << 63 }
    @inlinable static var pfnMask: UInt64 { ((1 << 52) - 1) & ~((1 << 12) - 1) }
    @inlinable static var swapSoftDirty: UInt64 { 1 << 1 }
    @inlinable static var swapUffdWP: UInt64 { 1 << 2 }
    @inlinable static var swapExclusive: UInt64 { 1 << 3 }
    @inlinable static var swapTypeBits: UInt64 { 5 }
    @inlinable static var swapOffsetShift: UInt64 { 14 }

    @inlinable
    static func decode(_ word: UInt64, holdsTables: Bool, format: Format) -> Entry {
        if word & present != 0, holdsTables, word & pse == 0 {
            return .table(pfn: (word & pfnMask) >> 12)
        }
        if word & (present | protNone) != 0 {
            var attributes: LeafAttributes = []
            var pfnBits = word & pfnMask
            if word & present == 0 {
                attributes.insert(.protNone)
                pfnBits ^= pfnMask
            }
            if word & rw != 0 { attributes.insert(.writable) }
            if word & user != 0 { attributes.insert(.user) }
            if word & accessed != 0 { attributes.insert(.young) }
            if word & dirty != 0 { attributes.insert(.dirty) }
            if word & special != 0 { attributes.insert(.special) }
            if word & softDirty != 0 { attributes.insert(.softDirty) }
            if word & uffdWP != 0 { attributes.insert(.uffdWP) }
            if word & (present | noExecute) == present { attributes.insert(.executable) }
            return .leaf(pfn: pfnBits >> 12, attributes: attributes)
        }
        let type = UInt8(truncatingIfNeeded: word >> (64 - swapTypeBits))
        let offset = (~word << swapTypeBits) >> swapOffsetShift
        var flags: SwapFlags = []
        if word & swapSoftDirty != 0 { flags.insert(.softDirty) }
        if word & swapUffdWP != 0 { flags.insert(.uffdWP) }
        if word & swapExclusive != 0 { flags.insert(.exclusive) }
        return .nonPresent(format.unpackedEntry(kind: SwapKind(typeNumber: type), offset: offset, flags: flags))
    }

    static func encode(_ entry: Entry, holdsTables: Bool, format: Format) -> UInt64 {
        switch entry {
        case .none: return 0
        case .table(let pfn): return (pfn << 12) & pfnMask | present | rw | user | accessed | dirty
        case .hugepd: preconditionFailure("x86-64 has no hugepd")
        case .leaf(let pfn, let attributes):
            var word = (pfn << 12) & pfnMask
            if attributes.contains(.protNone) {
                word = (word ^ pfnMask) | protNone
            } else {
                word |= present
                if !attributes.contains(.executable) { word |= noExecute }
            }
            if holdsTables { word |= pse }
            if attributes.contains(.writable) { word |= rw }
            if attributes.contains(.user) { word |= user }
            if attributes.contains(.young) { word |= accessed }
            if attributes.contains(.dirty) { word |= dirty }
            if attributes.contains(.special) { word |= special }
            if attributes.contains(.softDirty) { word |= softDirty }
            if attributes.contains(.uffdWP) { word |= uffdWP }
            return word
        case .nonPresent(let swap):
            var word = (~format.packedOffset(swap) << swapOffsetShift) >> swapTypeBits
            word |= UInt64(swap.kind.typeNumber) << (64 - swapTypeBits)
            if swap.flags.contains(.softDirty) { word |= swapSoftDirty }
            if swap.flags.contains(.uffdWP) { word |= swapUffdWP }
            if swap.flags.contains(.exclusive) { word |= swapExclusive }
            return word
        }
    }
}
