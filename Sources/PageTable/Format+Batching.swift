extension Format {
    /// The word pattern of PTE batches that ignore `ignored`, or nil when this encoding cannot batch
    /// by words for that set (arm64 ignoring writable while respecting dirty: AP[2] mixes the two).
    ///
    /// The pattern clears what `__pte_batch_clear_ignored()` clears (mm/internal.h) and compares
    /// every other bit: the contiguous bit (`PTE_CONT`, riscv `N`), uffd-wp, NX/UXN/X, special.
    /// (`.contiguous` in `ignored` clears `PTE_CONT` too, which Linux never does: a mutant's rule.)
    /// It holds for present, non-PROT_NONE leaves whose pfn field is linear in the word; a riscv
    /// Svnapot entry (its slots store the block's base pfn) and an x86 PROT_NONE entry (inverted
    /// pfn, compared through P) never match a present first entry's pattern.
    public func batchPattern(ignoring ignored: LeafAttributes) -> BatchPattern? {
        var cleared: UInt64 = 0
        switch architecture {
        case .x86_64:
            if ignored.contains(.young) { cleared |= 1 << 5 }
            if ignored.contains(.dirty) { cleared |= 1 << 6 }
            if ignored.contains(.writable) { cleared |= 1 << 1 }
            if ignored.contains(.softDirty) { cleared |= 1 << 11 }
            return BatchPattern(mask: ~cleared, stride: 1 << 12)
        case .arm64:
            if ignored.contains(.writable), !ignored.contains(.dirty) { return nil }
            if ignored.contains(.contiguous) { cleared |= contiguousHintBit }
            if ignored.contains(.young) { cleared |= 1 << 10 }       // AF
            if ignored.contains(.dirty) { cleared |= 1 << 55 | 1 << 7 } // PTE_DIRTY, AP[2] (read-only unless dirty)
            if ignored.contains(.writable) { cleared |= 1 << 51 }    // DBM
            return BatchPattern(mask: ~cleared, stride: 1 << UInt64(pageShift))
        case .riscv64:
            if ignored.contains(.young) { cleared |= 1 << 6 }
            if ignored.contains(.dirty) { cleared |= 1 << 7 }
            if ignored.contains(.writable) { cleared |= 1 << 2 }
            if ignored.contains(.softDirty) { cleared |= 1 << 9 }
            return BatchPattern(mask: ~cleared, stride: 1 << 10)
        case .powerpc64:
            if ignored.contains(.young) { cleared |= 0x100 }
            if ignored.contains(.dirty) { cleared |= 0x80 }
            if ignored.contains(.writable) { cleared |= 0x2 }
            if ignored.contains(.softDirty) { cleared |= 0x200 }
            return BatchPattern(mask: ~cleared, stride: 1 << 12)
        case .custom:
            // No word pattern is known for an encoding of one's own: batches are built entry by entry.
            return nil
        }
    }
}

extension Format {
    /// The bits of a PTE leaf word that hold its frame, `pte_pfn()`'s field: for a present,
    /// non-PROT_NONE leaf that is not part of a contiguous block, the pfn is these bits shifted down
    /// by their lowest bit's position, and two such words that differ only inside them decode to the
    /// same attributes. 0 for an encoding of one's own (nothing is assumed of it).
    ///
    /// The batched walker starts the next batch from the last one's word this way, without a decode,
    /// when only the frame changed (folios mapped in descending frame order).
    public var pteFrameField: UInt64 {
        switch architecture {
        case .x86_64: X86Encoding.pfnMask
        case .arm64: Arm64Encoding.addressMask & ~((1 << UInt64(pageShift)) - 1)
        case .riscv64: RiscVEncoding.ppnMask << RiscVEncoding.ppnShift
        case .powerpc64: PowerPCEncoding.rpnMask
        case .custom: 0
        }
    }
}

extension Format {
    /// The PTE bit a batch scan may step a block over by (`pte_batch_hint()`): arm64's `PTE_CONT`;
    /// 0 on the other formats, whose block entries are never stepped over by a hint.
    public var contiguousHintBit: UInt64 { architecture == .arm64 ? Arm64Encoding.cont : 0 }

    /// Young and dirty of a present leaf word, read from its bits without decoding the rest.
    @inlinable public func youngAndDirty(ofLeaf word: UInt64) -> LeafAttributes {
        var bits: LeafAttributes = []
        switch architecture {
        case .x86_64:
            if word & (1 << 5) != 0 { bits.insert(.young) }
            if word & (1 << 6) != 0 { bits.insert(.dirty) }
        case .arm64:
            if word & (1 << 10) != 0 { bits.insert(.young) }
            if word & (1 << 55) != 0 || (word & (1 << 51) != 0 && word & (1 << 7) == 0) { bits.insert(.dirty) }
        case .riscv64:
            if word & (1 << 6) != 0 { bits.insert(.young) }
            if word & (1 << 7) != 0 { bits.insert(.dirty) }
        case .powerpc64:
            if word & 0x100 != 0 { bits.insert(.young) }
            if word & 0x80 != 0 { bits.insert(.dirty) }
        case .custom:
            if case .leaf(_, let attributes) = customEncoding!.encoding.decode(word, holdsTables: false, address: 0, format: self) {
                bits = attributes.intersection([.young, .dirty])
            }
        }
        return bits
    }
}
