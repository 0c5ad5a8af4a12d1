import Testing
import PageTable
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

    /// The census can fail: a generator that maps nothing reaches no entry cell.
    @Test func aLostCellIsReported() {
        var census = CoverageCensus()
        var choices = ChoiceSequence(seed: 1)
        census.record(CaseGenerator(format: .tiny, maxOperations: 0).generate(&choices))
        #expect(census.missing(on: .tiny).contains("entry pte leaf"))
    }
}
