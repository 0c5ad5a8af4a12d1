import Testing
import PageTable
import Oracle
import Implementations
import Generators

/// VMAs: known answers from mm/pagewalk.c, mm/vma.c, mm/huge_memory.c and mm/mmap.c (v6.18), each
/// expected value worked out from the code named, never from the oracle; and the shipped designs
/// checked against the oracle on the same states.
@Suite struct VMATests {
    let page: UInt64 = 4.KiB
    let anonRW = VMASpec(flags: [.read, .write])

    /// mm/pagewalk.c, `walk_page_range_mm()`: before the first VMA `pte_hole(start,
    /// min(end, vma->vm_start), -1)`, after the last `pte_hole(start, end, -1)`; inside a VMA the
    /// tables are walked as without VMAs.
    @Test func gapsAreOneHoleAtDepthMinusOne() throws {
        let checked = try built(.x86_64_4level, [.mmap(span(2.MiB, 4.MiB), anonRW), mapFolio(2.MiB, order: 9, leaf: .pmd)])
        let items = try ReferenceWalk.entries(in: checked.space, range: span(0, 8.MiB))
        #expect(items == [.vmaHole(span(0, 2.MiB), format: .x86_64_4level),
                          item(2.MiB, 4.MiB, .pmd, .leaf(pfn: 0x200, attributes: freshRW)),
                          .vmaHole(span(4.MiB, 8.MiB), format: .x86_64_4level)])
        // skip-none leaves holes out, depth -1 ones too.
        #expect(try ReferenceWalk.entries(in: checked.space, range: span(0, 8.MiB), flags: .skipNone).count == 1)
        try expectDesignsConform(checked.space, ranges: [span(0, 8.MiB), span(3.MiB, 5.MiB)], lookups: [1.MiB, 3.MiB, 5.MiB])
    }

    /// mm/pagewalk.c, `walk_page_test()`: without `ops->test_walk` a `VM_PFNMAP` VMA gets
    /// `pte_hole(start, end, -1)` and is skipped (returns 1). GUP (mm/gup.c) still reads it;
    /// `vm_normal_page()` returns NULL for its special entries, so no folio is reported.
    @Test func aPFNMapVMAIsSkippedByTheEntryWalk() throws {
        let checked = try built(.x86_64_4level, [
            .mmap(span(0, 4 * page), VMASpec(flags: [.read, .write, .pfnmap])),
            .map(address: 0, source: .special(pageCount: 4), writable: true, shape: MapShape()),
            .mmap(span(4 * page, 8 * page), anonRW), mapFolio(4 * page, order: 2),
        ])
        let items = try ReferenceWalk.entries(in: checked.space, range: span(0, 8 * page))
        #expect(items.first == .vmaHole(span(0, 4 * page), format: .x86_64_4level))
        #expect(items.count == 5 && items.dropFirst().allSatisfy { !$0.vmaHole && $0.level == .pte })
        #expect(try ReferenceWalk.folios(in: checked.space, range: span(0, 8 * page)).map(\.range) == [span(4 * page, 8 * page)])
        let lookup = try ReferenceWalk.lookup(in: checked.space, address: 0)
        #expect(!lookup.vmaHole && lookup.folio == nil && lookup.level == .pte)
        try expectDesignsConform(checked.space, ranges: [span(0, 8 * page)], lookups: [0, 5 * page])
    }

    /// mm/vma.c `__split_vma()` → `vma_adjust_trans_huge()` → mm/huge_memory.c
    /// `split_huge_pmd_address()`: an anonymous PMD leaf across a new VMA boundary becomes a PTE
    /// table of the same folio. The folio walk then stops at each VMA end: mprotecting the middle
    /// page of a THP gives runs of 1, 1 and 510 pages (what the running kernel shows, issue 20).
    @Test func mprotectInsideAnAnonymousTHPSplitsItsPMD() throws {
        let checked = try built(.x86_64_4level, [.mmap(span(2.MiB, 4.MiB), anonRW), mapFolio(2.MiB, order: 9, leaf: .pmd),
                                                 .mprotect(span(2.MiB + page, 2.MiB + 2 * page), .readOnly)])
        #expect(checked.space.vmas?.vmas.map(\.range) == [span(2.MiB, 2.MiB + page), span(2.MiB + page, 2.MiB + 2 * page),
                                                         span(2.MiB + 2 * page, 4.MiB)])
        let runs = try ReferenceWalk.folios(in: checked.space, range: span(2.MiB, 4.MiB))
        #expect(runs.map { $0.range.size / page } == [1, 1, 510])
        #expect(runs.allSatisfy { $0.level == .pte && $0.folio == FolioID(rawValue: 1) })
        // The same after mprotect back: the VMAs merge again (vma_merge_existing_range()), the
        // PMD stays split, and one run covers the THP.
        var merged = checked
        #expect(try merged.apply(.mprotect(span(2.MiB + page, 2.MiB + 2 * page), .readWrite)).isEmpty)
        #expect(merged.space.vmas?.vmas.map(\.range) == [span(2.MiB, 4.MiB)])
        #expect(try ReferenceWalk.folios(in: merged.space, range: span(2.MiB, 4.MiB)).count == 1)
        try expectDesignsConform(checked.space, ranges: [span(2.MiB, 4.MiB), span(0, 8.MiB)], lookups: [2.MiB + page])
    }

    /// mm/huge_memory.c `__split_huge_pmd_locked()`: for a VMA that is not anonymous the PMD is
    /// cleared ("just go ahead and zap it"), so a file THP cut by a VMA boundary maps nothing.
    @Test func aVMABoundaryInsideAFileTHPZapsIt() throws {
        let checked = try built(.x86_64_4level, [.mmap(span(2.MiB, 4.MiB), VMASpec(file: 1, pageOffset: 0, flags: [.read, .write])),
                                                 mapFolio(2.MiB, order: 9, kind: .file, leaf: .pmd),
                                                 .madvise(span(3.MiB, 4.MiB), .hugepage)])
        #expect(checked.space.vmas?.vmas.count == 2)
        #expect(try ReferenceWalk.entries(in: checked.space, range: span(2.MiB, 4.MiB), flags: .skipNone) == [])
    }

    /// mm/vma.c: `vma_merge_new_range()` merges an mmap with a compatible neighbour (flags equal
    /// but `VM_SOFTDIRTY`, not `VM_SPECIAL`, consecutive offsets); `is_mergeable_anon_vma()` keeps
    /// two VMAs with different anon_vmas apart; mm/vma.c `__mmap_region()`: a new or expanded VMA
    /// is `VM_SOFTDIRTY` where the format has soft-dirty (not arm64).
    @Test func mmapMergesAsVMAMergeDoes() throws {
        let two = try built(.x86_64_4level, [.mmap(span(0, 2 * page), anonRW), .mmap(span(2 * page, 4 * page), anonRW)])
        #expect(two.space.vmas?.vmas.map(\.range) == [span(0, 4 * page)])
        #expect(two.space.vmas?.vmas.first?.flags == [.read, .write, .softDirty])
        let arm = try built(.arm64_4k, [.mmap(span(0, 2 * page), anonRW)])
        #expect(arm.space.vmas?.vmas.first?.flags == [.read, .write])
        let special = try built(.x86_64_4level, [.mmap(span(0, 2 * page), VMASpec(flags: [.read, .pfnmap])),
                                                 .mmap(span(2 * page, 4 * page), VMASpec(flags: [.read, .pfnmap]))])
        #expect(special.space.vmas?.vmas.count == 2)
        // Faulted separately, each gets its own anon_vma: mprotect making them equal cannot merge them.
        let faulted = try built(.x86_64_4level, [
            .mmap(span(0, 2 * page), anonRW), .mmap(span(2 * page, 4 * page), VMASpec(flags: [.read])),
            mapFolio(0, order: 0), mapFolio(2 * page, order: 0), .mprotect(span(2 * page, 4 * page), .readWrite),
        ])
        #expect(faulted.space.vmas?.vmas.count == 2)
        // clear_refs 4 clears VM_SOFTDIRTY (clear_refs_write()).
        let cleared = try built(.x86_64_4level, [.mmap(span(0, 2 * page), anonRW), .clearSoftDirty(span(0, page))])
        #expect(cleared.space.vmas?.vmas.first?.flags == [.read, .write])
    }

    /// With VMAs a leaf may be installed only inside one (a fault outside any VMA is SIGSEGV):
    /// refused with `outsideVMA`, nothing changed; and the first mmap of a space that has
    /// mappings without VMAs is refused for the same reason.
    @Test func mappingOutsideAVMAIsRefused() throws {
        var checked = try built(.x86_64_4level, [.mmap(span(0, 2 * page), anonRW), .mmap(span(2 * page, 4 * page), VMASpec(flags: [.read]))])
        #expect(throws: PageTableError.outsideVMA(span(4 * page, 5 * page), need: "a map")) { try checked.apply(mapFolio(4 * page, order: 0)) }
        #expect(throws: PageTableError.outsideVMA(span(0, 4 * page), need: "a map")) { try checked.apply(mapFolio(0, order: 2)) }
        var bare = try built(.x86_64_4level, [mapFolio(0, order: 0)])
        #expect(throws: PageTableError.outsideVMA(span(page, 2 * page), need: "an mmap in a space whose mappings have no VMA")) {
            try bare.apply(.mmap(span(page, 2 * page), anonRW))
        }
        #expect(bare.space.vmas == nil)
    }

    /// mm/vma.c `do_vmi_munmap()`: the VMAs in the range go (split at its edges) and what they
    /// mapped is zapped; mprotect (mm/mprotect.c `do_mprotect_pkey()`) stops at the first gap.
    @Test func munmapAndMprotectStopAtGaps() throws {
        let checked = try built(.x86_64_4level, [
            .mmap(span(0, 4 * page), anonRW), mapFolio(0, order: 2), .munmap(span(page, 2 * page)),
            .mprotect(span(0, 4 * page), .readOnly),
        ])
        #expect(checked.space.vmas?.vmas.map(\.range) == [span(0, page), span(2 * page, 4 * page)])
        #expect(checked.space.vmas?.vmas.map { $0.flags.contains(.write) } == [false, true])
        let entries = try ReferenceWalk.entries(in: checked.space, range: span(0, 4 * page))
        #expect(entries[1] == .vmaHole(span(page, 2 * page), format: .x86_64_4level))
    }

    /// include/linux/pagewalk.h and mm/pagewalk.c: per VMA, `test_walk`, then `pre_vma`, the
    /// walk, `post_vma`; a gap is `pte_hole(-1)` with no VMA callbacks; a skipped VMA gets neither
    /// `pre_vma` nor `post_vma`; a failing `pre_vma` ends the walk without `post_vma`.
    @Test func theRecursiveWalkCallsTheVMACallbacksInLinuxOrder() throws {
        let checked = try built(.x86_64_4level, [
            .mmap(span(page, 2 * page), anonRW), .mmap(span(2 * page, 3 * page), VMASpec(flags: [.read, .pfnmap])),
            .mmap(span(4 * page, 5 * page), VMASpec(flags: [.read])),
        ])
        var ops = CallbackLog()
        try RecursiveWalker().walk(DirectReader(checked.space), range: span(0, 6 * page), ops: &ops)
        // Nothing is mapped: inside the VMAs the walk meets one directory hole each.
        #expect(ops.events == ["hole -1 0x0", "test 0x1000", "pre 0x1000", "hole pgd 0x1000", "post 0x1000", "test 0x2000",
                               "hole -1 0x2000", "hole -1 0x3000", "test 0x4000", "pre 0x4000", "hole pgd 0x4000", "post 0x4000",
                               "hole -1 0x5000"])
        var failing = CallbackLog(failPreAt: 4 * page)
        try RecursiveWalker().walk(DirectReader(checked.space), range: span(0, 6 * page), ops: &failing)
        #expect(failing.events.suffix(2) == ["test 0x4000", "pre 0x4000"])
    }

    /// fs/proc/task_mmu.c: `pte_to_pagemap_entry()` ORs `VM_SOFTDIRTY` into `PM_SOFT_DIRTY`, and
    /// `pagemap_pte_hole()` reports holes of a soft-dirty VMA soft-dirty; the entry walk still
    /// reports the PTE's own bit (clear after clear_refs 4, which also clears the VMA's flag; a new
    /// mmap makes the VMA soft-dirty again).
    @Test func vmSoftDirtyOrsIntoPagemapOnly() throws {
        var checked = try built(.x86_64_4level, [.mmap(span(0, 4 * page), anonRW), mapFolio(0, order: 0), .clearSoftDirty(span(0, 4 * page))])
        #expect(try ReferenceWalk.pagemapSoftDirty(in: checked.space, address: 0) == false)
        // mmap next door expands the VMA (vma_merge_new_range()) and makes it soft-dirty again.
        #expect(try checked.apply(.mmap(span(4 * page, 8 * page), anonRW)).isEmpty)
        #expect(checked.space.vmas?.vmas.count == 1)
        #expect(try ReferenceWalk.pagemapSoftDirty(in: checked.space, address: 0))
        #expect(try ReferenceWalk.pagemapSoftDirty(in: checked.space, address: 2 * page))
        #expect(try ReferenceWalk.pagemapSoftDirty(in: checked.space, address: 16 * page) == false)
        let items = try ReferenceWalk.entries(in: checked.space, range: span(0, page))
        #expect(items.map(\.entry) == [.leaf(pfn: 0x100, attributes: [.user, .young])])
    }

    /// mm/pagewalk.c `walk_hugetlb_range()`: one `hugetlb_entry` per huge page of the VMA's hstate,
    /// the entry from `huge_ptep_get()` — on arm64 (arch/arm64/mm/hugetlbpage.c) the block's first
    /// PTE with young and dirty ORed over `find_num_contig()` entries; `hugetlb_walk()` returning
    /// NULL (`huge_pte_offset()`: for `CONT_PTE_SIZE` a none PMD gives NULL; for `PMD_SIZE` a none
    /// PMD still gives its pointer) is `pte_hole(addr, next, -1)`.
    @Test func hugetlbVMAsAreWalkedPerHugePage() throws {
        let checked = try built(.arm64_4k, [
            .mmap(span(0, 2.MiB), VMASpec(flags: [.read, .write], hugetlbShift: 16)),
            .mmap(span(2.MiB, 6.MiB), VMASpec(flags: [.read, .write], hugetlbShift: 21)),
            mapFolio(0, order: 4, leaf: .pte, contiguous: true), .dirty(span(4.KiB, 8.KiB)),
            mapFolio(4.MiB, order: 9, leaf: .pmd),
        ])
        let pfn: UInt64 = 0x100
        let items = try ReferenceWalk.entries(in: checked.space, range: span(0, 6.MiB))
        #expect(items[0] == item(0, 64.KiB, .pte, .leaf(pfn: pfn, attributes: freshRWArm.union([.dirty, .contiguous]))))
        #expect(items[1] == item(64.KiB, 128.KiB, .pte, .none))   // the PTE table is there: a none huge page
        #expect(items.count == 32 + 2)
        // The 2 MiB VMA: its first huge page's PMD is none, but the PUD table holds it: a none item, not a hole.
        #expect(items[32] == item(2.MiB, 4.MiB, .pmd, .none))
        #expect(items[33] == item(4.MiB, 6.MiB, .pmd, .leaf(pfn: 0x200, attributes: freshRWArm)))
        // The unified view: the contiguous huge page as its sixteen PTEs.
        let unified = try ReferenceWalk.entries(in: checked.space, range: span(0, 64.KiB), flags: .unifiedHugetlb)
        #expect(unified.count == 16 && unified.allSatisfy { $0.level == .pte && $0.range.size == 4.KiB })
        // Before anything is mapped, a CONT_PTE huge page has no PTE table: NULL, a depth -1 hole.
        let empty = try built(.arm64_4k, [.mmap(span(0, 2.MiB), VMASpec(flags: [.read, .write], hugetlbShift: 16))])
        #expect(try ReferenceWalk.entries(in: empty.space, range: span(0, 64.KiB)) == [.vmaHole(span(0, 64.KiB), format: .arm64_4k)])
        try expectDesignsConform(checked.space, ranges: [span(0, 6.MiB), span(8.KiB, 3.MiB)], lookups: [4.KiB, 4.MiB])
        for query in [WalkQuery.entries(span(0, 6.MiB), .unifiedHugetlb), .entries(span(0, 6.MiB), .skipNone)] {
            let designs = DesignSet(entryWalkers: Designs.entryWalkers)
            #expect(Conformance.check(designs, in: checked.space, query: query).isEmpty)
        }
    }

    /// mm/hugetlb.c `hugetlb_vm_op_split()`: a hugetlb VMA splits only on a huge page boundary
    /// (`-EINVAL`); a hugetlb fault maps one whole huge page. Both are refused here, changing nothing.
    @Test func hugetlbVMAsSplitOnlyAtHugePages() throws {
        var checked = try built(.arm64_4k, [.mmap(span(0, 2.MiB), VMASpec(flags: [.read, .write], hugetlbShift: 16))])
        #expect(throws: PageTableError.unalignedAddress(4.KiB, alignment: 64.KiB, role: "a boundary inside a hugetlb VMA")) {
            try checked.apply(.mprotect(span(4.KiB, 64.KiB), .readOnly))
        }
        #expect(throws: PageTableError.self) { try checked.apply(mapFolio(0, order: 0)) }
        #expect(try checked.apply(.mprotect(span(64.KiB, 128.KiB), .readOnly)).isEmpty)
        #expect(checked.space.vmas?.vmas.count == 3)
    }

    /// The census counts the VMA cells a case reaches (and the campaign aims at them).
    @Test func theCensusCountsVMACells() {
        let testCase = TestCase(format: .x86_64_4level, operations: [
            .mmap(span(2.MiB, 4.MiB), anonRW), mapFolio(2.MiB, order: 9, leaf: .pmd), .mprotect(span(2.MiB + page, 2.MiB + 2 * page), .readOnly),
            .mmap(span(4.MiB, 5.MiB), VMASpec(flags: [.read, .pfnmap])),
        ], queries: [.folios(span(2.MiB, 4.MiB), .batchDefault), .entries(span(0, 8.MiB), []), .lookup(1.MiB, [])])
        var census = CoverageCensus()
        census.record(testCase)
        let counts = census.counts
        for cell in ["vma run-cut", "vma hole gap", "vma hole pfnmap", "vma lookup outside"] {
            #expect(counts[cell, default: 0] > 0, "\(cell) not counted")
        }
        #expect(counts["vma block-across", default: 0] == 0)
    }

    /// Checks every shipped design against the oracle on `space`.
    private func expectDesignsConform(_ space: AddressSpace, ranges: [AddressRange], lookups: [UInt64],
                                      sourceLocation: SourceLocation = #_sourceLocation) throws {
        let designs = DesignSet(entryWalkers: Designs.entryWalkers, folioWalkers: Designs.folioWalkers, lookups: Designs.lookups)
        var queries: [WalkQuery] = lookups.map { .lookup($0, []) }
        for range in ranges { queries += [.entries(range, []), .entries(range, .coalesceContiguous), .folios(range, .batchDefault), .folios(range, [])] }
        for query in queries {
            let failures = Conformance.check(designs, in: space, query: query)
            #expect(failures.isEmpty, "\(failures)", sourceLocation: sourceLocation)
        }
    }
}

