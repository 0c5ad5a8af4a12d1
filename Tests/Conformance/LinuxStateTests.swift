import Testing
import PageTable
import Oracle

/// Known answers for state the model gained to match Linux v6.18 — uffd-wp, no-execute, the huge
/// zero page, device-private PMDs, mremap's soft-dirty — each worked out from the Linux code
/// named in the test, never from the oracle.
@Suite struct LinuxStateTests {
    /// mm/internal.h, `__pte_batch_clear_ignored()` clears dirty, soft-dirty, write and young only;
    /// x86 `_PAGE_UFFD_WP` (bit 10) is compared, so `folio_pte_batch_flags()` stops at a change of
    /// uffd-wp. mm/mprotect.c, `change_pte_range()` with `MM_CP_UFFD_WP`: `pte_wrprotect()` then
    /// `pte_mkuffd_wp()`.
    @Test func uffdWPEndsABatchAndWriteProtects() throws {
        let checked = try built(.x86_64_4level, [mapFolio(0, order: 2), .uffdWriteProtect(span(4.KiB, 8.KiB), protect: true)])
        let runs = try ReferenceWalk.folios(in: checked.space, range: span(0, 16.KiB))
        #expect(runs.map(\.range) == [span(0, 4.KiB), span(4.KiB, 8.KiB), span(8.KiB, 16.KiB)])
        #expect(runs[1].attributes == [.user, .young, .softDirty, .uffdWP])
        // Resolving clears the bit and leaves write off (no MM_CP_TRY_CHANGE_WRITABLE here): one batch again.
        var resolved = checked
        #expect(try resolved.apply(.uffdWriteProtect(span(0, 16.KiB), protect: false)).isEmpty)
        #expect(try ReferenceWalk.folios(in: resolved.space, range: span(0, 16.KiB)).map(\.range) == [span(0, 16.KiB)])
        #expect(try ReferenceWalk.lookup(in: resolved.space, address: 4.KiB).entry == .leaf(pfn: 0x101, attributes: [.user, .young, .softDirty]))
    }

    /// mm/mprotect.c, `can_change_pte_writable()` returns false for a uffd-wp PTE, and a uffd-wp
    /// VMA's `vm_page_prot` has no write (`vma_wants_writenotify()`): mprotect(RW) leaves it read-only.
    /// arm64: `PTE_UFFD_WP` is bit 58, kept by `pte_modify()`.
    @Test func mprotectDoesNotMakeUffdWPPagesWritable() throws {
        let checked = try built(.arm64_4k, [mapFolio(0, order: 0), .uffdWriteProtect(span(0, 4.KiB), protect: true),
                                            .protect(span(0, 4.KiB), .readWrite)])
        #expect(try ReferenceWalk.lookup(in: checked.space, address: 0).entry == .leaf(pfn: 0x100, attributes: [.user, .young, .uffdWP]))
    }

