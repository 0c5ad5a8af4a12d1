import Testing
import PageTable
import Oracle

/// Hand-built trees whose walks are written out by hand. Folios are allocated from pfn 0x100 upward,
/// each aligned to its size: the first order-9 folio sits at pfn 0x200, an order-4 one at 0x100.
@Suite struct KnownAnswerTests {
    @Test func x86FourLevelPMDLeafAndHoles() throws {
        let f = Format.x86_64_4level
        let checked = try built(f, [mapFolio(2.MiB, order: 9, leaf: .pmd)])
        let space = checked.space
        // A range that starts inside the PMD leaf is clipped; the pfn is that of its first page.
        #expect(try ReferenceWalk.entries(in: space, range: span(0x20_1000, 0x20_3000))
                == [item(0x20_1000, 0x20_3000, .pmd, .leaf(pfn: 0x201, attributes: freshRW))])
        #expect(try ReferenceWalk.entries(in: space, range: span(0, 4.MiB))
                == [item(0, 2.MiB, .pmd, .none), item(2.MiB, 4.MiB, .pmd, .leaf(pfn: 0x200, attributes: freshRW))])
        #expect(try ReferenceWalk.entries(in: space, range: span(1.GiB, 1.GiB + 2.MiB)) == [item(1.GiB, 1.GiB + 2.MiB, .pud, .none)])
        // The P4D is folded: a hole past the first 512 GiB is a PGD hole, never a P4D one.
        #expect(try ReferenceWalk.entries(in: space, range: span(512.GiB, 512.GiB + 4.KiB)) == [item(512.GiB, 512.GiB + 4.KiB, .pgd, .none)])
        // A walk that ends exactly at the top of the 48-bit address space.
        let top: UInt64 = 1 << 48
        #expect(try ReferenceWalk.entries(in: space, range: span(top - 2.MiB, top)) == [item(top - 2.MiB, top, .pgd, .none)])
        #expect(try ReferenceWalk.entries(in: space, range: span(top - 2.MiB, top), flags: .skipNone) == [])
        let lookup = try ReferenceWalk.lookup(in: space, address: 0x20_1000)
        #expect(lookup == LookupResult(address: 0x20_1000, level: .pmd, inHugepd: false, entry: .leaf(pfn: 0x201, attributes: freshRW),
                                       folio: FolioID(rawValue: 1), pageIndex: 1, skip: 0x1f_f000))
        #expect(try ReferenceWalk.folios(in: space, range: span(0, 4.MiB))
                == [FolioRun(range: span(2.MiB, 4.MiB), folio: FolioID(rawValue: 1), firstPage: 0, level: .pmd, inHugepd: false, attributes: freshRW)])
        // PGD slot, PUD slot, PMD slot: three distinct slots for any walk inside the leaf.
        #expect(try ReferenceWalk.footprint(of: space, range: span(0x20_1000, 0x20_3000)) == 3)
    }

    @Test func x86FiveLevelHasARealP4D() throws {
        let f = Format.x86_64_5level
        let checked = try built(f, [mapFolio(2.MiB, order: 9, leaf: .pmd)])
        #expect(try ReferenceWalk.entries(in: checked.space, range: span(512.GiB, 512.GiB + 4.KiB)) == [item(512.GiB, 512.GiB + 4.KiB, .p4d, .none)])
        let top: UInt64 = 1 << 57
        #expect(try ReferenceWalk.entries(in: checked.space, range: span(top - 4.KiB, top)) == [item(top - 4.KiB, top, .pgd, .none)])
    }

    @Test func arm64ContiguousBlock() throws {
        let f = Format.arm64_4k
        var checked = try built(f, [mapFolio(64.KiB, order: 4, contiguous: true)])
        let cont = freshRWArm.union(.contiguous)
        // A range that starts inside a contiguous block: one item coalesced, one per entry otherwise.
        #expect(try ReferenceWalk.entries(in: checked.space, range: span(0x1_3000, 0x1_5000), flags: .coalesceContiguous)
                == [item(0x1_3000, 0x1_5000, .pte, .leaf(pfn: 0x103, attributes: cont))])
        #expect(try ReferenceWalk.entries(in: checked.space, range: span(0x1_3000, 0x1_5000))
                == [item(0x1_3000, 0x1_4000, .pte, .leaf(pfn: 0x103, attributes: cont)),
                    item(0x1_4000, 0x1_5000, .pte, .leaf(pfn: 0x104, attributes: cont))])
        // Dirty one entry: every entry of the block reports dirty (ORed, as ptep_get() on a contpte does).
        #expect(try checked.apply(.dirty(span(0x1_f000, 0x2_0000))).isEmpty)
        #expect(try ReferenceWalk.entries(in: checked.space, range: span(0x1_0000, 0x1_1000))
                == [item(0x1_0000, 0x1_1000, .pte, .leaf(pfn: 0x100, attributes: cont.union(.dirty)))])
        // Reading one entry of a block needs all 16: PGD, PUD, PMD slots plus the block.
        #expect(try ReferenceWalk.footprint(of: checked.space, range: span(0x1_3000, 0x1_4000)) == 3 + 16)
    }

    @Test func arm64ContiguousPMDs() throws {
        let checked = try built(.arm64_4k, [mapFolio(32.MiB, order: 13, leaf: .pmd, contiguous: true)])
        #expect(try ReferenceWalk.entries(in: checked.space, range: span(33.MiB, 35.MiB), flags: .coalesceContiguous)
                == [item(33.MiB, 35.MiB, .pmd, .leaf(pfn: 0x2100, attributes: freshRWArm.union(.contiguous)))])
    }

    @Test func arm64SixtyFourKGranule() throws {
        let checked = try built(.arm64_64k, [mapFolio(512.MiB, order: 13, leaf: .pmd), mapFolio(2.MiB, order: 5, contiguous: true)])
        // 64 KiB pages: the 512 MiB leaf's pfn is in 64 KiB frames; the order-5 folio follows the order-13 one.
        #expect(try ReferenceWalk.entries(in: checked.space, range: span(512.MiB + 64.KiB, 512.MiB + 192.KiB))
                == [item(512.MiB + 64.KiB, 512.MiB + 192.KiB, .pmd, .leaf(pfn: 0x2001, attributes: freshRWArm))])
        #expect(try ReferenceWalk.entries(in: checked.space, range: span(2.MiB, 4.MiB), flags: .coalesceContiguous)
                == [item(2.MiB, 4.MiB, .pte, .leaf(pfn: 0x4000, attributes: freshRWArm.union(.contiguous)))])
        // PUD and P4D are folded: a hole in PGD slot 1 is reported at the PGD.
        #expect(try ReferenceWalk.entries(in: checked.space, range: span(1 << 42, (1 << 42) + 64.KiB))
                == [item(1 << 42, (1 << 42) + 64.KiB, .pgd, .none)])
    }

    @Test func riscvNapotAndGigaLeaf() throws {
        let checked = try built(.riscv_sv39, [mapFolio(64.KiB, order: 4, contiguous: true), mapFolio(1.GiB, order: 18, leaf: .pud)])
        let lookup = try ReferenceWalk.lookup(in: checked.space, address: 0x1_5000)
        #expect(lookup.entry == .leaf(pfn: 0x105, attributes: freshRW.union(.contiguous)))
        #expect(lookup.skip == 4.KiB)
        // A 1 GiB leaf in the top table, whose entries Linux reads as PUDs on Sv39 (the PGD and
        // P4D fold at run time: arch/riscv/include/asm/pgtable-64.h, see LinuxRuleTests).
        #expect(try ReferenceWalk.entries(in: checked.space, range: span(1.GiB + 4.KiB, 1.GiB + 8.KiB))
                == [item(1.GiB + 4.KiB, 1.GiB + 8.KiB, .pud, .leaf(pfn: 0x4_0001, attributes: freshRW))])
    }

    @Test func powerpcHugepdLeaf() throws {
        let checked = try built(.powerpc_hugepd, [mapFolio(64.KiB, order: 4, hugepd: true)])
        // The hugepd table under PMD slot 0 holds 32 entries of 64 KiB.
        #expect(try ReferenceWalk.entries(in: checked.space, range: span(0, 256.KiB))
                == [item(0, 64.KiB, .pmd, .none, hugepd: true),
                    item(64.KiB, 128.KiB, .pmd, .leaf(pfn: 0x100, attributes: freshRW), hugepd: true),
                    item(128.KiB, 192.KiB, .pmd, .none, hugepd: true), item(192.KiB, 256.KiB, .pmd, .none, hugepd: true)])
        #expect(try ReferenceWalk.lookup(in: checked.space, address: 0x1_8000).skip == 0x8000)
    }

    @Test func powerpcHugepdUnderPUD() throws {
        // PUD slot 1 is empty: a 16 MiB page goes to a hugepd table under it.
        let checked = try built(.powerpc_hugepd, [mapFolio(1.GiB + 16.MiB, order: 12, hugepd: true)])
        #expect(try ReferenceWalk.entries(in: checked.space, range: span(1.GiB + 17.MiB, 1.GiB + 18.MiB))
                == [item(1.GiB + 17.MiB, 1.GiB + 18.MiB, .pud, .leaf(pfn: 0x1100, attributes: freshRW), hugepd: true)])
    }

    @Test func tinyFormat() throws {
        let checked = try built(.tiny, [mapFolio(16.KiB, order: 2, leaf: .pmd)])
        #expect(try ReferenceWalk.entries(in: checked.space, range: span(0, 256.KiB), flags: .skipNone)
                == [item(16.KiB, 32.KiB, .pmd, .leaf(pfn: 0x100, attributes: freshRWArm))])
        #expect(try ReferenceWalk.entries(in: checked.space, range: span(0, 64.KiB))
                == [item(0, 16.KiB, .pmd, .none), item(16.KiB, 32.KiB, .pmd, .leaf(pfn: 0x100, attributes: freshRWArm)),
                    item(32.KiB, 48.KiB, .pmd, .none), item(48.KiB, 64.KiB, .pmd, .none)])
    }

    @Test func folioWalkIgnoreSets() throws {
        // Two halves of one folio differ in dirty: one run when dirty is ignored, two when respected.
        var checked = try built(.x86_64_4level, [mapFolio(0, order: 2)])
        #expect(try checked.apply(.dirty(span(0, 8.KiB))).isEmpty)
        let folio = FolioID(rawValue: 1)
        let dirty = freshRW.union(.dirty)
        #expect(try ReferenceWalk.folios(in: checked.space, range: span(0, 16.KiB))
                == [FolioRun(range: span(0, 16.KiB), folio: folio, firstPage: 0, level: .pte, inHugepd: false, attributes: dirty)])
        #expect(try ReferenceWalk.folios(in: checked.space, range: span(8.KiB, 16.KiB))
                == [FolioRun(range: span(8.KiB, 16.KiB), folio: folio, firstPage: 2, level: .pte, inHugepd: false, attributes: freshRW)])
        #expect(try ReferenceWalk.folios(in: checked.space, range: span(4.KiB, 16.KiB), flags: FolioWalkFlags.batchDefault.union(.mergeIgnored))
                == [FolioRun(range: span(4.KiB, 16.KiB), folio: folio, firstPage: 1, level: .pte, inHugepd: false, attributes: dirty)])
        #expect(try ReferenceWalk.folios(in: checked.space, range: span(12.KiB, 16.KiB).clamped(to: span(0, 16.KiB))!, flags: [])
                == [FolioRun(range: span(12.KiB, 16.KiB), folio: folio, firstPage: 3, level: .pte, inHugepd: false, attributes: freshRW)])
        #expect(try ReferenceWalk.folios(in: checked.space, range: span(0, 16.KiB), flags: [.ignoreYoung, .ignoreWritable])
                == [FolioRun(range: span(0, 8.KiB), folio: folio, firstPage: 0, level: .pte, inHugepd: false, attributes: dirty),
                    FolioRun(range: span(8.KiB, 16.KiB), folio: folio, firstPage: 2, level: .pte, inHugepd: false, attributes: freshRW)])
    }

    @Test func zeroPageAndMigrationOnlyWhenAsked() throws {
        var checked = try built(.x86_64_4level, [
            .map(address: 0, source: .zeroPage(pageCount: 2), writable: true, shape: MapShape()), mapFolio(8.KiB, order: 1),
        ])
        #expect(try checked.apply(.startMigration(span(8.KiB, 16.KiB))).isEmpty)
        #expect(try ReferenceWalk.folios(in: checked.space, range: span(0, 16.KiB)) == [])
        let zero = FolioID(rawValue: 0), folio = FolioID(rawValue: 1)
        let runs = try ReferenceWalk.folios(in: checked.space, range: span(0, 16.KiB), flags: [.includeZeroPage, .includeMigration])
        // The zero page's PTE is special, young and user, not soft-dirty (mm/memory.c, do_anonymous_page()).
        #expect(runs == [
            FolioRun(range: span(0, 4.KiB), folio: zero, firstPage: 0, level: .pte, inHugepd: false, attributes: [.user, .young, .special]),
            FolioRun(range: span(4.KiB, 8.KiB), folio: zero, firstPage: 0, level: .pte, inHugepd: false, attributes: [.user, .young, .special]),
            FolioRun(range: span(8.KiB, 16.KiB), folio: folio, firstPage: 0, level: .pte, inHugepd: false,
                     attributes: [.writable, .young, .softDirty], migration: .migrationWrite),
        ])
        let lookup = try ReferenceWalk.lookup(in: checked.space, address: 0, flags: .includeZeroPage)
        #expect(lookup.folio == zero && lookup.pageIndex == nil)
        #expect(try ReferenceWalk.lookup(in: checked.space, address: 0).folio == nil)
    }
}
