import Testing
import PageTable
import Oracle
import Implementations
import Generators
import Mutants

/// Racing walks (SEMANTICS.md, "Racing walks"): known answers from mm/pagewalk.c, mm/gup.c,
/// mm/pgtable-generic.c, mm/pt_reclaim.c and arch/arm64/mm/contpte.c (v6.18), each expected value
/// worked out from the code named, never from the oracle; the harness's own checks (use-after-free,
/// lock misuse) seen failing on walkers written here to break them; and the shipped designs raced
/// exhaustively on tiny.
@Suite struct RaceTests {
    let page: UInt64 = 4.KiB
    static let shipped = DesignSet(entryWalkers: Designs.entryWalkers, folioWalkers: Designs.folioWalkers, lookups: Designs.lookups)

    /// Walks `range` with `design` raced by `schedule`, returning the items and the race.
    func racedEntries(_ design: some EntryWalkDesign, _ space: AddressSpace, _ range: AddressRange,
                      _ schedule: [RaceStep]) throws -> (items: [EntryWalkItem], race: RacingReader.Race) {
        let race = RacingReader.Race(space: space, schedule: schedule) { _ in 10_000 }
        var items: [EntryWalkItem] = []
        try design.walkEntries(RacingReader(race), range: range, flags: []) { items.append($0) }
        race.finish()
        return (items, race)
    }

    /// A file folio of four pages in the first PTE table of tiny (16 KiB), the pfn of its first page.
    func filePTEs() throws -> (space: AddressSpace, pfn: UInt64) {
        let checked = try built(.tiny, [mapFolio(0, order: 2, kind: .file)])
        return (checked.space, checked.space.memory.folios.last!.pfn)
    }

    /// mm/pagewalk.c, `walk_pte_range()`: `pte_offset_map_lock()` returns NULL when the PMD no longer
    /// points at the table, and the walk sets `walk->action = ACTION_AGAIN`; `walk_pmd_range()` goes
    /// back to `again:` and reads the PMD, now a leaf (khugepaged's `collapse_pte_mapped_thp()`
    /// installed it), so the walk reports one PMD entry for the span instead of four PTEs.
    /// Scheduling points of a walk of [0, 16 KiB) on tiny: the PGD read (1), the PMD read (2), the
    /// lock (3); the collapse runs after the second.
    @Test func aFailedPTELockMakesTheWalkReadThePMDAgain() throws {
        let (space, pfn) = try filePTEs()
        let leaf = Entry.leaf(pfn: pfn, attributes: freshRWArm)
        // The same moment named two ways: after the second point, and just before the first lock.
        for step in [RaceStep(point: 2, racer: .collapse(0)), RaceStep(lock: 1, offset: 0, racer: .collapse(0))] {
            for design in Designs.entryWalkers {
                let (items, race) = try racedEntries(design, space, span(0, 16.KiB), [step])
                #expect(race.misuse == nil, "\(design.name): \(race.misuse ?? "")")
                #expect(race.ran.map(\.point) == [2], "\(design.name) \(step)")
                #expect(race.events.failedLocks == 1, "\(design.name) \(step): \(race.events)")
                #expect(items == [item(0, 16.KiB, .pmd, leaf)], "\(design.name) \(step): \(items)")
            }
        }
        // The same race, judged: every shipped design conforms; the one that skips the span fails.
        let schedule = [RaceStep(point: 2, racer: .collapse(0))]
        let query = WalkQuery.entries(span(0, 32.KiB), [])
        #expect(RaceConformance.check(Self.shipped, in: space, query: query, schedule: schedule).isEmpty)
        let skipping = MutantCatalog.designs.only("mutant-no-retry-after-failed-lock")
        let failure = try #require(RaceConformance.check(skipping, in: space, query: query, schedule: schedule).first)
        #expect(failure.detail.contains("were not reported"), "\(failure.detail)")
    }

    /// mm/memory.c, `zap_pte_range()` takes the PTE lock with `pte_offset_map_lock()`; a walker
    /// holding it (`walk_pte_range()`) keeps the zap out until `pte_unmap_unlock()`. The walk sees
    /// the four pages, and the zap runs after the unlock, not at its scheduled point.
    @Test func aWriterWaitsForThePTELockTheWalkerHolds() throws {
        let (space, pfn) = try filePTEs()
        // Points of the recursive walk: PGD read 1, PMD read 2, lock 3, PTE reads 4-7, unlock 8.
        let (items, race) = try racedEntries(RecursiveWalker(), space, span(0, 16.KiB), [RaceStep(point: 4, racer: .zap(span(0, 16.KiB)))])
        let pages: [EntryWalkItem] = (0..<UInt64(4)).map { index in
            item(index * page, (index + 1) * page, .pte, .leaf(pfn: pfn + index, attributes: freshRWArm))
        }
        #expect(items == pages)
        #expect(race.ran.map(\.point) == [8])
        #expect(race.misuse == nil)
        #expect(race.events.waits == 1 && race.events.failedLocks == 0 && race.events.freedUnderReader == 0, "\(race.events)")
        // PT_RECLAIM (mm/pt_reclaim.c): the zap covered the table whole and left it empty, so it was freed.
        #expect(race.space.tables.liveTables.count == 2)
    }

