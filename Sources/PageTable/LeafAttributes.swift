/// The attributes of a present leaf, independent of how an architecture encodes them.
public struct LeafAttributes: NamedOptions, Hashable, Sendable {
    /// The raw bits; the values are this package's own, not any architecture's.
    public let rawValue: UInt16
    /// Creates attributes from raw bits.
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// Writes are allowed (`pte_write`).
    @inlinable public static var writable: LeafAttributes { LeafAttributes(rawValue: 1 << 0) }
    /// User mode may access the page (x86 `_PAGE_USER`, arm64 `PTE_USER`, riscv `_PAGE_USER`).
    @inlinable public static var user: LeafAttributes { LeafAttributes(rawValue: 1 << 1) }
    /// Accessed since last aged (`pte_young`); for a contiguous block, ORed across the block.
    @inlinable public static var young: LeafAttributes { LeafAttributes(rawValue: 1 << 2) }
    /// Written since last cleaned (`pte_dirty`); for a contiguous block, ORed across the block.
    @inlinable public static var dirty: LeafAttributes { LeafAttributes(rawValue: 1 << 3) }
    /// Written since soft-dirty was last cleared (`pte_soft_dirty`); never set on arm64.
    @inlinable public static var softDirty: LeafAttributes { LeafAttributes(rawValue: 1 << 4) }
    /// A special mapping with no folio behind it (`pte_special`, PFNMAP-style).
    @inlinable public static var special: LeafAttributes { LeafAttributes(rawValue: 1 << 5) }
    /// A present PROT_NONE entry, as mprotect(PROT_NONE) and NUMA hinting make (`pte_protnone`).
    @inlinable public static var protNone: LeafAttributes { LeafAttributes(rawValue: 1 << 6) }
    /// Part of a contiguous block (arm64 `PTE_CONT`, riscv Svnapot `N`).
    @inlinable public static var contiguous: LeafAttributes { LeafAttributes(rawValue: 1 << 7) }
    /// Userfaultfd write-protected (`pte_uffd_wp`: x86 `_PAGE_UFFD_WP`, arm64 `PTE_UFFD_WP`); never writable.
    @inlinable public static var uffdWP: LeafAttributes { LeafAttributes(rawValue: 1 << 8) }
    /// User mode may execute the page (x86 NX clear, arm64 `PTE_UXN` clear, riscv `X`, powerpc `EXEC`).
    @inlinable public static var executable: LeafAttributes { LeafAttributes(rawValue: 1 << 9) }

    /// The attributes and their names, in print order.
    public static let named: [(LeafAttributes, String)] = [
        (.writable, "writable"), (.user, "user"), (.young, "young"), (.dirty, "dirty"),
        (.softDirty, "soft-dirty"), (.special, "special"), (.protNone, "protnone"), (.contiguous, "contiguous"),
        (.uffdWP, "uffd-wp"), (.executable, "exec"),
    ]

    /// The bits `FPB_MERGE_WRITE | FPB_MERGE_YOUNG_DIRTY` OR across a batch (`folio_pte_batch_flags()`,
    /// mm/internal.h): writable, young and dirty. Soft-dirty is never merged.
    public static let mergedByBatch: LeafAttributes = [.writable, .young, .dirty]
}
