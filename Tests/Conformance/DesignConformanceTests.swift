import Testing
import PageTable
import Oracle
import Implementations
import Generators

/// Every design against the oracle, on every format: same results, no slot read twice, and no more
/// slots read than the walk must inspect.
@Suite struct DesignConformanceTests {
    /// Every design this package ships.
    static let shipped = DesignSet(entryWalkers: Designs.entryWalkers, folioWalkers: Designs.folioWalkers,
                                             lookups: Designs.lookups)

    /// Checks every design that serves `query` on `space`, returning each failure.
    static func failures(in space: AddressSpace, _ query: WalkQuery) -> [Conformance.Failure] {
        Conformance.check(shipped, in: space, query: query)
    }

    /// The queries every known-answer tree is walked with: the whole arena, ranges starting inside
    /// leaves and blocks, the top of the address space, every flag combination.
    static func queries(for format: Format, around interesting: [UInt64]) -> [WalkQuery] {
        var queries: [WalkQuery] = []
        let page = format.pageSize
        for start in interesting {
            for end in [start + page, start + 3 * page, start + 64.KiB + page, start + 4.MiB] where end <= format.top {
                let range = AddressRange(start: start, end: end)
                for raw in 0..<4 { queries.append(.entries(range, EntryWalkFlags(rawValue: UInt8(raw)))) }
                for flags: FolioWalkFlags in [.batchDefault, [], [.ignoreYoung, .ignoreDirty], .batchDefault.union(.mergeIgnored),
                                              [.includeZeroPage, .includeMigration, .ignoreYoung]] {
                    queries.append(.folios(range, flags))
                }
            }
            for flags: LookupFlags in [[], [.includeZeroPage, .includeMigration]] { queries.append(.lookup(start, flags)) }
        }
        let top = format.top
        let nearTop = top - min(top, 4.MiB)
        queries.append(.entries(AddressRange(start: nearTop, end: top), []))
        queries.append(.folios(AddressRange(start: nearTop, end: top), .batchDefault))
        queries.append(.lookup(top - page, []))
        queries.append(.entries(AddressRange(start: 0x3000, end: 0x1000), []))
        return queries
    }

    static let trees: [(String, Format, [Operation], [UInt64])] = [
        ("x86 PMD leaf", .x86_64_4level, [mapFolio(2.MiB, order: 9, leaf: .pmd), mapFolio(8.MiB, order: 2)],
         [0, 2.MiB, 2.MiB + 4.KiB, 8.MiB + 4.KiB]),
        ("x86-5 holes", .x86_64_5level, [mapFolio(2.MiB, order: 9, leaf: .pmd)], [0, 512.GiB, 2.MiB + 12.KiB]),
        ("arm64 blocks", .arm64_4k, [mapFolio(64.KiB, order: 4, contiguous: true), .dirty(span(0x1_f000, 0x2_0000)),
                                     mapFolio(128.KiB, order: 4, contiguous: true), mapFolio(32.MiB, order: 13, leaf: .pmd, contiguous: true)],
         [64.KiB, 0x1_3000, 128.KiB - 4.KiB, 33.MiB]),
        ("arm64 64K", .arm64_64k, [mapFolio(512.MiB, order: 13, leaf: .pmd), mapFolio(2.MiB, order: 5, contiguous: true)],
         [2.MiB, 2.MiB + 64.KiB, 512.MiB + 64.KiB]),
        ("riscv napot", .riscv_sv39, [mapFolio(64.KiB, order: 4, contiguous: true), mapFolio(1.GiB, order: 18, leaf: .pud)],
         [64.KiB, 0x1_5000, 1.GiB + 4.KiB]),
        ("ppc hugepd", .powerpc_hugepd, [mapFolio(64.KiB, order: 4, hugepd: true), mapFolio(1.GiB + 16.MiB, order: 12, hugepd: true)],
         [0, 64.KiB, 0x1_8000, 1.GiB + 17.MiB]),
        // Folios back to back in frame order: one word pattern runs across them, and each folio's
        // first page (dirty here, or young) must still start a run with its own attributes; a hole
        // inside a folio must end its batch.
        ("x86 adjacent folios", .x86_64_4level, [mapFolio(1.MiB, order: 4), mapFolio(1.MiB + 64.KiB, order: 4),
                                                 mapFolio(1.MiB + 128.KiB, order: 4), mapFolio(1.MiB + 192.KiB, order: 2),
                                                 .dirty(span(1.MiB + 64.KiB, 1.MiB + 68.KiB)), .dirty(span(1.MiB + 132.KiB, 1.MiB + 136.KiB)),
                                                 .unmap(span(1.MiB + 140.KiB, 1.MiB + 144.KiB))],
         [1.MiB, 1.MiB + 60.KiB, 1.MiB + 64.KiB]),
        // Folios in frame order, mapped in address order with equal attributes, one of them across
        // a PTE table's end: the chain grows in the first table, and the second table's first batch
        // starts inside that folio and takes the chain on; the folios after it start at their page 0.
        ("x86 chain across tables", .x86_64_4level, (0..<8).map { mapFolio(2.MiB - 312.KiB + UInt64($0) * 64.KiB, order: 4) },
         [2.MiB - 312.KiB, 2.MiB - 4.KiB, 2.MiB]),
        ("arm64 adjacent folios", .arm64_4k, [mapFolio(1.MiB, order: 4), mapFolio(1.MiB + 64.KiB, order: 4, contiguous: true),
                                              mapFolio(1.MiB + 128.KiB, order: 4), mapFolio(1.MiB + 192.KiB, order: 5),
                                              .dirty(span(1.MiB + 128.KiB, 1.MiB + 132.KiB)), .age(span(1.MiB + 200.KiB, 1.MiB + 204.KiB)),
                                              .unmap(span(1.MiB + 144.KiB, 1.MiB + 148.KiB))],
         [1.MiB, 1.MiB + 60.KiB, 1.MiB + 124.KiB]),
        ("tiny", .tiny, [mapFolio(16.KiB, order: 2, leaf: .pmd), mapFolio(0, order: 1, contiguous: true),
                         .map(address: 32.KiB, source: .zeroPage(pageCount: 3), writable: false, shape: MapShape()),
                         .startMigration(span(16.KiB, 32.KiB))], [0, 4.KiB, 20.KiB, 36.KiB]),
    ]

