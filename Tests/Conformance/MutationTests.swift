import Testing
import PageTable
import Oracle
import Generators
import Mutants
#if canImport(Glibc)
import Glibc
#endif

/// Every mutant is killed within the default test budget (exhaustive sequences up to three
/// operations on tiny and two on tiny-hugepd, then `WALKCHECK_CASES` cases per format, default
/// 60, stopping at the first kill), each hunted in a child process so that a mutant that traps
/// counts as killed rather than taking the run down; and the median shrunk case has at most two
/// operations and took at most two seconds to shrink.
@Suite struct MutationTests {
    @Test func everyMutantIsKilledAndShrinksSmall() async {
        var killed: [String] = []
        var sizes: [Int] = []
        var times: [Double] = []
        for name in MutantCatalog.names {
            let result = await #expect(processExitsWith: .failure, observing: [\.standardOutputContent]) {
                [name = name as String, cases = TestBudget.cases(default: CampaignTests.defaultCases) as Int, seed = TestBudget.seed as UInt64] in
                try CrashReporter.install(directory: "/tmp")
                let hunt = MutantHunt.hunt(name, cases: cases, seed: seed)
                print(hunt)
                if hunt.killed { exit(1) }
            }
            guard let result else { continue }
            killed.append(name)
            let line = String(decoding: result.standardOutputContent, as: UTF8.self).split(separator: "\n")
                .compactMap { MutantHuntResult(line: $0) }.first
            if let size = line?.shrunkOperations { sizes.append(size) }
            if let time = line?.shrinkSeconds { times.append(time) }
        }
        #expect(killed.count == MutantCatalog.names.count, "survivors: \(Set(MutantCatalog.names).subtracting(killed).sorted())")
        sizes.sort()
        let median = sizes.isEmpty ? 0 : sizes[sizes.count / 2]
        #expect(median <= 2, "median shrunk case \(median) operations over \(sizes.count) mutants")
        times.sort()
        let medianTime = times.isEmpty ? 0 : times[times.count / 2]
        #expect(medianTime <= 2, "median shrink time \(medianTime) s over \(times.count) mutants")
        #expect(sizes.count >= MutantCatalog.names.count - 4, "most mutants report a shrunk case (traps do not)")
    }
}
