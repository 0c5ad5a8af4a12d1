import Testing
import PageTable
import Oracle

/// Known answers for rules the oracle once stated differently from Linux (v6.18), each expected
/// value worked out from the Linux code named in the test, never from the oracle.
@Suite struct LinuxRuleTests {
    /// mm/internal.h, `folio_pte_batch_flags()`: `FPB_MERGE_WRITE` ORs `pte_write()` and
    /// `FPB_MERGE_YOUNG_DIRTY` ORs `pte_young()`/`pte_dirty()` of the batch into `*ptentp`;
    /// soft-dirty is never merged, so the batch keeps its first PTE's.
    @Test func mergeOrsWritableYoungAndDirtyButNotSoftDirty() throws {
        // Page 0 loses soft-dirty and write (clear_refs 4); pages 1-3 keep both; page 2 is written.
        let checked = try built(.x86_64_4level, [mapFolio(0, order: 2), .clearSoftDirty(span(0, 4.KiB)), .dirty(span(8.KiB, 12.KiB))])
        let runs = try ReferenceWalk.folios(in: checked.space, range: span(0, 16.KiB), flags: FolioWalkFlags.batchDefault.union(.mergeIgnored))
        // One batch (writable, dirty and soft-dirty ignored); page 0's [user, young] plus write
        // and dirty merged from the others; no soft-dirty, page 0 having none.
        #expect(runs == [FolioRun(range: span(0, 16.KiB), folio: FolioID(rawValue: 1), firstPage: 0, level: .pte, inHugepd: false,
                                  attributes: [.user, .young, .writable, .dirty])])
    }

    /// mm/internal.h, `__pte_batch_clear_ignored()` clears dirty, soft-dirty, write and young but
    /// never `PTE_CONT`, and arch/arm64/include/asm/pgtable.h `ptep_get()` returns the entry with
    /// `PTE_CONT` set: `pte_same()` fails where a contiguous block meets plain PTEs of the same
    /// folio, so the batch of `folio_pte_batch_flags()` ends there.
    @Test func theContiguousBitEndsABatchOnArm64() throws {
        // An order-5 folio as two contiguous blocks; the second unfolded.
        let checked = try built(.arm64_4k, [mapFolio(0, order: 5, contiguous: true), .unfold(64.KiB)])
        let runs = try ReferenceWalk.folios(in: checked.space, range: span(0, 128.KiB))
        #expect(runs.map(\.range) == [span(0, 64.KiB), span(64.KiB, 128.KiB)])
        #expect(runs.map(\.firstPage) == [0, 16])
    }

    /// mm/memory.c, `do_anonymous_page()`: a read fault maps
    /// `pte_mkspecial(pfn_pte(my_zero_pfn(addr), vma->vm_page_prot))` — special, young and user
    /// from `PAGE_READONLY` (`___A`, `_USR`), never writable, and no soft-dirty (only
    /// `pte_mkdirty()` sets `_PAGE_SOFT_DIRTY` on x86). mm/pagewalk.c, `folio_walk_start()`: the
    /// zero page is found only after `vm_normal_page()` returned NULL, and only with `FW_ZEROPAGE`.
    @Test func theZeroPageIsSpecialAndNotSoftDirty() throws {
        let checked = try built(.x86_64_4level, [.map(address: 0, source: .zeroPage(pageCount: 1), writable: false, shape: MapShape())])
        let items = try ReferenceWalk.entries(in: checked.space, range: span(0, 4.KiB))
        #expect(items == [item(0, 4.KiB, .pte, .leaf(pfn: PhysicalMemory.zeroPFN, attributes: [.user, .young, .special]))])
        #expect(try ReferenceWalk.folios(in: checked.space, range: span(0, 4.KiB)) == [])
        let zero = try ReferenceWalk.folios(in: checked.space, range: span(0, 4.KiB), flags: .includeZeroPage)
        #expect(zero.map(\.folio) == [FolioID(rawValue: 0)])
        let lookup = try ReferenceWalk.lookup(in: checked.space, address: 0, flags: .includeZeroPage)
        #expect(lookup.folio == FolioID(rawValue: 0) && lookup.pageIndex == nil)
    }

    /// arch/riscv/include/asm/pgtable-64.h: `PTRS_PER_PUD` and `PTRS_PER_P4D` are 512 whatever the
    /// mode, `pgd_none()`/`p4d_none()` return 0 unless `pgtable_l5_enabled`/`pgtable_l4_enabled`, and
    /// `pud_none()` tests the word itself. So on Sv39, mm/pagewalk.c's `walk_pud_range()` reads the
    /// top-level word: a hole there is `pte_hole(..., real_depth(2) = 2)` and a 1 GiB leaf reaches
    /// `pud_entry`.
    @Test func riscvSv39TopLevelIsThePUD() throws {
        let format = Format.riscv_sv39
        let top = format.leafLevels.first!
        let checked = try built(format, [mapFolio(1.GiB, order: 18, leaf: top)])
        let items = try ReferenceWalk.entries(in: checked.space, range: span(1.GiB + 4.KiB, 2.GiB + 4.KiB))
        #expect(items.map(\.level) == [.pud, .pud])
        #expect(items.map(\.entry.isNone) == [false, true])
    }

    /// include/linux/swapops.h: `SWP_MIG_YOUNG_BIT` is `SWP_PFN_BITS`, which is
    /// `MAX_PHYSMEM_BITS - PAGE_SHIFT`; arch/x86/include/asm/sparsemem.h: `MAX_PHYSMEM_BITS` is
    /// `pgtable_l5_enabled() ? 52 : 46`, so 34 on 4-level paging and 40 on 5-level.
    /// include/linux/swap.h (v6.15+, three device types): `MAX_SWAPFILES` = 32 - 3 - 3 - 1 - 1 = 24,
    /// so `SWP_MIGRATION_WRITE` = 24 + 1 + 2 = 27. arch/x86/include/asm/pgtable_64.h: `__swp_entry()`
    /// = `(~offset << SWP_OFFSET_SHIFT >> SWP_TYPE_BITS) | type << 59`, SWP_OFFSET_SHIFT 14.
    @Test func x86MigrationEntriesKeepYoungAndDirtyAboveThePFNBits() {
        let entry = SwapEntry(kind: .migrationWrite, offset: 0x1234, flags: [.young, .dirty])
        func word(pfnBits: UInt64) -> UInt64 {
            let offset: UInt64 = 0x1234 | 1 << pfnBits | 1 << (pfnBits + 1)
            return ((~offset << 14) >> 5) | 27 << 59
        }
        #expect(Format.x86_64_4level.encode(.nonPresent(entry), at: .pte) == word(pfnBits: 34))
        #expect(Format.x86_64_5level.encode(.nonPresent(entry), at: .pte) == word(pfnBits: 40))
        #expect(Format.x86_64_4level.decode(word(pfnBits: 34), at: .pte, address: 0) == .nonPresent(entry))
    }

    /// mm/rmap.c, `make_device_exclusive()` (v6.15+): `swp_pte = swp_entry_to_pte(
    /// make_device_exclusive_entry(pfn)); if (pte_soft_dirty(fw.pte)) swp_pte =
    /// pte_swp_mksoft_dirty(swp_pte);` — one type, `SWP_DEVICE_EXCLUSIVE` = 24 + 1 + 3 + 2 = 30.
    @Test func deviceExclusiveEntriesKeepSoftDirty() throws {
        let checked = try built(.x86_64_4level, [mapFolio(0, order: 0), .convert(span(0, 4.KiB), to: .deviceExclusive)])
        guard case .nonPresent(let entry) = try ReferenceWalk.lookup(in: checked.space, address: 0).entry else {
            Issue.record("no device-exclusive entry")
            return
        }
        #expect(entry.kind.typeNumber == 30)
        #expect(entry.offset == 0x100)
        #expect(entry.flags.contains(.softDirty))
    }

    /// mm/mprotect.c, `change_pte_range()`: whatever the new protection, a writable device-private
    /// entry becomes readable (`make_readable_device_private_entry()`, `SWP_DEVICE_READ` = 24 + 1 + 3
    /// + 1 = 29) and a writable migration entry readable (`make_readable_exclusive_migration_entry()`
    /// for anonymous folios, `SWP_MIGRATION_READ_EXCLUSIVE` = 26): "A protection check is difficult
    /// so just be safe and disable write".
    @Test func mprotectMakesWritableDeviceAndMigrationEntriesReadable() throws {
        for protection in [Protection.readOnly, .readWrite] {
            let checked = try built(.x86_64_4level, [
                mapFolio(0, order: 0), .convert(span(0, 4.KiB), to: .devicePrivate),
                mapFolio(4.KiB, order: 0), .startMigration(span(4.KiB, 8.KiB)),
                .protect(span(0, 8.KiB), protection),
            ])
            let items = try ReferenceWalk.entries(in: checked.space, range: span(0, 8.KiB))
            let kinds = items.map { item -> UInt8? in if case .nonPresent(let entry) = item.entry { entry.kind.typeNumber } else { nil } }
            #expect(kinds == [29, 26], "after protect \(protection)")
        }
    }
}
