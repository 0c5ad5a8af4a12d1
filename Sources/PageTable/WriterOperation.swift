/// One operation of a page-table writer (SEMANTICS.md, "Writers"): what a writer design is asked
/// to do, and what the model's reference operation (``AddressSpace/referenceWrite(_:)``) does.
public enum WriterOperation: Hashable, Sendable, CustomStringConvertible {
    /// `set_vpte_at(mm, addr, iter, vpte, order)`: map a new anonymous folio of `order` at
    /// `address` with one entry of that order (a leaf, a contiguous block or a hugepd page), over
    /// none entries only (`set_ptes()`: "the initial state of all ptes is not-present").
    case setEntries(address: UInt64, order: Int, writable: Bool)
    /// `zap_page_range_single()` → `zap_pte_range()`: clear every entry in the range, splitting
    /// units that straddle its edges; markers are kept unless `dropMarkers` (`ZAP_FLAG_DROP_MARKER`).
    case zap(AddressRange, dropMarkers: Bool)
    /// `change_protection()` → `change_pte_range()` (mm/mprotect.c), without `MM_CP_PROT_NUMA`.
    case changeProtection(AddressRange, Protection)
    /// `copy_page_range()` (fork): copy the whole space into a new child space.
    case copy(CopyOptions)

    /// The corpus spelling, as `write` lines hold it.
    public var description: String {
        switch self {
        case .setEntries(let address, let order, let writable):
            "set 0x\(String(address, radix: 16)) order \(order) \(writable ? "rw" : "ro")"
        case .zap(let range, let dropMarkers): "zap \(range.corpusText)\(dropMarkers ? " drop-markers" : "")"
        case .changeProtection(let range, let protection): "protect \(range.corpusText) \(protection.rawValue)"
        case .copy(let options):
            "copy" + (options.destinationUffdWP ? " uffd-wp" : "")
                + (options.pinned.isEmpty ? "" : " pin " + options.pinned.map { String($0.rawValue) }.joined(separator: ","))
        }
    }

    /// Whether the operation writes a second address space.
    public var isCopy: Bool { if case .copy = self { true } else { false } }
}

/// What `copy_page_range()` needs to know beyond the source tree.
public struct CopyOptions: Hashable, Sendable {
    /// Whether the child's VMA keeps uffd-wp (`userfaultfd_wp(dst_vma)`: `UFFD_FEATURE_EVENT_FORK`).
    public var destinationUffdWP: Bool
    /// The folios that may be DMA-pinned (`folio_maybe_dma_pinned()`): their anonymous pages are
    /// copied for the child instead of shared (`copy_present_page()`), in ascending order.
    public var pinned: [FolioID]

    /// Creates options; `pinned` is sorted and made unique.
    public init(destinationUffdWP: Bool = false, pinned: [FolioID] = []) {
        self.destinationUffdWP = destinationUffdWP
        self.pinned = Array(Set(pinned)).sorted()
    }

    /// Whether `folio` may be pinned.
    public func mayBePinned(_ folio: FolioID) -> Bool { pinned.contains(folio) }
}
