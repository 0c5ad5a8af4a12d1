import Dispatch
import Synchronization
import PageTable
import Oracle

/// What a campaign runs: designs, formats, a budget and a seed.
public struct CampaignConfiguration: Sendable {
    /// The cases per format of `walkcheck`'s default campaign.
    public static let defaultCases = 200
    /// The seed of `walkcheck`'s default campaign.
    public static let defaultSeed: UInt64 = 0x5EED

    /// The designs under test.
    public var designs: DesignSet
    /// The formats to generate cases for.
    public var formats: [Format]
    /// Cases per format (each design is checked on each), unless a time budget is set: the case
    /// indices `0..<cases`, of which a shard runs its share.
    public var cases: Int
    /// A time budget in seconds for the whole campaign; nil to run `cases` cases.
    public var seconds: Double?
    /// The campaign seed.
    public var seed: UInt64
    /// Which share of the case indices to run: cases `shardIndex`, `shardIndex + shardCount`, …
    public var shardIndex = 0
    /// How many shards the campaign is split into.
    public var shardCount = 1
    /// Where failing cases are saved (before shrinking, then replaced by the shrunk case); nil to save none.
    public var corpusDirectory: String?
    /// The shrinker used on failures; nil not to shrink.
    public var shrinker: Shrinker? = Shrinker()
    /// The largest number of operations in a generated case.
    public var maxOperations = CampaignConfiguration.defaultMaxOperations
    /// The most racers a generated case races its walks with (SEMANTICS.md, "Racing walks"); 0 for none.
    public var maxRaces = CampaignConfiguration.defaultMaxRaces
    /// The most writer operations a generated case checks after its walks (SEMANTICS.md, "Writers"); 0 for none.
    public var maxWrites = CampaignConfiguration.defaultMaxWrites
    /// A package's operation weights and queries (``GeneratorExtensions``); none by default.
    public var extensions = GeneratorExtensions()
    /// Whether to stop at the first failure: each format's worker stops once its case index passes
    /// the smallest index any worker failed at, so that the failure with the smallest (index,
    /// format) is found, whatever the workers' timing, and little else is run (a mutant hunt).
    public var stopAtFirstFailure = false

    /// Creates a configuration.
    public init(designs: DesignSet, formats: [Format], cases: Int, seconds: Double? = nil, seed: UInt64) {
        self.designs = designs
        self.formats = formats
        self.cases = cases
        self.seconds = seconds
        self.seed = seed
    }

    /// The generator cases are drawn from for `format`.
    public func generator(for format: Format) -> CaseGenerator {
        var generator = CaseGenerator(format: format, maxOperations: maxOperations, maxRaces: maxRaces, maxWrites: maxWrites)
        generator.extensions = extensions
        return generator
    }

    /// The default largest number of operations in a generated case.
    public static let defaultMaxOperations = 12
    /// The default largest number of racers in a generated case: racing walks cost about a third
    /// more CPU a campaign (BENCHMARKS.md, "Step 11"), so they are on by default.
    public static let defaultMaxRaces = 2
    /// The default largest number of writer operations in a generated case.
    public static let defaultMaxWrites = 2

    /// The `walkcheck` arguments that run the campaign again up to case `index` of `format` for
    /// `design` alone: the same seed, shard and generator settings, the format the case was found
    /// on, and just enough cases to reach it (a case depends on the cases of its stream before it).
    public func reproduceArguments(design: String, format: Format, index: Int) -> [String] {
        var arguments = ["run", "--seed", hex(seed), "--design", design, "--format", format.name, "--cases", "\(index + 1)"]
        if shardCount > 1 { arguments += ["--shard", "\(shardIndex + 1)/\(shardCount)"] }
        if maxOperations != Self.defaultMaxOperations { arguments += ["--max-operations", "\(maxOperations)"] }
        if maxRaces != Self.defaultMaxRaces { arguments += ["--races", "\(maxRaces)"] }
        if maxWrites != Self.defaultMaxWrites { arguments += ["--writes", "\(maxWrites)"] }
        return arguments
    }
}

