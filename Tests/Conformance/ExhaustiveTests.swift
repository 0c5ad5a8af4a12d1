import Testing
import PageTable
import Oracle
import Generators
import Mutants
import Implementations

/// Bounded-exhaustive checking on the small formats (`tiny`, `tiny-hugepd`): every sequence of up
/// to two operations here (`walkcheck exhaustive` runs three in a release build), for every design,
/// with every walk of the fixed query set. The result does not depend on a seed.
@Suite struct ExhaustiveTests {
    @Test(arguments: Exhaustive.spaces.map(\.format.name))
    func everyDesignConformsOnEverySequenceOfTwo(format: String) {
        let space = Exhaustive.spaces.first { $0.format.name == format }!
        let report = Exhaustive.run(designs: shippedDesigns, space: space, maxLength: 2)
        // Every sequence but those with a map outside every VMA (refused, so it does not exist).
        var valid = 1
        for first in space.alphabet {
            var one = AddressSpace(format: space.format)
            guard (try? one.apply(first)) != nil else { continue }
            valid += 1
            for second in space.alphabet {
                var two = one
                if (try? two.apply(second)) != nil { valid += 1 }
            }
        }
        #expect(report.sequences == valid && valid > space.alphabet.count * space.alphabet.count * 9 / 10)
        #expect(report.refusedOperations == 0, "the built-in alphabet's operations are refused only outside every VMA")
        for (design, found) in report.failures.sorted(by: { $0.key < $1.key }) {
            Issue.record("\(design) after \(found.step) operations:\n\(CorpusFormat.text(of: CorpusCase(testCase: found.testCase)))\(found.failure.detail)")
        }
    }

    @Test func theBrokenDesignFailsWithinOneOperation() {
        let report = Exhaustive.run(designs: DesignSet(entryWalkers: [FlatIteratorWalker(fault: .startNotClipped)]), maxLength: 1)
        #expect(report.failures["mutant-start-not-clipped"]?.step == 1)
    }
}
