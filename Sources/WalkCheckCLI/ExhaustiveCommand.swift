import PageTable
import Oracle
import Generators

/// `walkcheck exhaustive`: every operation sequence up to a length (default 3) on the small
/// formats, each design in a child process so that a design that traps is reported (its state
/// saved as a crash case).
enum ExhaustiveCommand {
    /// The default length: three operations, about 10 s a design on each format in a release build.
    static func defaultLength(_ space: Exhaustive.Space) -> Int { 3 }
    /// The lengths `--length` accepts: five operations would be 43^5, about 147 million sequences.
    static let lengthRange = 0...4

    static func spaces(_ names: [String]) throws -> [Exhaustive.Space] {
        guard !names.isEmpty else { return Exhaustive.spaces }
        return try names.map { name in
            guard let space = Exhaustive.spaces.first(where: { $0.format.name == name }) else {
                throw UsageError(message: "--format for exhaustive expects \(Exhaustive.spaces.map(\.format.name).joined(separator: " or ")), not \"\(name)\"")
            }
            return space
        }
    }

    static func main(_ arguments: inout Arguments) throws -> Int32 {
        let selected = try DesignCatalog.select(try arguments.values("design"))
        let length = try arguments.count("length", in: lengthRange)
        let formatNames = try arguments.values("format")
        let formats = try spaces(formatNames).map(\.format.name)
        let corpus = try arguments.value("corpus") ?? "corpus"
        let races = arguments.flag("races")
        let writers = arguments.flag("writers")
        guard try arguments.positional().isEmpty else { throw UsageError(message: "exhaustive takes no positional arguments") }
        if races && writers { throw UsageError(message: "exhaustive takes --races or --writers, not both") }
        if races { try checkRaceOptions(formats: formatNames, length: length) }
        if writers { try checkRaceOptions(formats: formatNames, length: length, flag: "--writers", what: "the writers' trees") }
        try RunCommand.checkCorpus(corpus)
        // Writer designs are enumerated by --writers, walkers by the rest.
        let writerNames = selected.writers.map(\.name)
        let names = writers ? writerNames : selected.names.filter { !writerNames.contains($0) }
        guard !names.isEmpty else {
            throw UsageError(message: writers ? "exhaustive --writers checks writer designs; none was named" : "exhaustive checks walkers; name one, or use --writers")
        }
        var failed = 0
        for name in names {
            let status = runChild(["exhaustive-worker", "--design", name, "--format", formats.joined(separator: ","), "--corpus", corpus]
                                  + (length.map { ["--length", "\($0)"] } ?? []) + (races ? ["--races"] : []) + (writers ? ["--writers"] : []))
            switch status {
            case .exited(0): break
            case .exited(2): return 2
            case .exited: failed += 1
            case .signaled(let signal):
                failed += 1
                print("CRASH \(name) trapped (signal \(signal)); the state it was checking is saved in \(corpus)/crash-*.case")
            }
        }
        print(failed == 0 ? "exhaustive: every design conforms" : "exhaustive: \(failed) of \(names.count) designs fail")
        return failed == 0 ? 0 : 1
    }