/// A design's shrunk failure on one format.
public struct ShrunkFailure: Sendable {
    /// The design.
    public var design: String
    /// The format of the shrunk case (which may have moved to `tiny` or `tiny-hugepd`).
    public var format: Format
    /// The format the failure was found on.
    public var foundFormat: Format
    /// The index of the case it first failed on.
    public var caseIndex: Int
    /// How many operations the original case had.
    public var originalOperations: Int
    /// The shrunk case.
    public var testCase: TestCase
    /// The shrunk case's choices.
    public var choices: [UInt64]
    /// How many operations had been applied when the shrunk case failed, and what was wrong.
    public var step: Int
    /// The failure on the shrunk case: query and diff.
    public var failure: Conformance.Failure
    /// Where the case was saved, if it was.
    public var corpusPath: String?
    /// Where the unshrunk case is saved when saving the shrunk one failed.
    public var unshrunkPath: String?
    /// Why saving failed (the first save or the shrunk case's), if it did.
    public var saveError: String?
    /// Whether the case was shrunk (false with no shrinker).
    public var shrunk: Bool
    /// The arguments to `walkcheck` that find this failure again.
    public var reproduce: [String]
    /// Candidates the shrinker evaluated.
    public var shrinkEvaluations: Int
    /// Seconds the shrinker took.
    public var shrinkSeconds: Double
}

/// One design on one format: how far it got.
public struct PairReport: Sendable {
    /// The design.
    public var design: String
    /// The format.
    public var format: Format
    /// Cases the design was checked on.
    public var cases: Int
    /// Walks of the design that were checked.
    public var walks: Int
    /// Its shrunk failure, if it failed.
    public var failure: ShrunkFailure?
}

/// What a campaign found and reached.
public struct CampaignReport: Sendable {
    /// Every design × format pair, formats in configuration order.
    public var pairs: [PairReport] = []
    /// Cases generated and run.
    public var cases = 0
    /// Operations applied.
    public var operations = 0
    /// Design walks checked.
    public var walks = 0
    /// How many of them were raced.
    public var racedWalks = 0
    /// What the racers provoked in them.
    public var raceEvents = RacingReader.Events()
    /// Writer operations judged (one design, one operation each).
    public var writes = 0
    /// Operations generated, by kind.
    public var operationKinds: [String: Int] = [:]
    /// What the cases reached, by format name (``CoverageCensus``).
    public var census: [String: CoverageCensus] = [:]
    /// Cases whose operations were refused (never, for generated cases).
    public var refusedCases = 0
    /// Wall-clock seconds.
    public var seconds = 0.0

    /// Whether every design conformed on every case.
    public var conforms: Bool { pairs.allSatisfy { $0.failure == nil } && refusedCases == 0 }
}

/// Progress of a running campaign, for a terminal display.
public struct CampaignProgress: Sendable {
    /// The format whose worker reports.
    public var format: Format
    /// Cases that worker has run.
    public var cases: Int
    /// Failures that worker has found.
    public var failures: Int
}