    @Test(arguments: trees.indices)
    func knownTrees(index: Int) throws {
        let (name, format, operations, interesting) = Self.trees[index]
        let space = try built(format, operations).space
        for query in Self.queries(for: format, around: interesting) {
            for failure in Self.failures(in: space, query) { Issue.record("\(name): \(failure)") }
        }
    }

    /// `flat`'s cursor level packs every value `Format` lets a level have into one word and gives
    /// it back: the largest shift, block and hugepd index mask the validation allows (a root entry
    /// of up to 2^56 bytes over base pages of 2^12 bytes: 2^44 hugepd entries), and the smallest.
    @Test(arguments: [(Level.pte, false, true, UInt64(63), UInt64(1) << 44 - 1, 64),
                      (Level.pgd, true, false, UInt64(12), UInt64(0), 1),
                      (Level.pmd, false, false, UInt64(21), UInt64(1) << 16 - 1, 16)])
    func flatCursorLevelHoldsFormatsBounds(level: Level, holdsTables: Bool, inHugepd: Bool, shift: UInt64, mask: UInt64, block: Int) {
        let packed = FlatWalkIterator<DirectReader>.CursorLevel(level: level, inHugepd: inHugepd, entryShift: shift, indexMask: mask,
                                                                 contiguousEntries: block, holdsTables: holdsTables)
        #expect(packed.level == level)
        #expect(packed.inHugepd == inHugepd)
        #expect(packed.holdsTables == holdsTables)
        #expect(packed.entryShift == shift)
        #expect(packed.indexMask == mask)
        #expect(packed.contiguousEntries == block)
    }

    /// A design that re-reads the upper levels for every page must fail the read bound.
    @Test func rereadingUpperLevelsFailsTheReadBound() throws {
        let space = try built(.x86_64_4level, [mapFolio(0, order: 4)]).space
        let failure = Conformance.check(RereadingWalker(), in: space, range: span(0, 64.KiB), flags: [])
        #expect(failure?.detail.contains("twice") == true)
    }
}

/// A deliberately wasteful design: one full walk from the root per page (correct results, too many reads).
struct RereadingWalker: EntryWalkDesign {
    let name = "rereading"
    func walkEntries<R: TableReader>(_ reader: R, range: AddressRange, flags: EntryWalkFlags,
                                     _ visit: (EntryWalkItem) -> Void) throws(PageTableError) {
        let lookup = LookupWalker()
        var address = range.start
        while address < range.end {
            let result = try lookup.lookup(reader, address: address, flags: [])
            let end = min(address + result.skip, range.end)
            if !(flags.contains(.skipNone) && result.entry.isNone) {
                visit(EntryWalkItem(range: AddressRange(start: address, end: end), level: result.level, inHugepd: result.inHugepd, entry: result.entry))
            }
            address = end
        }
    }
}
