import Testing
import PageTable
import Oracle
import Generators

/// The generator's coverage target (``CoverageCensus``): every cell the rules say a format can
/// reach — entry kind by level, attributes and swap flags by level, walks starting at, inside and
/// ending inside large units, every query flag and refusal, unaligned and far-reaching addresses —
/// is reached by the default `walkcheck` campaign, and nine in ten of them by the `swift test`
/// campaign; and nothing is reached that the rules call out of reach (a rule missing).
@Suite struct CensusTests {
    @Test(arguments: Format.all.map(\.name))
    func defaultCampaignReachesEveryReachableCell(format name: String) {
        let format = Format.named(name)!
        let census = CoverageCensus.generated(on: format, cases: CampaignConfiguration.defaultCases, seed: CampaignConfiguration.defaultSeed)
        #expect(census.missing(on: format) == [], "cells the default walkcheck campaign no longer reaches on \(name)")
        let reachable = Set(CoverageCensus.reachable(on: format))
        #expect(census.counts.keys.filter { !reachable.contains($0) }.sorted() == [], "cells reached that the rules call out of reach")
    }

    @Test(arguments: Format.all.map(\.name))
    func testCampaignReachesTheBulk(format name: String) {
        let format = Format.named(name)!
        let cases = TestBudget.cases(default: CampaignTests.defaultCases)
        let census = CoverageCensus.generated(on: format, cases: cases, seed: TestBudget.seed)
        let reachable = CoverageCensus.reachable(on: format)
        let missing = census.missing(on: format)
        #expect(missing.count * 10 <= reachable.count, "\(cases) cases reach \(reachable.count - missing.count) of \(reachable.count); missed: \(missing)")
    }

    /// `folios chain-into UNIT` counts a folio walk that enters a unit from the page before it when
    /// that page's frame is the one before the unit's first (two folios allocated one after the
    /// other, mapped one after the other): the state of `corpus/arm64-4k-batched-13d8-49.case`.
    /// Not when the walk starts at the unit, nor when the page before it maps another frame.
    @Test func aChainIntoAUnitIsCountedOnlyWhenTheFramesRunOn() throws {
        func count(between: String = "", walkFrom start: String) throws -> Int {
            let text = """
                walkcheck-case 1
                format arm64-4k
                map 0x0 anon order 4 pages 0+16 rw leaf pte contiguous
                \(between)
                map 0x10000 anon order 4 pages 0+16 rw leaf pte contiguous
                dirty 0x11000 0x12000
                walk folios \(start) 0x20000 ignore-young,ignore-dirty
                """
            let testCase = try CorpusFormat.parse(text, file: "chain.case").testCase
            var space = AddressSpace(format: testCase.format)
            for operation in testCase.operations { try space.apply(operation) }
            let mixed = Landmarks.units(of: space, runs: ModelComparison.treeRuns(space)).filter { $0.shape == .mixedBlock }
            #expect(mixed.map(\.range.start) == [0x10000], "the case has its mixed block, however it is entered")
            var census = CoverageCensus()
            census.record(testCase)
            return census.counts["folios chain-into pte mixed-block", default: 0]
        }
        #expect(try count(walkFrom: "0x0") > 0)
        #expect(try count(walkFrom: "0xf000") > 0)
        #expect(try count(walkFrom: "0x10000") == 0, "a walk that starts at the unit does not enter it from a chain")
        // A folio allocated in between: the page before the block maps a frame 17 before its first.
        let between = "map 0x100000 anon order 4 pages 0+16 rw leaf pte"
        #expect(try count(between: between, walkFrom: "0x0") == 0, "the frames do not run on from the page before")
    }

    /// `folios across ATTR` counts a folio walk that ignores ATTR over a step: two neighbouring PTEs
    /// of one folio, consecutive frames in one table, that differ in ATTR alone (here young: one
    /// page aged, `ptep_test_and_clear_young()`). A batch runs across it and must keep its first
    /// entry's young (mm/internal.h, `folio_pte_batch_flags()`), or OR it with `merge`; a walk that
    /// compares young counts `folios cut young` instead (the batch must end there). Neither
    /// between two folios of one page each.
    @Test func aStepIsCountedOnlyWhenABatchRunsAcrossIt() throws {
        func census(_ maps: String, flags: String) throws -> (steps: [UInt64], plain: Int, merged: Int, cut: Int) {
            let text = """
                walkcheck-case 1
                format x86-64-4level
                \(maps)
                age 0x3000 0x4000
                walk folios 0x0 0x10000 \(flags)
                """
            let testCase = try CorpusFormat.parse(text, file: "step.case").testCase
            var space = AddressSpace(format: testCase.format)
            for operation in testCase.operations { try space.apply(operation) }
            let steps = Landmarks.units(of: space, runs: ModelComparison.treeRuns(space)).filter { $0.shape == .step }
            var census = CoverageCensus()
            census.record(testCase)
            #expect(steps.allSatisfy { $0.differing == .young }, "aging one page changes its young bit alone")
            return (steps.map(\.range.start), census.counts["folios across young", default: 0],
                    census.counts["folios across young merge", default: 0], census.counts["folios cut young", default: 0])
        }
        let folio = "map 0x0 anon order 4 pages 0+16 rw leaf pte"
        let across = try census(folio, flags: "ignore-young")
        #expect(across.steps == [0x2000, 0x3000], "the aged page differs from the page before it and the page after it")
        #expect(across.plain > 0 && across.merged == 0 && across.cut == 0)
        #expect(try census(folio, flags: "ignore-young,merge").merged > 0)
        let cut = try census(folio, flags: "ignore-dirty")
        #expect(cut.plain == 0 && cut.cut > 0, "a walk that compares young cuts its batch at the step")
        // Two folios of one page, frames consecutive: a batch ends at each folio's end anyway.
        let pages = "map 0x2000 anon order 0 pages 0+1 rw leaf pte\nmap 0x3000 anon order 0 pages 0+1 rw leaf pte"
        let apart = try census(pages, flags: "ignore-young")
        #expect(apart.steps == [] && apart.plain == 0 && apart.cut == 0)
    }

    /// The census can fail: a generator that maps nothing reaches no entry cell.
    @Test func aLostCellIsReported() {
        var census = CoverageCensus()
        var choices = ChoiceSequence(seed: 1)
        census.record(CaseGenerator(format: .tiny, maxOperations: 0).generate(&choices))
        #expect(census.missing(on: .tiny).contains("entry pte leaf"))
    }
}
