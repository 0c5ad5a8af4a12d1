/// What Linux's writers do to one entry, stated once: the tree (``AddressSpace``) and the abstract
/// model both apply these, so the two cannot drift apart. Each names the v6.18 code it follows.
public enum EntryRules {
    /// The attributes a page gets when `map` installs it: user and young, soft-dirty where the
    /// format has it, writable when asked, never dirty. (WalkCheck's own choice: Linux's write
    /// fault on anonymous memory, `do_anonymous_page()`, also sets dirty, which on x86 brings
    /// soft-dirty; a read fault on a file leaves both clear. SEMANTICS.md lists the difference.)
    public static func fresh(writable: Bool, format: Format) -> LeafAttributes {
        var attributes: LeafAttributes = [.user, .young]
        if format.supportsSoftDirty { attributes.insert(.softDirty) }
        if writable { attributes.insert(.writable) }
        return attributes
    }

    /// The zero page's entry (`do_anonymous_page()`: `pte_mkspecial(pfn_pte(my_zero_pfn(addr),
    /// vma->vm_page_prot))`) and the huge zero page's (`set_huge_zero_folio()`: `pmd_mkspecial()`,
    /// v6.18): special, user and young from `PAGE_READONLY`, never writable, not soft-dirty.
    public static let zeroPage: LeafAttributes = [.user, .young, .special]

    /// A present leaf after mprotect (`change_pte_range()`: `pte_modify()` keeps young, dirty,
    /// soft-dirty, special and uffd-wp, `_PAGE_CHG_MASK`, and takes the rest from the protection).
    /// The zero page and uffd-wp pages never become writable (`can_change_pte_writable()` refuses
    /// uffd-wp; a uffd-wp registered VMA's `vm_page_prot` has no write, `vma_wants_writenotify()`).
    public static func protected(_ attributes: LeafAttributes, _ protection: Protection, isZeroPage: Bool) -> LeafAttributes {
        var result = attributes
        switch protection {
        case .none:
            result.subtract([.writable, .user, .contiguous, .executable])
            result.insert(.protNone)
        case .readOnly, .readExec, .readWrite, .readWriteExec:
            result.subtract([.writable, .protNone, .executable])
            result.insert(.user)
            if protection.allowsWrite, !isZeroPage, !attributes.contains(.uffdWP) { result.insert(.writable) }
            if protection.allowsExec { result.insert(.executable) }
        }
        return result
    }

    /// A non-present entry after mprotect, whatever the new protection (`change_pte_range()`,
    /// `change_huge_pmd()`: "A protection check is difficult so just be safe and disable write"):
    /// a writable migration entry becomes readable — read-exclusive for an anonymous folio — keeping
    /// soft-dirty and the young and dirty its offset holds; a writable device-private entry becomes
    /// readable and loses soft-dirty ("We do not preserve soft-dirtiness"). Others are unchanged.
    public static func protected(_ entry: SwapEntry, anonymous: Bool) -> SwapEntry {
        var changed = entry
        switch entry.kind {
        case .migrationWrite: changed.kind = anonymous ? .migrationReadExclusive : .migrationRead
        case .deviceWrite:
            changed.kind = .deviceRead
            changed.flags.remove(.softDirty)
        default: break
        }
        return changed
    }

    /// What userfaultfd write-protection does to one page (`change_pte_range()` with
    /// `MM_CP_UFFD_WP` or `MM_CP_UFFD_WP_RESOLVE`); nil means the slot is cleared. Protecting
    /// write-protects a present leaf and sets its uffd-wp bit, and sets the swap uffd-wp bit of any
    /// non-present entry but a marker; resolving clears the bits (leaving write off) and drops a
    /// marker that is only a uffd-wp marker (poisoned and guard markers are skipped). None pages
    /// are left alone: installing uffd-wp markers on them is `userfaultfd_wp_use_markers()`'s
    /// case, the `marker uffd-wp` operation.
    public static func uffdWriteProtected(_ content: PageContent, protect: Bool, format: Format) -> PageContent? {
        switch content {
        case .present(let pfn, var attributes):
            if protect {
                attributes.remove(.writable)
                attributes.insert(.uffdWP)
            } else {
                attributes.remove(.uffdWP)
            }
            return .present(pfn: pfn, attributes: attributes.intersection(format.storableAttributes))
        case .nonPresent(var entry):
            if let bits = entry.markerBits {
                guard !protect, bits.isDisjoint(with: [.poisoned, .guardRegion]) else { return content }
                return nil
            }
            if protect { entry.flags.insert(.uffdWP) } else { entry.flags.remove(.uffdWP) }
            entry.flags.formIntersection(format.storableSwapFlags)
            return .nonPresent(entry)
        }
    }

