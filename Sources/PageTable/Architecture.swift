/// The architecture whose entry encoding a format uses.
public enum Architecture: String, Hashable, Sendable, CaseIterable {
    /// x86-64: `arch/x86/include/asm/pgtable_types.h`, `pgtable_64.h`.
    case x86_64
    /// arm64: `arch/arm64/include/asm/pgtable-hwdef.h`, `pgtable-prot.h`, `pgtable.h`.
    case arm64
    /// riscv64: `arch/riscv/include/asm/pgtable-bits.h`, `pgtable.h`.
    case riscv64
    /// powerpc64 book3s: `arch/powerpc/include/asm/book3s/64/pgtable.h`, with the hugepd pointer format.
    case powerpc64
    /// An encoding of one's own (``EntryEncoding``), held in ``Format/customEncoding``.
    case custom
}

extension Format {
    /// Decodes the word stored in a slot of `level` (or of a hugepd table under `level`) that maps `address`.
    ///
    /// `address` matters only for riscv Svnapot, whose 16 entries all store the block's base pfn.
    @inlinable
    public func decode(_ word: UInt64, at level: Level, inHugepd: Bool = false, address: UInt64) -> Entry {
        if word == 0 { return .none }
        let holdsTables = level != .pte && !inHugepd
        switch architecture {
        case .x86_64: return X86Encoding.decode(word, holdsTables: holdsTables, format: self)
        case .arm64: return Arm64Encoding.decode(word, holdsTables: holdsTables, format: self)
        case .riscv64: return RiscVEncoding.decode(word, holdsTables: holdsTables, address: address, format: self)
        case .powerpc64: return PowerPCEncoding.decode(word, holdsTables: holdsTables, format: self)
        case .custom: return customEncoding!.encoding.decode(word, holdsTables: holdsTables, address: address, format: self)
        }
    }

    /// Encodes `entry` for a slot of `level` (or of a hugepd table under `level`).
    ///
    /// A leaf's pfn is the frame of the slot's own first page; attributes the architecture has no
    /// bit for (soft-dirty on arm64) are dropped, as Linux drops them.
    public func encode(_ entry: Entry, at level: Level, inHugepd: Bool = false) -> UInt64 {
        let holdsTables = level != .pte && !inHugepd
        if case .none = entry { return 0 }
        precondition(holdsTables || entry.isTerminal, "a \(level) slot cannot point to a table")
        switch architecture {
        case .x86_64: return X86Encoding.encode(entry, holdsTables: holdsTables, format: self)
        case .arm64: return Arm64Encoding.encode(entry, holdsTables: holdsTables, format: self)
        case .riscv64: return RiscVEncoding.encode(entry, holdsTables: holdsTables, format: self)
        case .powerpc64: return PowerPCEncoding.encode(entry, holdsTables: holdsTables, format: self)
        case .custom: return customEncoding!.encoding.encode(entry, holdsTables: holdsTables, format: self)
        }
    }

    /// The attributes this format can store; the rest are dropped on encoding.
    public var storableAttributes: LeafAttributes {
        var all: LeafAttributes = [.writable, .user, .young, .dirty, .softDirty, .special, .protNone, .contiguous,
                                   .uffdWP, .executable]
        if !supportsSoftDirty { all.remove(.softDirty) }
        if !hasContiguousEntries { all.remove(.contiguous) }
        if !supportsUffdWP { all.remove(.uffdWP) }
        return all
    }

    /// Whether the encoding has a uffd-wp bit on present entries (`CONFIG_HAVE_ARCH_USERFAULTFD_WP`:
    /// x86-64 and arm64 in v6.18; not riscv, whose bits arrive with Svrsw60t59b after v6.18, nor
    /// powerpc book3s64).
    public var supportsUffdWP: Bool {
        architecture == .custom ? customEncoding!.encoding.supportsUffdWP : architecture == .x86_64 || architecture == .arm64
    }

    /// The swap flags this format can store; the rest are dropped on encoding.
    public var storableSwapFlags: SwapFlags {
        switch architecture {
        case .x86_64: [.exclusive, .softDirty, .uffdWP, .young, .dirty]
        case .arm64: [.exclusive, .uffdWP, .young, .dirty]
        case .riscv64: [.exclusive, .softDirty, .young, .dirty]  // no uffd-wp bit (see supportsUffdWP)
        // The offset field is as wide as a pfn: no room for SWP_MIG_YOUNG/DIRTY (migration_entry_supports_ad() is false).
        case .powerpc64: [.exclusive, .softDirty]
        case .custom: customEncoding!.encoding.storableSwapFlags
        }
    }

    /// Packs a migration entry's young and dirty flags above its pfn, as `SWP_MIG_YOUNG_BIT` does.
    @inlinable func packedOffset(_ entry: SwapEntry) -> UInt64 {
        guard entry.kind.isMigration else { return entry.offset }
        var offset = entry.offset
        if entry.flags.contains(.young) { offset |= 1 << UInt64(pfnBits) }
        if entry.flags.contains(.dirty) { offset |= 1 << UInt64(pfnBits + 1) }
        return offset
    }

    /// Splits a stored offset into the entry's offset and its migration young and dirty flags.
    @inlinable func unpackedEntry(kind: SwapKind, offset: UInt64, flags: SwapFlags) -> SwapEntry {
        guard kind.isMigration else { return SwapEntry(kind: kind, offset: offset, flags: flags) }
        var flags = flags
        if offset & (1 << UInt64(pfnBits)) != 0 { flags.insert(.young) }
        if offset & (1 << UInt64(pfnBits + 1)) != 0 { flags.insert(.dirty) }
        return SwapEntry(kind: kind, offset: offset & ((1 << UInt64(pfnBits)) - 1), flags: flags)
    }
}
