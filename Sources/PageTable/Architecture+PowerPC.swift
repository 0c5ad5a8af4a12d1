/// The powerpc64 book3s entry encoding, with the hugepd directory pointer (`book3s/64/pgtable.h`, `hugetlb.h`).
///
/// `_PAGE_PRESENT` is bit 63 and `_PAGE_PTE` (leaf) bit 62; EXEC 0x1, WRITE 0x2, READ 0x4,
/// PRIVILEGED 0x8 (not user), DIRTY 0x80, ACCESSED 0x100, SOFT_DIRTY 0x200, SPECIAL 0x400, RPN from
/// bit 12. A table pointer is present without `_PAGE_PTE`; a hugepd pointer also stores the huge
/// page shift in its low six bits (`HUGEPD_SHIFT_MASK`). PROT_NONE: present leaf with no R, W or X.
/// Swap: `_PAGE_PTE` set, present clear, type in bits 0...4, offset from bit 12, soft-dirty 0x200,
/// exclusive 0x20.
@usableFromInline enum PowerPCEncoding {
    @inlinable static var present: UInt64 { 1 << 63 }
    @inlinable static var leafBit: UInt64 { 1 << 62 }
    @inlinable static var exec: UInt64 { 0x1 }
    @inlinable static var write: UInt64 { 0x2 }
    @inlinable static var read: UInt64 { 0x4 }
    @inlinable static var privileged: UInt64 { 0x8 }
    @inlinable static var swapExclusive: UInt64 { 0x20 }
    @inlinable static var dirty: UInt64 { 0x80 }
    @inlinable static var accessed: UInt64 { 0x100 }
    @inlinable static var softDirty: UInt64 { 0x200 }
    @inlinable static var special: UInt64 { 0x400 }
    @inlinable static var hugepdShiftMask: UInt64 { 0x3f }
    @inlinable static var rpnMask: UInt64 { ((1 << 56) - 1) & ~((1 << 12) - 1) }

    @inlinable
    static func decode(_ word: UInt64, holdsTables: Bool, format: Format) -> Entry {
        let pfn = (word & rpnMask) >> 12
        if word & present != 0, word & leafBit == 0 {
            let shift = word & hugepdShiftMask
            return shift != 0 ? .hugepd(pfn: pfn, pageShift: Int(shift)) : .table(pfn: pfn)
        }
        if word & present != 0 {
            var attributes: LeafAttributes = []
            if word & (read | write | exec) == 0 { attributes.insert(.protNone) }
            if word & write != 0 { attributes.insert(.writable) }
            if word & privileged == 0 { attributes.insert(.user) }
            if word & accessed != 0 { attributes.insert(.young) }
            if word & dirty != 0 { attributes.insert(.dirty) }
            if word & special != 0 { attributes.insert(.special) }
            if word & softDirty != 0 { attributes.insert(.softDirty) }
            if word & exec != 0 { attributes.insert(.executable) }
            return .leaf(pfn: pfn, attributes: attributes)
        }
        var flags: SwapFlags = []
        if word & swapExclusive != 0 { flags.insert(.exclusive) }
        if word & softDirty != 0 { flags.insert(.softDirty) }
        let type = UInt8(truncatingIfNeeded: word & 31)
        return .nonPresent(format.unpackedEntry(kind: SwapKind(typeNumber: type), offset: pfn, flags: flags))
    }

    static func encode(_ entry: Entry, holdsTables: Bool, format: Format) -> UInt64 {
        switch entry {
        case .none: return 0
        case .table(let pfn): return (pfn << 12) & rpnMask | present
        case .hugepd(let pfn, let pageShift): return (pfn << 12) & rpnMask | present | UInt64(pageShift)
        case .leaf(let pfn, let attributes):
            var word = (pfn << 12) & rpnMask | present | leafBit
            if !attributes.contains(.protNone) { word |= read }
            if attributes.contains(.writable) { word |= write }
            if !attributes.contains(.user) { word |= privileged }
            if attributes.contains(.young) { word |= accessed }
            if attributes.contains(.dirty) { word |= dirty }
            if attributes.contains(.special) { word |= special }
            if attributes.contains(.softDirty) { word |= softDirty }
            if attributes.contains(.executable), !attributes.contains(.protNone) { word |= exec }
            return word
        case .nonPresent(let swap):
            var word = (format.packedOffset(swap) << 12) & rpnMask | leafBit | UInt64(swap.kind.typeNumber)
            if swap.flags.contains(.exclusive) { word |= swapExclusive }
            if swap.flags.contains(.softDirty) { word |= softDirty }
            return word
        }
    }
}