    /// The swap entry reclaim writes for an anonymous page (`try_to_unmap_one()`): exclusive,
    /// soft-dirty and uffd-wp carried (`pte_swp_mksoft_dirty()`, `pte_swp_mkuffd_wp()`).
    public static func swapEntry(slot: UInt64, for attributes: LeafAttributes, format: Format) -> SwapEntry {
        var flags: SwapFlags = [.exclusive]
        if attributes.contains(.softDirty) { flags.insert(.softDirty) }
        if attributes.contains(.uffdWP) { flags.insert(.uffdWP) }
        return SwapEntry(kind: .swap(type: 0), offset: slot, flags: flags.intersection(format.storableSwapFlags))
    }

    /// The attributes a swapped-in page gets (`do_swap_page()` on a read fault): user and young,
    /// read-only, soft-dirty and uffd-wp from the swap entry.
    public static func swappedIn(_ entry: SwapEntry) -> LeafAttributes {
        var attributes: LeafAttributes = [.user, .young]
        if entry.flags.contains(.softDirty) { attributes.insert(.softDirty) }
        if entry.flags.contains(.uffdWP) { attributes.insert(.uffdWP) }
        return attributes
    }

    /// The migration entry kind for a present leaf (`try_to_migrate_one()`, `set_pmd_migration_entry()`).
    public static func migrationKind(_ attributes: LeafAttributes, anonymous: Bool) -> SwapKind {
        attributes.contains(.writable) ? .migrationWrite : anonymous ? .migrationReadExclusive : .migrationRead
    }

    /// The flags a migration entry of `format` carries: young and dirty where the offset has room
    /// (`migration_entry_supports_ad()`), soft-dirty and uffd-wp (`pte_swp_mksoft_dirty()`,
    /// `pte_swp_mkuffd_wp()`), those the format can store.
    public static func migrationFlags(_ attributes: LeafAttributes, format: Format) -> SwapFlags {
        var flags: SwapFlags = []
        if attributes.contains(.young) { flags.insert(.young) }
        if attributes.contains(.dirty) { flags.insert(.dirty) }
        if attributes.contains(.softDirty) { flags.insert(.softDirty) }
        if attributes.contains(.uffdWP) { flags.insert(.uffdWP) }
        return flags.intersection(format.storableSwapFlags)
    }

    /// The present attributes a finished migration entry is restored with (`remove_migration_pte()`):
    /// writable for a write entry, else uffd-wp if the entry had it; young, dirty, soft-dirty remembered.
    public static func restoredAttributes(_ entry: SwapEntry) -> LeafAttributes {
        var attributes: LeafAttributes = [.user]
        if entry.kind == .migrationWrite { attributes.insert(.writable) } else if entry.flags.contains(.uffdWP) { attributes.insert(.uffdWP) }
        if entry.flags.contains(.young) { attributes.insert(.young) }
        if entry.flags.contains(.dirty) { attributes.insert(.dirty) }
        if entry.flags.contains(.softDirty) { attributes.insert(.softDirty) }
        return attributes
    }