    /// mm/mprotect.c, `change_pte_range()` with `MM_CP_UFFD_WP_RESOLVE`: a uffd-wp marker is cleared;
    /// a marker that is also poisoned or a guard is skipped ("Ignore error swap entries
    /// unconditionally"). Protecting sets the swap uffd-wp bit of a swap entry (`pte_swp_mkuffd_wp()`).
    @Test func uffdWPResolveDropsOnlyUffdWPMarkers() throws {
        let checked = try built(.x86_64_4level, [
            .installMarker(span(0, 8.KiB), .uffdWP), .installMarker(span(4.KiB, 8.KiB), .guardRegion), .installMarker(span(4.KiB, 8.KiB), .uffdWP),
            mapFolio(8.KiB, order: 0), .swapOut(span(8.KiB, 12.KiB)), .uffdWriteProtect(span(8.KiB, 12.KiB), protect: true),
            .uffdWriteProtect(span(0, 8.KiB), protect: false),
        ])
        let items = try ReferenceWalk.entries(in: checked.space, range: span(0, 12.KiB))
        #expect(items.map(\.entry) == [
            .none, .nonPresent(.marker([.uffdWP, .guardRegion])),
            .nonPresent(SwapEntry(kind: .swap(type: 0), offset: 1, flags: [.exclusive, .softDirty, .uffdWP])),
        ])
    }

    /// arch/x86/include/asm/pgtable_types.h: `_PAGE_NX` (bit 63) is neither cleared by
    /// `__pte_batch_clear_ignored()` nor advanced by `pte_advance_pfn()`: an executable page and a
    /// no-execute one of the same folio are two batches. PROT_READ|PROT_EXEC: `PAGE_READONLY_EXEC`.
    @Test func noExecuteEndsABatch() throws {
        let checked = try built(.x86_64_4level, [mapFolio(0, order: 2), .protect(span(0, 4.KiB), .readExec)])
        let runs = try ReferenceWalk.folios(in: checked.space, range: span(0, 16.KiB))
        #expect(runs.map(\.range) == [span(0, 4.KiB), span(4.KiB, 16.KiB)])
        #expect(runs[0].attributes == [.user, .young, .softDirty, .executable])
        let word = checked.space.tables.word(checked.space.translate(0).slot)
        #expect(word & (1 << 63) == 0 && checked.space.tables.word(checked.space.translate(4.KiB).slot) & (1 << 63) != 0)
    }

    /// mm/huge_memory.c, `do_huge_pmd_anonymous_page()` on a read fault maps the huge zero folio by
    /// a PMD (`set_huge_zero_folio()`: `folio_mk_pmd()` then `pmd_mkspecial()`, v6.18). mm/pagewalk.c,
    /// `folio_walk_start()`: `vm_normal_page_pmd()` is NULL for it; with `FW_ZEROPAGE` the huge zero
    /// folio is returned, `fw->page` NULL. `__split_huge_zero_page_pmd()` splits it into zero-page PTEs.
    @Test func theHugeZeroPageIsASpecialPMD() throws {
        var checked = try built(.x86_64_4level, [.map(address: 2.MiB, source: .zeroPage(pageCount: 512), writable: false,
                                                      shape: MapShape(leafLevel: .pmd))])
        let items = try ReferenceWalk.entries(in: checked.space, range: span(2.MiB, 4.MiB))
        #expect(items.count == 1 && items[0].level == .pmd)
        guard case .leaf(let pfn, let attributes) = items[0].entry else {
            Issue.record("no PMD leaf: \(items)")
            return
        }
        #expect(attributes == [.user, .young, .special])
        let hugeZero = try #require(checked.space.memory.hugeZeroFolio)
        #expect(checked.space.memory.folios[hugeZero.rawValue].order == 9 && pfn == checked.space.memory.folios[hugeZero.rawValue].pfn)
        #expect(try ReferenceWalk.folios(in: checked.space, range: span(2.MiB, 4.MiB)) == [])
        let lookup = try ReferenceWalk.lookup(in: checked.space, address: 2.MiB + 4.KiB, flags: .includeZeroPage)
        #expect(lookup.folio == hugeZero && lookup.pageIndex == nil && lookup.skip == 2.MiB - 4.KiB)
        #expect(try checked.apply(.split(2.MiB)).isEmpty)
        #expect(try ReferenceWalk.lookup(in: checked.space, address: 2.MiB + 4.KiB).entry
                == .leaf(pfn: PhysicalMemory.zeroPFN, attributes: [.user, .young, .special]))
    }

    /// v6.18 device-private THPs (mm/migrate_device.c, `migrate_vma_insert_huge_pmd_page()`): a
    /// PMD-mapped anonymous THP migrated whole becomes one PMD device-private entry,
    /// `swp_entry_to_pmd(make_writable_device_private_entry(pfn))`, `SWP_DEVICE_WRITE` = 28.
    /// mm/huge_memory.c, `change_huge_pmd()`: mprotect makes it readable (`SWP_DEVICE_READ` = 29).
    @Test func aWholeTHPBecomesADevicePrivatePMD() throws {
        var checked = try built(.x86_64_4level, [mapFolio(2.MiB, order: 9, leaf: .pmd), .convert(span(2.MiB, 4.MiB), to: .devicePrivate)])
        var items = try ReferenceWalk.entries(in: checked.space, range: span(2.MiB, 4.MiB))
        #expect(items.count == 1 && items[0].level == .pmd)
        guard case .nonPresent(let entry) = items[0].entry else {
            Issue.record("no PMD entry: \(items)")
            return
        }
        #expect(entry.kind.typeNumber == 28 && entry.offset % 512 == 0 && entry.flags == [.softDirty])
        #expect(try checked.apply(.protect(span(2.MiB, 4.MiB), .readOnly)).isEmpty)
        items = try ReferenceWalk.entries(in: checked.space, range: span(2.MiB, 4.MiB))
        guard case .nonPresent(let readable) = items[0].entry else {
            Issue.record("no PMD entry: \(items)")
            return
        }
        #expect(readable.kind.typeNumber == 29 && readable.flags.isEmpty)
    }

    /// mm/mremap.c, `move_ptes()`: `move_soft_dirty_pte()` sets soft-dirty on every moved entry,
    /// present (`pte_mksoft_dirty()`) or not (`pte_swp_mksoft_dirty()`).
    @Test func mremapSetsSoftDirty() throws {
        let checked = try built(.x86_64_4level, [mapFolio(0, order: 1), .swapOut(span(4.KiB, 8.KiB)), .clearSoftDirty(span(0, 8.KiB)),
                                                 .move(span(0, 8.KiB), to: 1.MiB)])
        let items = try ReferenceWalk.entries(in: checked.space, range: span(1.MiB, 1.MiB + 8.KiB))
        #expect(items.map(\.entry) == [.leaf(pfn: 0x100, attributes: [.user, .young, .softDirty]),
                                       .nonPresent(SwapEntry(kind: .swap(type: 0), offset: 1, flags: [.exclusive, .softDirty]))])
    }
}
