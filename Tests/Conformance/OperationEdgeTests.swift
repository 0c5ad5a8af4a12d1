import Testing
import PageTable
import Oracle

/// Operation edge cases: splits that straddle a range edge, partial unfolds, reclaim of a table's last entry.
@Suite struct OperationEdgeTests {
    @Test func unmapSplitsAPMDLeafThatStraddlesItsStart() throws {
        let checked = try built(.x86_64_4level, [mapFolio(2.MiB, order: 9, leaf: .pmd), .unmap(span(2.MiB, 2.MiB + 4.KiB))])
        let items = try ReferenceWalk.entries(in: checked.space, range: span(2.MiB, 4.MiB))
        #expect(items.count == 512)
        #expect(items.first == item(2.MiB, 2.MiB + 4.KiB, .pte, .none))
        #expect(items[1] == item(2.MiB + 4.KiB, 2.MiB + 8.KiB, .pte, .leaf(pfn: 0x201, attributes: freshRW)))
        #expect(items.last == item(4.MiB - 4.KiB, 4.MiB, .pte, .leaf(pfn: 0x3ff, attributes: freshRW)))
    }

    @Test func protectStraddlingAPUDLeafSplitsItTwice() throws {
        // A 1 GiB leaf protected on one page becomes 511 PMD leaves and one PTE table.
        let checked = try built(.x86_64_4level, [mapFolio(1.GiB, order: 18, leaf: .pud), .protect(span(1.GiB, 1.GiB + 4.KiB), .readOnly)])
        let items = try ReferenceWalk.entries(in: checked.space, range: span(1.GiB, 1.GiB + 4.MiB))
        #expect(items[0] == item(1.GiB, 1.GiB + 4.KiB, .pte, .leaf(pfn: 0x4_0000, attributes: [.user, .young, .softDirty])))
        #expect(items[1] == item(1.GiB + 4.KiB, 1.GiB + 8.KiB, .pte, .leaf(pfn: 0x4_0001, attributes: freshRW)))
        #expect(items.last == item(1.GiB + 2.MiB, 1.GiB + 4.MiB, .pmd, .leaf(pfn: 0x4_0200, attributes: freshRW)))
    }

    @Test func partialUnmapUnfoldsAContiguousBlock() throws {
        let checked = try built(.arm64_4k, [mapFolio(64.KiB, order: 4, contiguous: true), .unmap(span(0x1_3000, 0x1_4000))])
        let items = try ReferenceWalk.entries(in: checked.space, range: span(64.KiB, 128.KiB), flags: .coalesceContiguous)
        #expect(items.count == 16)
        #expect(items.allSatisfy { if case .leaf(_, let a) = $0.entry { !a.contains(.contiguous) } else { true } })
        #expect(items[3] == item(0x1_3000, 0x1_4000, .pte, .none))
    }

    @Test func unfoldSpreadsYoungAndDirtyToEveryEntry() throws {
        var checked = try built(.arm64_4k, [mapFolio(64.KiB, order: 4, contiguous: true), .dirty(span(64.KiB, 68.KiB))])
        #expect(try checked.apply(.unfold(0x1_5000)).isEmpty)
        let items = try ReferenceWalk.entries(in: checked.space, range: span(64.KiB, 128.KiB))
        #expect(items.allSatisfy { $0.entry == .leaf(pfn: 0x100 + ($0.range.start - 64.KiB) / 4.KiB, attributes: freshRWArm.union(.dirty)) })
    }

    @Test func foldNeedsOneFolioAndEqualProtection() throws {
        var checked = try built(.arm64_4k, [mapFolio(64.KiB, order: 4), .protect(span(64.KiB, 68.KiB), .readOnly)])
        #expect(try checked.apply(.fold(64.KiB)).isEmpty)
        #expect(try ReferenceWalk.lookup(in: checked.space, address: 64.KiB).entry == .leaf(pfn: 0x100, attributes: [.user, .young]))
        #expect(try checked.apply(.protect(span(64.KiB, 68.KiB), .readWrite)).isEmpty)
        #expect(try checked.apply(.fold(72.KiB)).isEmpty)
        #expect(try ReferenceWalk.lookup(in: checked.space, address: 64.KiB).entry == .leaf(pfn: 0x100, attributes: freshRWArm.union(.contiguous)))
    }

    @Test func reclaimFreesATableAfterItsLastEntryGoes() throws {
        var checked = try built(.x86_64_4level, [mapFolio(4.KiB, order: 0), .unmap(span(4.KiB, 8.KiB))])
        #expect(checked.space.tables.liveTables.count == 4)  // PGD, PUD, PMD and the empty PTE table
        #expect(try ReferenceWalk.entries(in: checked.space, range: span(0, 8.KiB)).map(\.level) == [.pte, .pte])
        #expect(try checked.apply(.reclaim(span(0, 2.MiB))).isEmpty)
        #expect(checked.space.tables.liveTables.count == 3)
        #expect(try ReferenceWalk.entries(in: checked.space, range: span(0, 8.KiB)) == [item(0, 8.KiB, .pmd, .none)])
        #expect(try checked.apply(.reclaim(span(0, 1 << 48))).isEmpty)
        #expect(checked.space.tables.liveTables == [checked.space.root])
    }

    @Test func reclaimLeavesTablesThatStillMapPages() throws {
        var checked = try built(.x86_64_4level, [mapFolio(4.KiB, order: 0)])
        #expect(try checked.apply(.reclaim(span(0, 1 << 48))).isEmpty)
        #expect(checked.space.tables.liveTables.count == 4)
    }

