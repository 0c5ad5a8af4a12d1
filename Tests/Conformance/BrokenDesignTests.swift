import Testing
import PageTable
import Oracle
import Generators
import Mutants
import Implementations

/// A deliberately broken design is caught, shrunk to at most three operations, saved, and replayed.
@Suite struct BrokenDesignTests {
    @Test(arguments: ["tiny", "x86-64-4level", "arm64-4k"])
    func brokenDesignIsCaughtShrunkSavedAndReplayed(format: String) throws {
        let directory = PackagePaths.scratch("broken-\(format)")
        var configuration = CampaignConfiguration(designs: DesignSet(entryWalkers: [FlatIteratorWalker(fault: .startNotClipped)]),
                                                  formats: [Format.named(format)!], cases: 300, seed: 7)
        configuration.corpusDirectory = directory
        let report = Campaign.run(configuration)
        let failure = try #require(report.pairs.first?.failure, "the broken design survived 300 cases on \(format)")
        #expect(failure.testCase.operations.count <= 3, "shrunk to \(failure.testCase.operations.count) operations")
        // Saved before shrinking and replaced by the shrunk case: the file holds the shrunk case.
        let path = try #require(failure.corpusPath)
        let saved = try CorpusStore.load(path)
        #expect(saved.testCase == failure.testCase && saved.design == "mutant-start-not-clipped")
        // Replay: the mutant still fails on it, every shipped design conforms.
        #expect(CaseRunner.run(saved.testCase, designs: DesignSet(entryWalkers: [FlatIteratorWalker(fault: .startNotClipped)])).failures.count == 1)
        #expect(CaseRunner.run(saved.testCase, designs: shippedDesigns).failures.isEmpty)
    }

    @Test func shrinkingIsDeterministic() {
        var configuration = CampaignConfiguration(designs: DesignSet(entryWalkers: [FlatIteratorWalker(fault: .startNotClipped)]),
                                                  formats: [.x86_64_4level], cases: 100, seed: 3)
        configuration.corpusDirectory = nil
        let first = Campaign.run(configuration).pairs.first?.failure
        let second = Campaign.run(configuration).pairs.first?.failure
        #expect(first != nil && first?.testCase == second?.testCase && first?.choices == second?.choices)
    }

    @Test func shrunkCaseIsOneMinimal() throws {
        var configuration = CampaignConfiguration(designs: DesignSet(entryWalkers: [FlatIteratorWalker(fault: .startNotClipped)]),
                                                  formats: [.arm64_4k], cases: 100, seed: 11)
        configuration.corpusDirectory = nil
        let failure = try #require(Campaign.run(configuration).pairs.first?.failure)
        let mutant = DesignSet(entryWalkers: [FlatIteratorWalker(fault: .startNotClipped)])
        for index in failure.testCase.operations.indices {
            var smaller = failure.testCase
            smaller.operations.remove(at: index)
            #expect(CaseRunner.run(smaller, designs: mutant).failures.isEmpty, "operation \(index) can be removed")
        }
        // Every query left is needed.
        for index in failure.testCase.queries.indices where failure.testCase.queries.count > 1 {
            var smaller = failure.testCase
            smaller.queries.remove(at: index)
            #expect(CaseRunner.run(smaller, designs: mutant).failures.isEmpty, "query \(index) can be removed")
        }
    }
}