/// Records the recursive walk's callbacks.
private struct CallbackLog: PageWalkOps {
    var events: [String] = []
    var failPreAt: UInt64?

    mutating func directoryEntry(_ entry: Entry, level: Level, range: AddressRange, slotStart: UInt64, table: TableHandle,
                                 _ emit: (Never) -> Void) -> WalkAction {
        .subtree
    }
    mutating func pteEntry(_ entry: Entry, level: Level, inHugepd: Bool, range: AddressRange, slotStart: UInt64, table: TableHandle,
                           _ emit: (Never) -> Void) {
        events.append("pte 0x\(String(range.start, radix: 16))")
    }
    mutating func hole(_ range: AddressRange, level: Level, _ emit: (Never) -> Void) {
        events.append("hole \(level) 0x\(String(range.start, radix: 16))")
    }
    mutating func vmaHole(_ range: AddressRange, _ emit: (Never) -> Void) { events.append("hole -1 0x\(String(range.start, radix: 16))") }
    mutating func testWalk(_ vma: VMA, range: AddressRange, _ emit: (Never) -> Void) -> VMATest {
        events.append("test 0x\(String(range.start, radix: 16))")
        guard vma.flags.contains(.pfnmap) else { return .walk }
        vmaHole(range, emit)
        return .skip
    }
    mutating func preVMA(_ vma: VMA, range: AddressRange) -> Bool {
        events.append("pre 0x\(String(range.start, radix: 16))")
        return range.start != failPreAt
    }
    mutating func postVMA(_ vma: VMA, _ emit: (Never) -> Void) { events.append("post 0x\(String(vma.range.start, radix: 16))") }
}
