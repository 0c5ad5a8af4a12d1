import Testing
import PageTable
import Oracle
import Generators
import Mutants
import Implementations
import Synchronization

/// A design that traps or loops does not take the run down: each runs in an exit test, and a loop
/// is stopped by the read budget.
@Suite struct CrashAndHangTests {
    static let protNoneCase = """
        walkcheck-case 1
        format tiny
        map 0x0 anon order 0 pages 0+1 ro leaf pte
        protect 0x0 0x40000 none
        walk folios 0x0 0x1000 ignore-young,ignore-dirty,ignore-soft-dirty,ignore-writable
        """

    @Test func trappingDesignIsStoppedInAChildProcess() async {
        await #expect(processExitsWith: .failure) { [text = Self.protNoneCase as String] in
            let saved = try CorpusFormat.parse(text, file: "trap.case")
            _ = CaseRunner.run(saved.testCase, designs: DesignSet(folioWalkers: [TrappingWalker()]))
        }
    }

    @Test func theSameCaseConformsForShippedDesigns() throws {
        let saved = try CorpusFormat.parse(Self.protNoneCase, file: "trap.case")
        #expect(CaseRunner.run(saved.testCase, designs: shippedDesigns).failures.isEmpty)
    }

    @Test func loopingDesignIsStoppedByTheReadBudget() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var space = AddressSpace(format: .tiny)
            try space.apply(.map(address: 0x4000, source: .folio(kind: .anonymous, order: 1, firstPage: 0, pageCount: 2),
                                 writable: false, shape: MapShape()))
            _ = Conformance.check(DesignSet(entryWalkers: [LoopingWalker()]), in: space,
                                  query: .entries(AddressRange(start: 0, end: 0x1000), []))
        }
        let output = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(output.contains("it loops") || output.contains("the design loops"), "the trap names the loop: \(output)")
    }
}

/// A design that spins on table reads without reporting anything: only the read budget stops it
/// (bounded here, so that without a budget the test ends and fails instead of hanging).
struct SpinningWalker: EntryWalkDesign {
    let name = "test-spinning"
    func walkEntries<R: TableReader>(_ reader: R, range: AddressRange, flags: EntryWalkFlags,
                                     _ visit: (EntryWalkItem) -> Void) throws(PageTableError) {
        var sum: UInt64 = 0
        for _ in 0..<5_000_000 { sum &+= reader.read(reader.root, 0) }
        visit(EntryWalkItem(range: range, level: .pgd, inHugepd: false, entry: sum == 0 ? .none : .none))
    }
}

/// A design that drops the first item of every walk (so every case with a walk fails) and, each time
/// it runs, notes whether its failing case is already saved: it runs again while its failure shrinks.
struct FileWatchingWalker: EntryWalkDesign {
    static let directory = PackagePaths.scratch("saved-before-shrink")
    static let sawSavedCase = Mutex(false)
    let name = "test-file-watching"
    func walkEntries<R: TableReader>(_ reader: R, range: AddressRange, flags: EntryWalkFlags,
                                     _ visit: (EntryWalkItem) -> Void) throws(PageTableError) {
        if let files = try? FileSystem.list(Self.directory, suffix: ".case"), files.contains(where: { $0.contains(name) }) {
            Self.sawSavedCase.withLock { $0 = true }
        }
        var first = true
        try FlatIteratorWalker().walkEntries(reader, range: range, flags: flags) { item in
            if !first { visit(item) }
            first = false
        }
    }
}

@Suite struct BudgetAndSaveTests {
    @Test func readBudgetStopsADesignThatSpinsOnReads() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let space = AddressSpace(format: .tiny)
            _ = Conformance.check(DesignSet(entryWalkers: [SpinningWalker()]), in: space,
                                  query: .entries(AddressRange(start: 0, end: 0x1000), []))
        }
        let output = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(output.contains("exceeded its budget"), "the trap names the read budget: \(output)")
    }

    @Test func aFailureIsSavedBeforeShrinkingSoACrashWhileShrinkingLosesNothing() throws {
        for file in (try? FileSystem.list(FileWatchingWalker.directory, suffix: ".case")) ?? [] {
            FileSystem.remove(FileWatchingWalker.directory + "/" + file)
        }
        var configuration = CampaignConfiguration(designs: DesignSet(entryWalkers: [FileWatchingWalker()]),
                                                  formats: [.tiny], cases: 20, seed: 3)
        configuration.corpusDirectory = FileWatchingWalker.directory
        let failure = try #require(Campaign.run(configuration).pairs.first?.failure)
        #expect(failure.shrinkEvaluations > 0)
        #expect(FileWatchingWalker.sawSavedCase.withLock { $0 }, "the case was not on disk while it was being shrunk")
    }
}
