import Testing
import PageTable
import Oracle
import Generators
import CDesigns
import ExampleCWalker
import CWalkerMutants

/// Walkers written in C (`include/walkcheck.h`), registered through ``CEntryWalker``: the example
/// design conforms on every format, raced as every design is, and broken C walkers are caught.
@Suite struct CDesignTests {
    static let example = CEntryWalker(name: "c-walker", walk: cwalker_walk)

    /// The example C walker (Examples/my-walkers/Sources/CWalker) conforms on every format.
    @Test(arguments: Format.all)
    func exampleConforms(format: Format) {
        var configuration = CampaignConfiguration(designs: DesignSet(entryWalkers: [Self.example]), formats: [format],
                                                  cases: TestBudget.cases(default: 60), seed: TestBudget.seed)
        configuration.corpusDirectory = PackagePaths.scratch("c-walker-\(format.name)")
        let report = Campaign.run(configuration)
        #expect(report.cases > 0 && report.racedWalks > 0)
        for pair in report.pairs {
            if let failure = pair.failure { Issue.record("\(failure.report(seed: configuration.seed))") }
        }
    }

    /// A C walker that does not OR young and dirty across a contiguous block (what
    /// `contpte_ptep_get()` in arch/arm64/mm/contpte.c does) fails, shrunk to a short case, on the
    /// formats with contiguous entries, and conforms on x86-64, which has none.
    @Test(arguments: [("arm64-4k", true), ("riscv-sv39", true), ("x86-64-4level", false)])
    func brokenWalkerIsCaught(format: String, fails: Bool) throws {
        let broken = CEntryWalker(name: "c-no-cont", walk: cmutant_walk_no_cont)
        var configuration = CampaignConfiguration(designs: DesignSet(entryWalkers: [broken]), formats: [try #require(Format.named(format))],
                                                  cases: 200, seed: 1)
        configuration.corpusDirectory = nil
        configuration.stopAtFirstFailure = true
        let failure = Campaign.run(configuration).pairs.compactMap(\.failure).first
        #expect((failure != nil) == fails)
        if let failure { #expect(failure.testCase.operations.count <= 3, "\(failure.report(seed: 1))") }
    }
}