    /// The first PMD table of a tiny tree, its first slot's word and the PTE table's frame it points to.
    static func firstPTETable<R: TableReader>(_ reader: R) -> (pmdTable: TableHandle, word: UInt64, ptePFN: UInt64)? {
        let format = reader.space.format
        guard case .table(let pfn) = format.decode(reader.read(reader.root, 0), at: .pgd, address: 0),
              let pmdTable = reader.table(atPFN: pfn) else { return nil }
        let word = reader.read(pmdTable, 0)
        guard case .table(let ptePFN) = format.decode(word, at: .pmd, address: 0) else { return nil }
        return (pmdTable, word, ptePFN)
    }

    /// A walker written to read a PTE table through a pointer it resolved itself, without
    /// `pte_offset_map()`: after PT_RECLAIM frees the table (`free_pte()` → `pte_free_tlb()`, RCU)
    /// and no RCU reader holds the grace period open, the read is a use-after-free. The same walker
    /// mapping the table first reads it "valid though empty and disconnected" (mm/pgtable-generic.c).
    struct PTEReader: EntryWalkDesign {
        let name = "pte-reader"
        let maps: Bool
        func walkEntries<R: TableReader>(_ reader: R, range: AddressRange, flags: EntryWalkFlags,
                                         _ visit: (EntryWalkItem) -> Void) throws(PageTableError) {
            let format = reader.space.format
            guard let (pmdTable, word, ptePFN) = RaceTests.firstPTETable(reader) else { return }
            let table = maps ? reader.mapPTETable(atPFN: ptePFN, parent: pmdTable, 0, expecting: word)! : reader.table(atPFN: ptePFN)!
            for index in 0..<4 {
                let entry = format.decode(reader.read(table, index), at: .pte, address: UInt64(index) << 12)
                visit(EntryWalkItem(range: AddressRange(start: UInt64(index) << 12, end: UInt64(index + 1) << 12), level: .pte,
                                    inHugepd: false, entry: entry))
            }
            if maps { reader.unmapPTETable(table) }
        }
    }

    @Test func aTableReadAfterItsGracePeriodIsAUseAfterFree() throws {
        let checked = try built(.tiny, [mapFolio(0, order: 0)])
        // Points: PGD read 1, PMD read 2, (map 3,) PTE reads. The zap runs after the PMD read, or after the map.
        let zap = [RaceStep(point: 2, racer: .zap(span(0, 16.KiB)))]
        let unmapped = try racedEntries(PTEReader(maps: false), checked.space, span(0, 16.KiB), zap)
        #expect(unmapped.race.misuse?.hasPrefix("use-after-free: read slot 0 of table") == true, "\(unmapped.race.misuse ?? "none")")
        let mapped = try racedEntries(PTEReader(maps: true), checked.space, span(0, 16.KiB), [RaceStep(point: 3, racer: .zap(span(0, 16.KiB)))])
        #expect(mapped.race.misuse == nil)
        #expect(mapped.race.events.freedUnderReader == 1 && unmapped.race.events.freedUnderReader == 0)
        #expect(mapped.items.allSatisfy { $0.entry == .none })
        // Judged: the mapping walker's none PTEs are explained by the moment after the zap, but the
        // walk is still wrong for the oracle: the freed table's span is one PMD hole now.
        let judged = RaceConformance.run(DesignSet(entryWalkers: [PTEReader(maps: false)]), "pte-reader", in: checked.space,
                                         query: .entries(span(0, 16.KiB), []), schedule: zap)
        #expect(judged.failure?.detail.contains("use-after-free") == true)
    }

