import PageTable
import Oracle
import Generators

/// How one mutant fared.
public struct MutantHuntResult: Sendable, CustomStringConvertible {
    /// The mutant.
    public var name: String
    /// Whether the suite caught it.
    public var killed: Bool
    /// What caught it: `races FORMAT` (a racer), `race-trees FORMAT` (the unraced walk of a race
    /// tree), `writers FORMAT` (a writer operation of the writers' exhaustive mode), `exhaustive
    /// FORMAT`, `campaign FORMAT` or `trap`.
    public var foundBy: String
    /// Cases generated before the one that caught it (sequences for the exhaustive mode, racing walks for the race mode).
    public var cases: Int
    /// Seconds spent.
    public var seconds: Double
    /// Operations in the shrunk case that shows the bug.
    public var shrunkOperations: Int?
    /// Seconds the shrinker took (0 for the exhaustive mode, whose first failure is a shortest sequence).
    public var shrinkSeconds: Double?
    /// The shrunk case itself (not part of the printed line).
    public var testCase: TestCase?

    /// One line: `RESULT name killed|survived by cases seconds operations shrink-seconds`, as workers print it.
    public var description: String {
        "RESULT \(name) \(killed ? "killed" : "survived") \(foundBy.replacingSpaces) \(cases) \(seconds) "
            + "\(shrunkOperations.map(String.init) ?? "-") \(shrinkSeconds.map { "\($0)" } ?? "-")"
    }

    /// Parses the line `description` prints.
    public init?(line: Substring) {
        let words = line.split(separator: " ")
        guard words.count == 8, words[0] == "RESULT", let cases = Int(words[4]), let seconds = Double(words[5]) else { return nil }
        self.init(name: String(words[1]), killed: words[2] == "killed", foundBy: words[3].replacingOccurrences("_", " "),
                  cases: cases, seconds: seconds, shrunkOperations: Int(words[6]), shrinkSeconds: Double(words[7]))
    }

    /// Creates a result.
    public init(name: String, killed: Bool, foundBy: String, cases: Int, seconds: Double, shrunkOperations: Int?,
                shrinkSeconds: Double? = nil) {
        self.name = name
        self.killed = killed
        self.foundBy = foundBy
        self.cases = cases
        self.seconds = seconds
        self.shrunkOperations = shrunkOperations
        self.shrinkSeconds = shrinkSeconds
    }
}

/// Hunts one mutant with the default budget: bounded-exhaustive racing on `tiny` with one preemption
/// (``RaceExhaustive``, whose unraced walks catch many quiescent bugs too), then every writer
/// operation of ``WriterExhaustive`` on its trees (writer designs), then bounded-exhaustive
/// checking on the small formats (every sequence up to `exhaustiveLength` on `tiny`, up to two on
/// `tiny-hugepd`), then a campaign of `cases` quiescent cases on every format that stops at the
/// first failure.
public enum MutantHunt {
    /// Hunts the mutant called `name`, found in `mutants` (the shipped ones by default); a mutant
    /// that traps never returns (run it in a child process).
    public static func hunt(_ name: String, in mutants: DesignSet = MutantCatalog.designs, cases: Int, seed: UInt64,
                            exhaustiveLength: Int = 3, formats: [Format] = Format.all, corpus: String? = nil) -> MutantHuntResult {
        let design = mutants.only(name)
        let clock = ContinuousClock()
        let started = clock.now
        func seconds() -> Double {
            let elapsed = clock.now - started
            return elapsed.inSeconds
        }
        // Racing walks on tiny first: every racer at every scheduling point (one preemption). It
        // costs little, and a design that fails its unraced walks there stops at once; a bug only
        // races show would otherwise wait for the whole quiescent enumeration.
        let raced = RaceExhaustive.run(designs: design, pairs: false,
                                       onWalk: { CrashReporter.setCase(CorpusFormat.text(of: CorpusCase(testCase: $0, design: name))) })
        CrashReporter.clear()
        if let found = raced.failures[name] {
            // A design whose unraced walk of a race tree fails has a quiescent bug: said so.
            let how = found.testCase.races.isEmpty ? "race-trees" : "races"
            var result = MutantHuntResult(name: name, killed: true, foundBy: "\(how) \(RaceExhaustive.tiny.format.name)", cases: raced.walks,
                                          seconds: seconds(), shrunkOperations: found.testCase.operations.count, shrinkSeconds: 0)
            result.testCase = found.testCase
            return result
        }
        // Writer designs: every writer operation of the alphabet on every tree of tiny.
        let written = WriterExhaustive.run(designs: design,
                                           onWrite: { CrashReporter.setCase(CorpusFormat.text(of: CorpusCase(testCase: $0, design: name))) })
        CrashReporter.clear()
        if let found = written.failures[name] {
            var result = MutantHuntResult(name: name, killed: true, foundBy: "writers \(found.testCase.format.name)", cases: written.writes,
                                          seconds: seconds(), shrunkOperations: found.testCase.operations.count, shrinkSeconds: 0)
            result.testCase = found.testCase
            return result
        }
        var sequences = 0
        for space in Exhaustive.spaces {
            let length = space.format == .tiny ? exhaustiveLength : min(exhaustiveLength, 2)
            let exhaustive = Exhaustive.run(designs: design, space: space, maxLength: length,
                                            onState: { CrashReporter.setCase(CorpusFormat.text(of: CorpusCase(testCase: $0, design: name))) })
            CrashReporter.clear()
            if let found = exhaustive.failures[name] {
                var result = MutantHuntResult(name: name, killed: true, foundBy: "exhaustive \(space.format.name)",
                                              cases: sequences + (exhaustive.sequencesToFailure[name] ?? 0),
                                              seconds: seconds(), shrunkOperations: found.step, shrinkSeconds: 0)
                result.testCase = found.testCase
                return result
            }
            sequences += exhaustive.sequences
        }
        var configuration = CampaignConfiguration(designs: design, formats: formats, cases: cases, seed: seed)
        configuration.corpusDirectory = corpus
        configuration.stopAtFirstFailure = true
        // Races were enumerated above; the campaign's cases stay quiescent, as a mutant hunt's always were.
        configuration.maxRaces = 0
        let report = Campaign.run(configuration)
        let order = Dictionary(uniqueKeysWithValues: formats.enumerated().map { ($1.name, $0) })
        // The first failure by case index, then format order: the same whichever worker finished first.
        let first = report.pairs.compactMap { pair in pair.failure.map { (pair.format, $0) } }
            .min { (($0.1.caseIndex, order[$0.0.name] ?? 0)) < (($1.1.caseIndex, order[$1.0.name] ?? 0)) }
        guard let (format, failure) = first else {
            return MutantHuntResult(name: name, killed: false, foundBy: "-", cases: sequences + report.cases, seconds: seconds(),
                                    shrunkOperations: nil)
        }
        var result = MutantHuntResult(name: name, killed: true, foundBy: "campaign \(format.name)", cases: failure.caseIndex + 1,
                                      seconds: seconds(), shrunkOperations: failure.testCase.operations.count,
                                      shrinkSeconds: failure.shrinkSeconds)
        result.testCase = failure.testCase
        return result
    }
}

extension StringProtocol {
    var replacingSpaces: String { String(map { $0 == " " ? "_" : $0 }) }
    func replacingOccurrences(_ target: Character, _ replacement: Character) -> String { String(map { $0 == target ? replacement : $0 }) }
}