    static func worker(_ arguments: inout Arguments) throws -> Int32 {
        let designs = try DesignCatalog.select(try arguments.values("design"))
        if let corpus = try arguments.value("corpus") {
            try RunCommand.checkCorpus(corpus)
            try CrashReporter.install(directory: corpus)
        }
        let length = try arguments.count("length", in: lengthRange)
        let spaces = try spaces(try arguments.values("format"))
        let races = arguments.flag("races")
        let writers = arguments.flag("writers")
        guard try arguments.positional().isEmpty else { throw UsageError(message: "exhaustive takes no positional arguments") }
        if races { return raceWorker(designs) }
        if writers { return writerWorker(designs) }
        var failing = Set<String>()
        for space in spaces {
            let length = length ?? defaultLength(space)
            let alphabet = space.alphabet.count
            let total = (0...length).reduce(0) { $0 + Int(pow(alphabet, $1)) }
            print("walkcheck exhaustive: \(space.format.name) format, \(alphabet) operations, sequences up to \(length) "
                  + "(at most \(total): those refused for lying outside every VMA are skipped), "
                  + "\(space.queries.count) walks each, designs \(designs.names.joined(separator: ", ")) (\(BuildInfo.configuration) build)")
            let line = ProgressLine()
            let (report, elapsed) = timedWithCrashReports { onCase in
                Exhaustive.run(designs: designs, space: space, maxLength: length,
                               progress: { done in line.update("x", "\(done)/\(total) sequences") }, onState: onCase)
            }
            line.finish()
            for (design, found) in report.failures.sorted(by: { $0.key < $1.key }) {
                failing.insert(design)
                print("FAIL \(design) after \(found.step) operations:")
                print(CorpusFormat.text(of: CorpusCase(testCase: found.testCase, design: design)).split(separator: "\n").map { "  | " + $0 }.joined(separator: "\n"))
                print(found.failure.detail.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
            }
            print("\(report.sequences) sequences, \(report.states) distinct states, \(report.walks) walks in \(elapsed): "
                  + (report.failures.isEmpty ? "every design conforms" : "\(report.failures.count) designs fail"))
        }
        return failing.isEmpty ? 0 : 1
    }

    /// `--races` and `--writers` enumerate trees of `tiny`: another format or a length is a usage error.
    static func checkRaceOptions(formats: [String], length: Int?, flag: String = "--races", what: String = "the race trees") throws {
        guard formats.allSatisfy({ $0 == RaceExhaustive.tiny.format.name }) else {
            throw UsageError(message: "exhaustive \(flag) enumerates \(what) of tiny\(flag == "--writers" ? " and tiny-hugepd together" : " only"), not \(formats.joined(separator: ","))")
        }
        guard length == nil else { throw UsageError(message: "exhaustive \(flag) builds its trees from two setup operations; --length does not apply") }
    }

    /// The writer worker: every writer operation of the alphabet on every tree of tiny
    /// (``WriterExhaustive``), for the writer designs among `designs`.
    static func writerWorker(_ designs: DesignSet) -> Int32 {
        let spaces = WriterExhaustive.spaces
        print("walkcheck exhaustive --writers: " + spaces.map { "\($0.format.name) (trees from up to \($0.setupLength) of \($0.setups.count) "
              + "operations, \($0.writers.count) writer operations)" }.joined(separator: ", ")
              + ", writer designs \(designs.writers.map(\.name).joined(separator: ", ")) (\(BuildInfo.configuration) build)")
        let (report, elapsed) = timedWithCrashReports { onCase in WriterExhaustive.run(designs: designs, onWrite: onCase) }
        printFailures(report.failures) { design, _ in "FAIL \(design):" }
        print("\(report.states) trees, \(report.writes) writer operations judged in \(elapsed): "
              + (designs.writers.isEmpty ? "no writer design to check" : report.failures.isEmpty ? "every design conforms" : "\(report.failures.count) designs fail"))
        return report.failures.isEmpty ? 0 : 1
    }

    /// The race worker: every racer at every scheduling point of every walk of tiny's race trees,
    /// and every ordered pair on short walks (``RaceExhaustive``).
    static func raceWorker(_ designs: DesignSet) -> Int32 {
        let space = RaceExhaustive.tiny
        print("walkcheck exhaustive --races: \(space.format.name) format, trees from up to \(space.setupLength) of \(space.setups.count) "
              + "operations, \(space.queries.count) walks, \(space.racers.count) racers at every point, pairs on walks of at most "
              + "\(space.pairPoints) points, designs \(designs.names.joined(separator: ", ")) (\(BuildInfo.configuration) build)")
        let (report, elapsed) = timedWithCrashReports { onCase in RaceExhaustive.run(designs: designs, onWalk: onCase) }
        printFailures(report.failures) { design, testCase in "FAIL \(design) raced by \(testCase.races.count) racer(s):" }
        print("\(report.states) trees, \(report.walks) racing walks (\(report.racedWalks) with every racer run) in "
              + "\(elapsed): "
              + (report.failures.isEmpty ? "every design conforms" : "\(report.failures.count) designs fail"))
        return report.failures.isEmpty ? 0 : 1
    }

    /// Runs `run`, which calls its argument with each case before checking it, so that a trap
    /// names the case (``CrashReporter``); returns its result and how long it took, for a report.
    static func timedWithCrashReports<Report>(_ run: (_ onCase: @escaping @Sendable (TestCase) -> Void) -> Report) -> (Report, String) {
        let clock = ContinuousClock()
        let started = clock.now
        let report = run { CrashReporter.setCase(CorpusFormat.text(of: CorpusCase(testCase: $0))) }
        CrashReporter.clear()
        return (report, Reports.seconds((clock.now - started).inSeconds))
    }

    /// Each design's failing case, as a corpus file would hold it, and what was wrong, under `header`.
    static func printFailures(_ failures: [String: (testCase: TestCase, failure: Conformance.Failure)],
                              header: (String, TestCase) -> String) {
        for (design, found) in failures.sorted(by: { $0.key < $1.key }) {
            print(header(design, found.testCase))
            print(CorpusFormat.text(of: CorpusCase(testCase: found.testCase, design: design)).split(separator: "\n").map { "  | " + $0 }.joined(separator: "\n"))
            print(found.failure.detail.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
        }
    }

    static func pow(_ base: Int, _ exponent: Int) -> Int { (0..<exponent).reduce(1) { result, _ in result * base } }
}
