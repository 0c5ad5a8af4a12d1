import Testing
import PageTable
import Oracle
import Generators
import Mutants
import Implementations

/// Bounded-exhaustive checking on the tiny format: every sequence of up to two operations here
/// (`walkcheck exhaustive` runs three in a release build), for every design, with every walk of
/// the fixed query set. The result does not depend on a seed.
@Suite struct ExhaustiveTests {
    @Test func everyDesignConformsOnEverySequenceOfTwo() {
        let report = Exhaustive.run(designs: shippedDesigns, maxLength: 2)
        #expect(report.sequences == 1 + Exhaustive.alphabet.count + Exhaustive.alphabet.count * Exhaustive.alphabet.count)
        for (design, found) in report.failures.sorted(by: { $0.key < $1.key }) {
            Issue.record("\(design) after \(found.step) operations:\n\(CorpusFormat.text(of: CorpusCase(testCase: found.testCase)))\(found.failure.detail)")
        }
    }

    @Test func theBrokenDesignFailsWithinOneOperation() {
        let report = Exhaustive.run(designs: DesignSet(entryWalkers: [FlatIteratorWalker(fault: .startNotClipped)]), maxLength: 1)
        #expect(report.failures["mutant-start-not-clipped"]?.step == 1)
    }
}