    @Test func moveKeepsALeafWhenAlignedAndSplitsItOtherwise() throws {
        var checked = try built(.x86_64_4level, [mapFolio(2.MiB, order: 9, leaf: .pmd), .move(span(2.MiB, 4.MiB), to: 8.MiB)])
        #expect(try ReferenceWalk.entries(in: checked.space, range: span(8.MiB, 10.MiB)).map(\.level) == [.pmd])
        #expect(try checked.apply(.move(span(8.MiB, 10.MiB), to: 20.MiB + 64.KiB)).isEmpty)
        let items = try ReferenceWalk.entries(in: checked.space, range: span(20.MiB + 64.KiB, 22.MiB + 64.KiB), flags: .skipNone)
        #expect(items.count == 512 && items.allSatisfy { $0.level == .pte })
        #expect(items[0].entry == .leaf(pfn: 0x200, attributes: freshRW))
    }

    @Test func swapOutSplitsAnonymousLeavesAndDropsFilePages() throws {
        var checked = try built(.x86_64_4level, [mapFolio(2.MiB, order: 9, leaf: .pmd), mapFolio(4.MiB, order: 9, kind: .file, leaf: .pmd)])
        #expect(try checked.apply(.swapOut(span(2.MiB, 6.MiB))).isEmpty)
        let items = try ReferenceWalk.entries(in: checked.space, range: span(2.MiB, 6.MiB), flags: .skipNone)
        #expect(items.count == 512)
        #expect(items[0].entry == .nonPresent(SwapEntry(kind: .swap(type: 0), offset: 1, flags: [.exclusive, .softDirty])))
        #expect(items[511].entry == .nonPresent(SwapEntry(kind: .swap(type: 0), offset: 512, flags: [.exclusive, .softDirty])))
    }

    @Test func migrationOfAPMDLeafMakesAPMDMigrationEntryAndRestoresIt() throws {
        var checked = try built(.x86_64_4level, [mapFolio(2.MiB, order: 9, leaf: .pmd), .startMigration(span(2.MiB, 4.MiB))])
        let migrating = try ReferenceWalk.entries(in: checked.space, range: span(2.MiB, 4.MiB))
        #expect(migrating == [item(2.MiB, 4.MiB, .pmd, .nonPresent(SwapEntry(kind: .migrationWrite, offset: 0x200, flags: [.young, .softDirty])))])
        #expect(try checked.apply(.finishMigration(span(3.MiB, 4.MiB))).isEmpty)
        let items = try ReferenceWalk.entries(in: checked.space, range: span(2.MiB, 4.MiB))
        #expect(items.count == 512)
        #expect(items[0].entry == .nonPresent(SwapEntry(kind: .migrationWrite, offset: 0x200, flags: [.young, .softDirty])))
        #expect(items[256].entry == .leaf(pfn: 0x300, attributes: freshRW))
    }

    @Test func guardMarkersReplaceMappingsAndOtherMarkersCombine() throws {
        var checked = try built(.x86_64_4level, [mapFolio(0, order: 1), .installMarker(span(8.KiB, 12.KiB), .uffdWP)])
        #expect(try checked.apply(.installMarker(span(4.KiB, 12.KiB), .guardRegion)).isEmpty)
        #expect(try checked.apply(.installMarker(span(0, 12.KiB), .poisoned)).isEmpty)
        let items = try ReferenceWalk.entries(in: checked.space, range: span(0, 12.KiB))
        #expect(items.map(\.entry) == [.leaf(pfn: 0x100, attributes: freshRW), .nonPresent(.marker([.guardRegion, .poisoned])),
                                       .nonPresent(.marker([.guardRegion, .poisoned]))])
    }

    @Test func protNoneIsPresentAndNotContiguous() throws {
        var checked = try built(.arm64_4k, [mapFolio(64.KiB, order: 4, contiguous: true)])
        #expect(try checked.apply(.protect(span(64.KiB, 128.KiB), .none)).isEmpty)
        #expect(try ReferenceWalk.lookup(in: checked.space, address: 64.KiB).entry == .leaf(pfn: 0x100, attributes: [.young, .protNone]))
        #expect(try ReferenceWalk.folios(in: checked.space, range: span(64.KiB, 128.KiB)).count == 1)
    }

    @Test func collapseMakesOneLeafFromPTEsOfOneFolio() throws {
        var checked = try built(.x86_64_4level, [mapFolio(2.MiB, order: 9), .dirty(span(3.MiB, 3.MiB + 4.KiB))])
        #expect(try checked.apply(.collapse(2.MiB, level: .pmd)).isEmpty)
        #expect(try ReferenceWalk.entries(in: checked.space, range: span(2.MiB, 4.MiB))
                == [item(2.MiB, 4.MiB, .pmd, .leaf(pfn: 0x200, attributes: freshRW.union(.dirty)))])
        #expect(checked.space.tables.liveTables.count == 3)
    }

    @Test func mappingBasePagesUnderAHugepdConvertsIt() throws {
        let checked = try built(.powerpc_hugepd, [mapFolio(0, order: 4, hugepd: true), mapFolio(64.KiB, order: 0)])
        let items = try ReferenceWalk.entries(in: checked.space, range: span(0, 68.KiB), flags: .skipNone)
        #expect(items.count == 17 && items.allSatisfy { $0.level == .pte && !$0.inHugepd })
    }
}
