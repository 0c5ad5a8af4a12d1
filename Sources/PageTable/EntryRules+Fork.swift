/// What `copy_page_range()` makes of one page, entry or unit (``EntryRules/forked(_:in:options:folio:level:hugetlb:)``).
public struct ForkedEntry: Hashable, Sendable {
    /// What the child gets.
    public enum Child: Hashable, Sendable {
        /// The same frame or entry, shared with the parent, with this content.
        case shared(PageContent)
        /// A new anonymous page of its own with these attributes (`copy_present_page()`).
        case copied(LeafAttributes)
    }
    /// The parent's content afterwards.
    public var source: PageContent
    /// The child's, or nil when the child gets none.
    public var child: Child?
    /// Whether the pages' `PageAnonExclusive` is cleared (an anonymous folio shared with the child).
    public var clearsAnonExclusive: Bool
}

extension EntryRules {
    /// The fork of one entry's content into a private, writable (COW) mapping, the model's
    /// address space without VMAs (SEMANTICS.md, "Writers", copy):
    /// - present, an anonymous folio that may be pinned, PTE-mapped: the parent keeps its page;
    ///   the child gets a new page, dirty, young and writable, uffd-wp if both the parent's entry
    ///   and the child's VMA have it (`copy_present_page()`: `maybe_mkwrite(pte_mkdirty())`);
    /// - present otherwise: both write-protected if writable (`__copy_present_ptes()`:
    ///   `wrprotect_ptes()`, `pte_wrprotect()`); the child old unless hugetlb (`pte_mkold()`,
    ///   `pmd_mkold()`; `copy_hugetlb_page_range()` keeps young); the child's uffd-wp cleared unless
    ///   its VMA keeps uffd-wp; an anonymous folio's pages lose `PageAnonExclusive`
    ///   (`folio_try_dup_anon_rmap_ptes()`);
    /// - swap: the parent's entry loses exclusive (`pte_swp_clear_exclusive()`), the child gets it
    ///   too, the slot is duplicated (`swap_duplicate()`);
    /// - migration: a writable or exclusive entry becomes readable in both, young, dirty,
    ///   soft-dirty and uffd-wp kept (`make_readable_migration_entry()`);
    /// - device-private: a writable entry becomes readable in both, keeping only uffd-wp;
    /// - device-exclusive: restored to the present entry it stands for (user, writable, dirty,
    ///   old, soft-dirty kept: `restore_exclusive_pte()`), then forked as present;
    /// - hwpoison: copied; markers: poisoned and guard bits copied, uffd-wp only when the child
    ///   keeps uffd-wp, nothing when no bit is left (`copy_pte_marker()`).
    /// Every non-present child entry loses uffd-wp unless the child keeps it (`pte_swp_clear_uffd_wp()`).
    public static func forked(_ content: PageContent, in format: Format, options: CopyOptions, folio: Folio?, level: Level,
                              hugetlb: Bool) -> ForkedEntry {
        let keepsUffdWP = options.destinationUffdWP
        switch content {
        case .present(let pfn, let attributes):
            let anonymous = folio?.kind == .anonymous
            if anonymous, let folio, options.mayBePinned(folio.id), level == .pte, !hugetlb, !attributes.contains(.protNone) {
                var copied = fresh(writable: true, format: format).union(.dirty)
                if attributes.contains(.executable) { copied.insert(.executable) }
                if keepsUffdWP, attributes.contains(.uffdWP) {
                    copied.insert(.uffdWP)
                    copied.remove(.writable)
                }
                return ForkedEntry(source: content, child: .copied(copied.intersection(format.storableAttributes)),
                                   clearsAnonExclusive: false)
            }
            var parent = attributes
            parent.remove(.writable)
            var child = parent
            if !hugetlb { child.remove(.young) }
            if !keepsUffdWP { child.remove(.uffdWP) }
            return ForkedEntry(source: .present(pfn: pfn, attributes: parent), child: .shared(.present(pfn: pfn, attributes: child)),
                               clearsAnonExclusive: anonymous)
        case .nonPresent(let entry):
            var parent = entry
            switch entry.kind {
            case .swap:
                parent.flags.remove(.exclusive)
            case .migrationWrite, .migrationReadExclusive:
                parent = SwapEntry(kind: .migrationRead, offset: entry.offset, flags: entry.flags)
            case .deviceWrite:
                parent = SwapEntry(kind: .deviceRead, offset: entry.offset, flags: entry.flags.intersection(.uffdWP))
            case .deviceExclusive:
                var restored: LeafAttributes = [.user, .writable, .dirty]
                if entry.flags.contains(.softDirty) { restored.insert(.softDirty) }
                return forked(.present(pfn: entry.offset, attributes: restored.intersection(format.storableAttributes)), in: format,
                              options: options, folio: folio, level: level, hugetlb: hugetlb)
            case .marker:
                var bits = MarkerBits(rawValue: entry.offset).intersection([.poisoned, .guardRegion])
                if keepsUffdWP, MarkerBits(rawValue: entry.offset).contains(.uffdWP) { bits.insert(.uffdWP) }
                let child: ForkedEntry.Child? = bits.isEmpty ? nil
                    : .shared(.nonPresent(SwapEntry(kind: .marker, offset: bits.rawValue, flags: entry.flags)))
                return ForkedEntry(source: content, child: child, clearsAnonExclusive: false)
            case .migrationRead, .deviceRead, .hwpoison:
                break
            }
            var child = parent
            if !keepsUffdWP { child.flags.remove(.uffdWP) }
            return ForkedEntry(source: .nonPresent(parent), child: .shared(.nonPresent(child)), clearsAnonExclusive: false)
        }
    }
}