    /// Lock misuse: a walker that unlocks a table twice, and one that returns with it locked.
    struct Unlocker: EntryWalkDesign {
        let name = "unlocker"
        let twice: Bool
        func walkEntries<R: TableReader>(_ reader: R, range: AddressRange, flags: EntryWalkFlags,
                                         _ visit: (EntryWalkItem) -> Void) throws(PageTableError) {
            guard let (pmdTable, word, pfn) = RaceTests.firstPTETable(reader),
                  let table = reader.lockPTETable(atPFN: pfn, parent: pmdTable, 0, expecting: word) else { return }
            if twice {
                reader.unlockPTETable(table)
                reader.unlockPTETable(table)
            }
        }
    }

    @Test func lockMisuseFailsTheWalk() throws {
        let checked = try built(.tiny, [mapFolio(0, order: 0)])
        let twice = try racedEntries(Unlocker(twice: true), checked.space, span(0, 16.KiB), [])
        #expect(twice.race.misuse?.contains("not locked") == true, "\(twice.race.misuse ?? "none")")
        let leaked = try racedEntries(Unlocker(twice: false), checked.space, span(0, 16.KiB), [])
        #expect(leaked.race.misuse?.hasPrefix("returned holding the lock") == true, "\(leaked.race.misuse ?? "none")")
    }

    /// mm/gup.c, `gup_fast_pte_range()`: after reading the PTE, `pmd_val(pmd) !=
    /// pmd_val(pmdp_get_lockless(pmdp))` makes GUP-fast give up on the PTE; the lookup reads the PMD
    /// again. A zap with PT_RECLAIM between the PTE read and the re-check leaves a none PMD: the
    /// lookup reports it (the PMD level, the 16 KiB span), not the page it read from the freed table.
    /// Points: PGD read 1, PMD read 2, map 3, PTE read 4, re-check 5.
    @Test func theLocklessLookupRechecksThePMD() throws {
        let (space, _) = try filePTEs()
        let race = RacingReader.Race(space: space, schedule: [RaceStep(point: 4, racer: .zap(span(0, 16.KiB)))]) { _ in 10_000 }
        let result = try LookupWalker().lookup(RacingReader(race), address: 0, flags: [])
        race.finish()
        #expect(race.misuse == nil)
        #expect(race.ran.map(\.point) == [4])
        #expect(result.level == .pmd && result.entry == .none && result.skip == 16.KiB, "\(result)")
        // Without the re-check (no point 5), a zap between the map and the PTE read goes unseen:
        // the lookup reports a none PTE from the freed table, which no moment has.
        let mutant = MutantCatalog.designs.only("mutant-no-pmd-recheck")
        let early = [RaceStep(point: 3, racer: .zap(span(0, 16.KiB)))]
        #expect(RaceConformance.check(Self.shipped, in: space, query: .lookup(0, []), schedule: early).isEmpty)
        let failure = RaceConformance.check(mutant, in: space, query: .lookup(0, []), schedule: early).first
        #expect(failure?.detail.contains("which the oracle reports at no moment") == true, "\(failure?.detail ?? "no failure")")
    }

    /// arch/arm64/mm/contpte.c, `contpte_ptep_get_lockless()`: young and dirty of a block are ORed,
    /// and differences in them are not a reason to read again (they are masked before the compare).
    /// The MMU sets dirty on the block's first entry at every point of a lockless lookup: the
    /// result is dirty from the block's second entry whatever the point, and the shipped lookup
    /// conforms; the mutant that takes the changed entry for a broken block loses the dirty.
    @Test func theMMUSettingYoungOrDirtyIsToleratedInABlock() throws {
        let checked = try built(.tiny, [mapFolio(0, order: 1, contiguous: true), .dirty(span(4.KiB, 8.KiB))])
        let intolerant = MutantCatalog.designs.only("mutant-contiguous-young-dirty-intolerant")
        var killed = false
        for point in 1...8 {
            let schedule = [RaceStep(point: point, racer: .access(0, write: true))]
            #expect(RaceConformance.check(Self.shipped, in: checked.space, query: .lookup(0, []), schedule: schedule).isEmpty, "point \(point)")
            let race = RacingReader.Race(space: checked.space, schedule: schedule) { _ in 10_000 }
            let result = try LookupWalker().lookup(RacingReader(race), address: 0, flags: [])
            guard case .leaf(_, let attributes) = result.entry else { Issue.record("\(result)"); continue }
            #expect(attributes.isSuperset(of: [.young, .dirty, .contiguous]), "point \(point): \(result)")
            killed = killed || !RaceConformance.check(intolerant, in: checked.space, query: .lookup(0, []), schedule: schedule).isEmpty
        }
        #expect(killed)
        // Young and dirty between moments: a clean block, its first entry read, then the MMU writes
        // through the first page and reads through the second; the second entry, read after,
        // gives young alone, which no single moment has (clean, then young and dirty) but which
        // the bits took between them, so it conforms. Points: PGD 1, PMD 2, map 3, entries 4 and 5.
        let aged = try built(.tiny, [mapFolio(0, order: 1, contiguous: true), .age(span(0, 8.KiB))])
        let between = [RaceStep(point: 4, racer: .access(0, write: true)), RaceStep(point: 4, racer: .access(4.KiB, write: false))]
        let race = RacingReader.Race(space: aged.space, schedule: between) { _ in 10_000 }
        let result = try LookupWalker().lookup(RacingReader(race), address: 0, flags: [])
        #expect(result.entry == .leaf(pfn: aged.space.memory.folios.last!.pfn, attributes: [.writable, .user, .young, .contiguous]), "\(result)")
        #expect(RaceConformance.check(Self.shipped, in: aged.space, query: .lookup(0, []), schedule: between).isEmpty)
    }