/// Runs campaigns: generates cases per format, checks designs, shrinks and saves failures.
public enum Campaign {
    /// Runs `configuration`, one worker per format on the machine's cores.
    public static func run(_ configuration: CampaignConfiguration,
                           progress: (@Sendable (CampaignProgress) -> Void)? = nil) -> CampaignReport {
        let clock = ContinuousClock()
        let started = clock.now
        let deadline = configuration.seconds.map { started.advanced(by: .milliseconds(Int64($0 * 1000))) }
        let results = Mutex<[Int: (pairs: [PairReport], report: CampaignReport)]>([:])
        let firstFailure = Mutex(Int.max)
        if let directory = configuration.corpusDirectory, (try? CorpusStore(directory: directory)) != nil {
            // Callers that must not lose a crash install the reporter first and stop on its error.
            try? CrashReporter.install(directory: directory)
        }
        DispatchQueue.concurrentPerform(iterations: configuration.formats.count) { worker in
            let outcome = runFormat(configuration, worker: worker, deadline: deadline, firstFailure: firstFailure, progress: progress)
            results.withLock { $0[worker] = outcome }
        }
        var report = CampaignReport()
        results.withLock { all in
            for worker in all.keys.sorted() {
                let part = all[worker]!
                report.pairs += part.pairs
                report.cases += part.report.cases
                report.operations += part.report.operations
                report.walks += part.report.walks
                report.racedWalks += part.report.racedWalks
                report.raceEvents.add(part.report.raceEvents)
                report.writes += part.report.writes
                report.refusedCases += part.report.refusedCases
                report.operationKinds.merge(part.report.operationKinds, uniquingKeysWith: +)
                report.census.merge(part.report.census) { var merged = $0; merged.merge($1); return merged }
            }
        }
        report.seconds = (clock.now - started).inSeconds
        return report
    }

    private static func runFormat(_ configuration: CampaignConfiguration, worker: Int, deadline: ContinuousClock.Instant?,
                                  firstFailure: borrowing Mutex<Int>,
                                  progress: (@Sendable (CampaignProgress) -> Void)?) -> (pairs: [PairReport], report: CampaignReport) {
        let format = configuration.formats[worker]
        var stream = CaseStream(generator: configuration.generator(for: format), seed: configuration.seed)
        var report = CampaignReport()
        var pairs = configuration.designs.names.map { PairReport(design: $0, format: format, cases: 0, walks: 0, failure: nil) }
        var standing = configuration.designs
        var index = 0
        while !standing.names.isEmpty {
            if let deadline { if ContinuousClock().now >= deadline { break } } else if index >= configuration.cases { break }
            if configuration.stopAtFirstFailure, index > firstFailure.withLock({ $0 }) { break }
            let (testCase, choices, _, states) = stream.next(index: index)
            // Other shards' cases are generated, not run: a case's aim depends on every case
            // before it, so each index is the same case in every shard configuration.
            guard index % configuration.shardCount == configuration.shardIndex else {
                index += 1
                continue
            }
            CrashReporter.setCase(CorpusFormat.text(of: CorpusCase(testCase: testCase, origin: (configuration.seed, index), choices: choices)))
            let result = CaseRunner.run(testCase, designs: standing, states: states)
            CrashReporter.clear()
            report.cases += 1
            report.operations += result.operations
            report.walks += result.walks
            report.racedWalks += result.racedWalks
            report.raceEvents.add(result.raceEvents)
            report.writes += result.writes
            if result.refused != nil { report.refusedCases += 1 }
            for operation in testCase.operations { report.operationKinds[OperationKind(operation).rawValue, default: 0] += 1 }
            for name in standing.names {
                let position = pairs.firstIndex { $0.design == name }!
                pairs[position].cases += 1
                pairs[position].walks += result.walksByDesign[name, default: 0]
            }
            if configuration.stopAtFirstFailure, !result.failures.isEmpty { firstFailure.withLock { first in first = min(first, index) } }
            for (name, found) in result.failures.sorted(by: { $0.key < $1.key }) {
                let position = pairs.firstIndex { $0.design == name }!
                pairs[position].failure = shrinkAndSave(configuration, design: name, format: format, index: index,
                                                        testCase: testCase, choices: choices, found: found)
            }
            standing = standing.removing(Set(result.failures.keys))
            progress?(CampaignProgress(format: format, cases: report.cases, failures: pairs.filter { $0.failure != nil }.count))
            index += 1
        }
        report.census[format.name] = stream.census
        return (pairs, report)
    }