    /// The device-private entry a page migrated to device memory gets (`migrate_vma_collect_pmd()`
    /// writes a migration entry carrying soft-dirty and uffd-wp; `remove_migration_pte()` turns it
    /// into a device-private entry, writable if the page was, carrying both again).
    public static func devicePrivate(_ attributes: LeafAttributes, devicePFN: UInt64, format: Format) -> SwapEntry {
        var flags: SwapFlags = []
        if attributes.contains(.softDirty) { flags.insert(.softDirty) }
        if attributes.contains(.uffdWP) { flags.insert(.uffdWP) }
        return SwapEntry(kind: attributes.contains(.writable) ? .deviceWrite : .deviceRead, offset: devicePFN,
                         flags: flags.intersection(format.storableSwapFlags))
    }

    /// The device-exclusive entry for a present leaf, or nil when the leaf is not writable
    /// (`make_device_exclusive()`, v6.15+: the page must be mapped writable — "The pte is writable,
    /// uffd-wp does not apply" — and soft-dirty is carried).
    public static func deviceExclusive(_ attributes: LeafAttributes, pfn: UInt64, format: Format) -> SwapEntry? {
        guard attributes.contains(.writable) else { return nil }
        let flags: SwapFlags = attributes.contains(.softDirty) ? [.softDirty] : []
        return SwapEntry(kind: .deviceExclusive, offset: pfn, flags: flags.intersection(format.storableSwapFlags))
    }

    /// An entry moved by mremap (`move_ptes()` and `move_huge_pmd()` call `move_soft_dirty_pte()`
    /// and `move_soft_dirty_pmd()`: "Set soft dirty bit so we can notice in userspace that ptes were
    /// moved"), present or not, markers included; hugetlb pages (hugepd) are moved without it.
    public static func moved(_ content: PageContent, inHugepd: Bool, format: Format) -> PageContent {
        guard format.supportsSoftDirty, !inHugepd else { return content }
        switch content {
        case .present(let pfn, let attributes): return .present(pfn: pfn, attributes: attributes.union(.softDirty))
        case .nonPresent(var entry):
            entry.flags.insert(.softDirty)
            return .nonPresent(entry)
        }
    }

    /// An entry after `clear_refs` 4 (`clear_soft_dirty()`, `clear_soft_dirty_pmd()`): a present
    /// leaf loses soft-dirty and write; any non-present entry loses its swap soft-dirty bit.
    public static func softDirtyCleared(_ content: PageContent) -> PageContent {
        switch content {
        case .present(let pfn, let attributes): return .present(pfn: pfn, attributes: attributes.subtracting([.softDirty, .writable]))
        case .nonPresent(var entry):
            entry.flags.remove(.softDirty)
            return .nonPresent(entry)
        }
    }
}

/// What a `map` installs, once its source is resolved against the memory.
public enum MapContent: Hashable, Sendable {
    /// Pages of this content, advancing page by page.
    case pages(PageContent)
    /// The zero page (the huge zero page where a PMD leaf may sit).
    case zeroPages
    /// Nothing: the source names no folio that can be mapped (the map changes nothing).
    case nothing
}

extension PhysicalMemory {
    /// Resolves `source` for a map (the tree's and the abstract model's alike): allocates the new
    /// folio or special frames it asks for, finds the existing folio it names, with the attributes
    /// of a fresh leaf. Throws, allocating nothing, when the frames are exhausted.
    public mutating func content(for source: MapSource, writable: Bool, format: Format) throws(PageTableError) -> MapContent {
        let fresh = EntryRules.fresh(writable: writable, format: format)
        switch source {
        case .folio(let kind, let order, let first, _):
            guard let folio = allocateFolio(order: order, kind: kind) else { throw .outOfMemory("no order-\(order) folio left") }
            return .pages(.present(pfn: folio.pfn + first, attributes: fresh))
        case .existingFolio(let id, let first, let count):
            guard let folio = folio(id), folio.kind != .zero, first < folio.pageCount, count <= folio.pageCount - first else { return .nothing }
            return .pages(.present(pfn: folio.pfn + first, attributes: fresh))
        case .zeroPage:
            return .zeroPages
        case .special(let count):
            guard let pfn = allocateSpecial(count: count) else { throw .outOfMemory("no \(count) special frames left") }
            return .pages(.present(pfn: pfn, attributes: fresh.union(.special)))
        }
    }
}