    /// Every shipped design, every tree of tiny's race space, every walk, every racer at every
    /// scheduling point, and every ordered pair of racers on walks of at most six points.
    @Test func shippedDesignsSurviveEveryRacerAtEveryPoint() {
        let report = RaceExhaustive.run(designs: Self.shipped, pairPoints: 6)
        #expect(report.failures.isEmpty, "\(report.failures.map { "\($0.key): \($0.value.testCase.races) \($0.value.failure)" })")
        print("race exhaustive: \(report.states) trees, \(report.walks) walks, \(report.racedWalks) raced to the end")
        #expect(report.states >= 30 && report.racedWalks >= 50_000, "\(report.states) trees, \(report.racedWalks) raced walks")
    }

    /// Each race mutant (the issue's six bugs, the lock-and-retry one in two designs, and a map
    /// leaked as well as a lock) dies in the race mode with at most three operations and two racers, and
    /// its case replays: the saved file fails it again.
    @Test func everyRaceMutantDiesSmall() throws {
        let names = Fault.raceFaults.map { "mutant-\($0.rawValue)" }
        #expect(names.count == 9)
        for name in names {
            let report = RaceExhaustive.run(designs: MutantCatalog.designs.only(name), pairs: false)
            let found = try #require(report.failures[name], "\(name) survived")
            #expect(found.testCase.operations.count <= 3 && found.testCase.races.count <= 2, "\(name): \(found.testCase)")
            let text = CorpusFormat.text(of: CorpusCase(testCase: found.testCase, design: name))
            let replayed = try CorpusFormat.parse(text, file: name)
            #expect(CaseRunner.run(replayed.testCase, designs: MutantCatalog.designs.only(name)).failures[name] != nil, "\(name): \(text)")
        }
    }

    /// `race` lines: printed and parsed back; a bad one is an error naming the line.
    @Test func raceLinesRoundTripAndBadOnesAreRefused() throws {
        let text = """
            walkcheck-case 1
            format tiny
            map 0x0 file order 2 pages 0+4 rw leaf pte
            walk entries 0x0 0x8000 -
            race 2 collapse 0x0
            race 5 access 0x1000 write
            race 7 zap 0x0 0x4000
            race lock 1 0 split 0x0
            race lock 2 3 age 0x0 0x1000

            """
        let parsed = try CorpusFormat.parse(text, file: "t.case")
        #expect(parsed.testCase.races == [RaceStep(point: 2, racer: .collapse(0)), RaceStep(point: 5, racer: .access(0x1000, write: true)),
                                          RaceStep(point: 7, racer: .zap(span(0, 16.KiB))), RaceStep(lock: 1, offset: 0, racer: .split(0)),
                                          RaceStep(lock: 2, offset: 3, racer: .age(span(0, 4.KiB)))])
        #expect(CorpusFormat.text(of: parsed) == text)
        for (line, reason) in [("race 0 split 0x0", "race point 0"), ("race 3 teleport 0x0", "unknown racer"),
                               ("race 3 zap 0x0", "range end"), ("race 3 access 0x1000 jump", "unknown access"),
                               ("race 3 split 0x1001", "not page-aligned"), ("race 3 split 0x40000", "past"),
                               ("race lock 0 0 split 0x0", "lock number 0"), ("race lock 1 split 0x0", "race offset"),
                               ("race lock", "lock number")] {
            let bad = "walkcheck-case 1\nformat tiny\nwalk entries 0x0 0x8000 -\n\(line)\n"
            #expect { try CorpusFormat.parse(bad, file: "bad.case") } throws: { error in
                "\(error)".contains("bad.case:4") && "\(error)".contains(reason)
            }
        }
    }
}