    private static func shrinkAndSave(_ configuration: CampaignConfiguration, design: String, format: Format, index: Int,
                                      testCase: TestCase, choices: [UInt64], found: (step: Int, failure: Conformance.Failure)) -> ShrunkFailure {
        var saveError: String?
        var store: CorpusStore?
        if let directory = configuration.corpusDirectory {
            do { store = try CorpusStore(directory: directory) } catch { saveError = error.description }
        }
        let name = CorpusStore.fileName(design: design, format: format.name, seed: configuration.seed, index: index)
        func saved(_ shrunk: TestCase, _ shrunkChoices: [UInt64]?, _ failure: Conformance.Failure) -> String? {
            guard let store else { return nil }
            let firstLine = failure.detail.split(separator: "\n").first.map(String.init)
            do {
                return try store.save(CorpusCase(testCase: shrunk, origin: (configuration.seed, index), design: design,
                                                 firstDifference: firstLine, choices: shrunkChoices), as: name)
            } catch {
                saveError = error.description
                return nil
            }
        }
        // Saved before shrinking, so that a crash while shrinking loses nothing.
        let firstPath = saved(testCase, choices, found.failure)
        var path = firstPath
        let only = configuration.designs.only(design)
        let clock = ContinuousClock()
        let started = clock.now
        var shrunk: (testCase: TestCase, choices: [UInt64]?, evaluations: Int) = (testCase, choices, 0)
        if let shrinker = configuration.shrinker {
            let fails = { (candidate: TestCase) -> Bool in
                CrashReporter.setCase(CorpusFormat.text(of: CorpusCase(testCase: candidate, design: design)))
                defer { CrashReporter.clear() }
                return CaseRunner.run(candidate, designs: only).failures[design] != nil
            }
            let result = shrinker.shrink(choices: choices, format: format, generator: configuration.generator(for:), fails: fails)
            let minimal = shrinker.minimizeCase(result.testCase, fails: fails)
            // The choices still generate the case only if the case-level pass changed nothing.
            shrunk = (minimal.testCase, minimal.testCase == result.testCase ? result.choices : nil,
                      result.evaluations + minimal.evaluations)
        }
        let final = CaseRunner.run(shrunk.testCase, designs: only).failures[design] ?? found
        if configuration.shrinker != nil, path != nil {
            // The file holds the unshrunk case until this save succeeds; say so if it does not.
            path = saved(shrunk.testCase, shrunk.choices, final.failure)
        }
        let elapsed = clock.now - started
        return ShrunkFailure(design: design, format: shrunk.testCase.format, foundFormat: format, caseIndex: index,
                             originalOperations: testCase.operations.count, testCase: shrunk.testCase, choices: shrunk.choices ?? [],
                             step: final.step, failure: final.failure, corpusPath: path, unshrunkPath: path == nil ? firstPath : nil, saveError: saveError,
                             shrunk: configuration.shrinker != nil,
                             reproduce: configuration.reproduceArguments(design: design, format: format, index: index),
                             shrinkEvaluations: shrunk.evaluations,
                             shrinkSeconds: elapsed.inSeconds)
    }
}

extension OperationKind {
    /// The kind of `operation`.
    public init(_ operation: Operation) {
        switch operation {
        case .map: self = .map
        case .unmap: self = .unmap
        case .protect: self = .protect
        case .split: self = .split
        case .collapse: self = .collapse
        case .fold: self = .fold
        case .unfold: self = .unfold
        case .swapOut: self = .swapOut
        case .swapIn: self = .swapIn
        case .startMigration: self = .startMigration
        case .finishMigration: self = .finishMigration
        case .convert: self = .convert
        case .installMarker: self = .installMarker
        case .uffdWriteProtect: self = .uffdWriteProtect
        case .age: self = .age
        case .dirty: self = .dirty
        case .clearSoftDirty: self = .clearSoftDirty
        case .move: self = .move
        case .reclaim: self = .reclaim
        case .mmap: self = .mmap
        case .munmap: self = .munmap
        case .mprotect: self = .mprotect
        case .madvise: self = .madvise
        }
    }
}
