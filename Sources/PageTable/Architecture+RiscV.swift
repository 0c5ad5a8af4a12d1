/// The riscv64 entry encoding (`arch/riscv/include/asm/pgtable-bits.h`, `pgtable.h`).
///
/// V, R, W, X, U, G, A, D in bits 0...7; RSW bit 8 = special, bit 9 = soft-dirty; PPN in 10...53;
/// N (Svnapot) in bit 63. A valid entry with R, W or X set is a leaf at any level; one with none is
/// a table. PROT_NONE: V clear, G (`_PAGE_PROT_NONE`) and R set. A 64 KiB Svnapot entry stores
/// `base_pfn | 0b1000` in every one of its 16 slots; `pte_pfn()` clears the lowest set bit.
/// Swap: exclusive in bit 6 (`_PAGE_SWP_EXCLUSIVE`), soft-dirty in bit 4, type in 7...11, offset from 12.
@usableFromInline enum RiscVEncoding {
    @inlinable static var valid: UInt64 { 1 << 0 }
    @inlinable static var read: UInt64 { 1 << 1 }
    @inlinable static var write: UInt64 { 1 << 2 }
    @inlinable static var exec: UInt64 { 1 << 3 }
    @inlinable static var user: UInt64 { 1 << 4 }
    @inlinable static var protNone: UInt64 { 1 << 5 }
    @inlinable static var accessed: UInt64 { 1 << 6 }
    @inlinable static var dirty: UInt64 { 1 << 7 }
    @inlinable static var special: UInt64 { 1 << 8 }
    @inlinable static var softDirty: UInt64 { 1 << 9 }
    @inlinable static var napot: UInt64 { 1 << 63 }
    @inlinable static var ppnShift: UInt64 { 10 }
    @inlinable static var ppnMask: UInt64 { (1 << 44) - 1 }
    @inlinable static var swapSoftDirty: UInt64 { 1 << 4 }
    @inlinable static var swapExclusive: UInt64 { 1 << 6 }
    @inlinable static var swapTypeShift: UInt64 { 7 }
    @inlinable static var swapOffsetShift: UInt64 { 12 }

    @inlinable
    static func decode(_ word: UInt64, holdsTables: Bool, address: UInt64, format: Format) -> Entry {
        let ppn = (word >> ppnShift) & ppnMask
        if word & valid != 0, word & (read | write | exec) == 0 { return .table(pfn: ppn) }
        if word & (valid | protNone) != 0 {
            var attributes: LeafAttributes = []
            var pfn = ppn
            if word & valid == 0 { attributes.insert(.protNone) }
            if word & write != 0 { attributes.insert(.writable) }
            if word & user != 0 { attributes.insert(.user) }
            if word & accessed != 0 { attributes.insert(.young) }
            if word & dirty != 0 { attributes.insert(.dirty) }
            if word & special != 0 { attributes.insert(.special) }
            if word & softDirty != 0 { attributes.insert(.softDirty) }
            if word & valid != 0, word & exec != 0 { attributes.insert(.executable) }
            if word & napot != 0 {
                attributes.insert(.contiguous)
                pfn = (ppn & (ppn &- 1)) + ((address >> UInt64(format.pageShift)) & 15)
            }
            return .leaf(pfn: pfn, attributes: attributes)
        }
        let type = UInt8(truncatingIfNeeded: (word >> swapTypeShift) & 31)
        var flags: SwapFlags = []
        if word & swapExclusive != 0 { flags.insert(.exclusive) }
        if word & swapSoftDirty != 0 { flags.insert(.softDirty) }
        return .nonPresent(format.unpackedEntry(kind: SwapKind(typeNumber: type), offset: word >> swapOffsetShift, flags: flags))
    }

    static func encode(_ entry: Entry, holdsTables: Bool, format: Format) -> UInt64 {
        switch entry {
        case .none: return 0
        case .table(let pfn): return (pfn & ppnMask) << ppnShift | valid
        case .hugepd: preconditionFailure("riscv has no hugepd")
        case .leaf(let pfn, let attributes):
            var ppn = pfn
            var word = read
            if attributes.contains(.contiguous) {
                ppn = (pfn & ~15) | 8
                word |= napot
            }
            word |= (ppn & ppnMask) << ppnShift
            word |= attributes.contains(.protNone) ? protNone : valid
            if attributes.contains(.writable) { word |= write }
            if attributes.contains(.user) { word |= user }
            if attributes.contains(.young) { word |= accessed }
            if attributes.contains(.dirty) { word |= dirty }
            if attributes.contains(.special) { word |= special }
            if attributes.contains(.softDirty) { word |= softDirty }
            if attributes.contains(.executable), !attributes.contains(.protNone) { word |= exec }
            return word
        case .nonPresent(let swap):
            var word = format.packedOffset(swap) << swapOffsetShift
            word |= UInt64(swap.kind.typeNumber) << swapTypeShift
            if swap.flags.contains(.exclusive) { word |= swapExclusive }
            if swap.flags.contains(.softDirty) { word |= swapSoftDirty }
            return word
        }
    }
}
