import PageTable
import Oracle
import Generators

/// How one mutant fared.
public struct MutantHuntResult: Sendable, CustomStringConvertible {
    /// The mutant.
    public var name: String
    /// Whether the suite caught it.
    public var killed: Bool
    /// What caught it: `exhaustive` or `campaign FORMAT`.
    public var foundBy: String
    /// Cases generated before the one that caught it (sequences, for the exhaustive mode).
    public var cases: Int
    /// Seconds spent.
    public var seconds: Double
    /// Operations in the shrunk case that shows the bug.
    public var shrunkOperations: Int?
    /// The shrunk case itself (not part of the printed line).
    public var testCase: TestCase?

    /// One line: `RESULT name killed|survived by cases seconds operations`, as workers print it.
    public var description: String {
        "RESULT \(name) \(killed ? "killed" : "survived") \(foundBy.replacingSpaces) \(cases) \(seconds) \(shrunkOperations.map(String.init) ?? "-")"
    }

    /// Parses the line `description` prints.
    public init?(line: Substring) {
        let words = line.split(separator: " ")
        guard words.count == 7, words[0] == "RESULT", let cases = Int(words[4]), let seconds = Double(words[5]) else { return nil }
        self.init(name: String(words[1]), killed: words[2] == "killed", foundBy: words[3].replacingOccurrences("_", " "),
                  cases: cases, seconds: seconds, shrunkOperations: Int(words[6]))
    }

    /// Creates a result.
    public init(name: String, killed: Bool, foundBy: String, cases: Int, seconds: Double, shrunkOperations: Int?) {
        self.name = name
        self.killed = killed
        self.foundBy = foundBy
        self.cases = cases
        self.seconds = seconds
        self.shrunkOperations = shrunkOperations
    }
}

/// Hunts one mutant with the default budget: bounded-exhaustive checking on the tiny format first
/// (every sequence up to `exhaustiveLength`), then a campaign of `cases` cases on every format.
public enum MutantHunt {
    /// Hunts the mutant called `name`; a mutant that traps never returns (run it in a child process).
    public static func hunt(_ name: String, cases: Int, seed: UInt64, exhaustiveLength: Int = 3,
                            formats: [Format] = Format.all, corpus: String? = nil) -> MutantHuntResult {
        let design = MutantCatalog.designs.only(name)
        let clock = ContinuousClock()
        let started = clock.now
        func seconds() -> Double {
            let elapsed = clock.now - started
            return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        }
        let exhaustive = Exhaustive.run(designs: design, maxLength: exhaustiveLength,
                                        onState: { CrashReporter.setCase(CorpusFormat.text(of: CorpusCase(testCase: $0, design: name))) })
        CrashReporter.clear()
        if let found = exhaustive.failures[name] {
            var result = MutantHuntResult(name: name, killed: true, foundBy: "exhaustive", cases: exhaustive.sequencesToFailure[name] ?? 0,
                                          seconds: seconds(), shrunkOperations: found.step)
            result.testCase = found.testCase
            return result
        }
        var configuration = CampaignConfiguration(designs: design, formats: formats, cases: cases, seed: seed)
        configuration.corpusDirectory = corpus
        let report = Campaign.run(configuration)
        let failures = report.pairs.compactMap(\.failure).sorted { ($0.caseIndex, $0.testCase.operations.count) < ($1.caseIndex, $1.testCase.operations.count) }
        guard let first = failures.first else {
            return MutantHuntResult(name: name, killed: false, foundBy: "-", cases: exhaustive.sequences + report.cases, seconds: seconds(),
                                    shrunkOperations: nil)
        }
        let smallest = failures.min { $0.testCase.operations.count < $1.testCase.operations.count }!
        var result = MutantHuntResult(name: name, killed: true, foundBy: "campaign \(first.format.name)", cases: first.caseIndex + 1,
                                      seconds: seconds(), shrunkOperations: smallest.testCase.operations.count)
        result.testCase = smallest.testCase
        return result
    }
}

extension StringProtocol {
    var replacingSpaces: String { String(map { $0 == " " ? "_" : $0 }) }
    func replacingOccurrences(_ target: Character, _ replacement: Character) -> String { String(map { $0 == target ? replacement : $0 }) }
}
