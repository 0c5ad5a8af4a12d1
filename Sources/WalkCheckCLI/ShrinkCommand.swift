import PageTable
import Oracle
import Generators
import ChildShim

/// `walkcheck shrink FILE`: shrinks a saved failing case in place (candidates that may trap run in a child process).
enum ShrinkCommand {
    static func main(_ arguments: inout Arguments) throws -> Int32 {
        let designNames = try arguments.values("design")
        let files = try arguments.positional()
        guard files.count == 1 else { throw UsageError(message: "shrink takes one case file") }
        let file = files[0]
        var saved = try CorpusStore.load(file)
        let names = designNames.isEmpty ? saved.design.map { [$0] } ?? [] : designNames
        guard names.count == 1 else { throw UsageError(message: "name the failing design with --design (the file names none)") }
        let designs = try DesignCatalog.select(names)
        let design = designs.names[0]
        let crashes = traps(file, design: design)
        let scratch = file + ".candidate"
        // Removed when shrinking ends, and by the signal handler if a kill ends it first.
        walkcheck_unlink_on_signal(scratch)
        defer {
            FileSystem.remove(scratch)
            walkcheck_unlink_on_signal("")
        }
        func fails(_ candidate: TestCase) -> Bool {
            guard crashes else { return CaseRunner.run(candidate, designs: designs).failures[design] != nil }
            guard (try? FileSystem.write(CorpusFormat.text(of: CorpusCase(testCase: candidate)), to: scratch)) != nil else { return false }
            return traps(scratch, design: design)
        }
        guard fails(saved.testCase) else {
            print("\(file): \(design) passes this case; nothing to shrink")
            return 0
        }
        let before = saved.testCase.operations.count
        // The generator settings whose choices regenerate the case exactly (a campaign's defaults,
        // none, or the most): racers and writer operations are drawn after the walks.
        let settings = [(CampaignConfiguration.defaultMaxRaces, CampaignConfiguration.defaultMaxWrites), (0, 0),
                        (CorpusFormat.maxRaces, CorpusFormat.maxWrites), (0, CampaignConfiguration.defaultMaxWrites),
                        (CampaignConfiguration.defaultMaxRaces, 0)]
        let matching = saved.choices.flatMap { choices in
            settings.first { regenerate(choices, saved.testCase.format, races: $0.0, writes: $0.1) == saved.testCase }
        }
        let (races, writes) = matching ?? (0, 0)
        let generator = { (format: Format) in DesignCatalog.generator(for: format, races: races, writes: writes) }
        if let choices = saved.choices, matching != nil {
            let result = Shrinker().shrink(choices: choices, format: saved.testCase.format, generator: generator, fails: fails)
            // Then operation by operation, as a campaign does; the choices stay only if that changed nothing.
            let minimal = Shrinker().minimizeCase(result.testCase, fails: fails)
            saved.testCase = minimal.testCase
            saved.choices = minimal.testCase == result.testCase ? result.choices : nil
            print("shrank by choices: \(result.evaluations) candidates\(result.converged ? "" : " (budget spent)"), "
                  + "then \(minimal.evaluations) by deleting operations and walks")
        } else {
            saved.testCase = Shrinker().minimizeCase(saved.testCase, fails: fails).testCase
            saved.choices = nil
            print("shrank by deleting operations and walks (the file has no matching choices)")
        }
        saved.design = design
        try FileSystem.write(CorpusFormat.text(of: saved), to: file)
        print("\(file): \(before) -> \(saved.testCase.operations.count) operations\(crashes ? " (the design traps on it)" : "")")
        print(CorpusFormat.text(of: saved), terminator: "")
        return 0
    }

    static func regenerate(_ choices: [UInt64], _ format: Format, races: Int = 0, writes: Int = 0) -> TestCase {
        var sequence = ChoiceSequence(replaying: choices)
        return DesignCatalog.generator(for: format, races: races, writes: writes).generate(&sequence)
    }

}
