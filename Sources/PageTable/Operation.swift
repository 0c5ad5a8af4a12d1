/// Where the pages a map operation installs come from.
public enum MapSource: Hashable, Sendable {
    /// A new folio of `kind` (anonymous or file) and `order`; `pageCount` of its pages from `firstPage` are mapped.
    case folio(kind: FolioKind, order: Int, firstPage: UInt64, pageCount: UInt64)
    /// The shared zero page, mapped read-only at each of `pageCount` pages.
    case zeroPage(pageCount: UInt64)
    /// `pageCount` new special frames (PFNMAP-style, no folio behind them).
    case special(pageCount: UInt64)
    /// `pageCount` pages from `firstPage` of folio `id`, allocated by an earlier map: a folio mapped
    /// at a second address (a page-cache folio mapped twice, a KSM page, an alias left by mremap).
    /// When no such folio exists, or it is a zero folio, or the pages lie outside it, the map does
    /// nothing (it stays total).
    case existingFolio(FolioID, firstPage: UInt64, pageCount: UInt64)

    /// How many pages the source maps.
    public var pageCount: UInt64 {
        switch self {
        case .folio(_, _, _, let count), .zeroPage(let count), .special(let count), .existingFolio(_, _, let count): count
        }
    }
}

/// How a map operation may shape its leaves.
public struct MapShape: Hashable, Sendable {
    /// The highest level a leaf may sit at; `.pte` maps base pages only.
    public var leafLevel: Level
    /// Whether aligned runs of one folio are mapped as contiguous blocks.
    public var contiguous: Bool
    /// Whether hugepd pages may be used where they fit.
    public var hugepd: Bool

    /// Creates a shape.
    public init(leafLevel: Level = .pte, contiguous: Bool = false, hugepd: Bool = false) {
        self.leafLevel = leafLevel
        self.contiguous = contiguous
        self.hugepd = hugepd
    }
}

/// The protection a protect operation applies.
public enum Protection: String, Hashable, Sendable, CaseIterable {
    /// PROT_READ|PROT_WRITE (the zero page and uffd-wp pages stay read-only).
    case readWrite = "rw"
    /// PROT_READ.
    case readOnly = "ro"
    /// PROT_NONE: present entries become PROT_NONE (`pte_protnone`), as mprotect and NUMA hinting make them.
    case none = "none"
    /// PROT_READ|PROT_EXEC.
    case readExec = "rx"
    /// PROT_READ|PROT_WRITE|PROT_EXEC (the zero page and uffd-wp pages stay read-only).
    case readWriteExec = "rwx"

    /// Whether the protection allows writes.
    public var allowsWrite: Bool { self == .readWrite || self == .readWriteExec }
    /// Whether the protection allows execution.
    public var allowsExec: Bool { self == .readExec || self == .readWriteExec }
}

/// The non-present entry a convert operation turns present anonymous pages into.
public enum ConversionKind: String, Hashable, Sendable, CaseIterable {
    /// Device-private memory (`SWP_DEVICE_READ/WRITE`), with new device frames.
    case devicePrivate = "device-private"
    /// Device-exclusive access (`SWP_DEVICE_EXCLUSIVE`), keeping the page's frame; writable pages only.
    case deviceExclusive = "device-exclusive"
    /// A hardware-poisoned page (`SWP_HWPOISON`); file pages too.
    case hwpoison
}

/// The marker an install-marker operation writes.
public enum MarkerKind: String, Hashable, Sendable, CaseIterable {
    /// `PTE_MARKER_UFFD_WP` on none PTEs.
    case uffdWP = "uffd-wp"
    /// `PTE_MARKER_POISONED` on none PTEs.
    case poisoned
    /// `PTE_MARKER_GUARD` on every page after zapping it (MADV_GUARD_INSTALL).
    case guardRegion = "guard"

    /// The marker bit it writes.
    public var bits: MarkerBits {
        switch self {
        case .uffdWP: .uffdWP
        case .poisoned: .poisoned
        case .guardRegion: .guardRegion
        }
    }
}

/// One operation on an address space. In a space without VMAs every operation is total: valid
/// arguments are valid in any state, and an operation that finds nothing to do changes nothing;
/// with VMAs, one that would map outside a VMA is refused. SEMANTICS.md defines each one.
public enum Operation: Hashable, Sendable {
    /// Replace `[address, address + pages)` with pages from `source`, shaped by `shape`.
    case map(address: UInt64, source: MapSource, writable: Bool, shape: MapShape)
    /// Clear every entry in the range, splitting units that straddle its edges.
    case unmap(AddressRange)
    /// Change the protection of present leaves in the range (and downgrade writable migration entries).
    case protect(AddressRange, Protection)
    /// Split the unit holding the address one step: unfold a block, split a huge leaf, or convert a hugepd.
    case split(UInt64)
    /// Collapse the aligned span of `level` holding the address into one leaf, when one folio maps it all.
    case collapse(UInt64, level: Level)
    /// Fold the aligned block holding the address into a contiguous block, when the contpte rule allows.
    case fold(UInt64)
    /// Unfold the contiguous block holding the address.
    case unfold(UInt64)
    /// Swap out anonymous pages (file pages are dropped, the zero page unmapped).
    case swapOut(AddressRange)
    /// Swap in swap entries as new order-0 anonymous folios.
    case swapIn(AddressRange)
    /// Replace present folio pages with migration entries.
    case startMigration(AddressRange)
    /// Restore migration entries to present leaves of their source frames.
    case finishMigration(AddressRange)
    /// Turn present pages into device-private, device-exclusive or hwpoison entries.
    case convert(AddressRange, to: ConversionKind)
    /// Install PTE markers.
    case installMarker(AddressRange, MarkerKind)
    /// Userfaultfd write-protect the range (`UFFDIO_WRITEPROTECT` with `MODE_WP`), or resolve it
    /// (without), as `change_protection()` with `MM_CP_UFFD_WP` / `MM_CP_UFFD_WP_RESOLVE` does.
    case uffdWriteProtect(AddressRange, protect: Bool)
    /// Clear young on every present unit the range touches.
    case age(AddressRange)
    /// Write through writable present pages: set dirty, young and soft-dirty.
    case dirty(AddressRange)
    /// Clear soft-dirty and write-protect, as `clear_refs` 4 does; a no-op without soft-dirty.
    case clearSoftDirty(AddressRange)
    /// Move the range's entries to `to` (mremap with MREMAP_FIXED).
    case move(AddressRange, to: UInt64)
    /// Free every table inside the range that has no non-none entry, and clear its parent entry.
    case reclaim(AddressRange)
    /// Create a VMA over the range (`mmap()` with `MAP_FIXED`): what was there is unmapped first,
    /// and the new VMA merges with compatible neighbours. The first one gives the space VMAs.
    case mmap(AddressRange, VMASpec)
    /// Remove the VMAs in the range and zap what they map (`munmap()`), splitting VMAs at its edges.
    case munmap(AddressRange)
    /// Change the protection of the VMAs in the range and of what they map (`mprotect()`),
    /// splitting and merging VMAs as `vma_modify_flags()` does.
    case mprotect(AddressRange, Protection)
    /// Change the flags of the VMAs in the range (`madvise()`, userfaultfd registration), splitting
    /// and merging VMAs as `vma_modify_flags()` does.
    case madvise(AddressRange, VMAAdvice)
}
