import PageTable
import Oracle
import Generators

/// `walkcheck run` (and `walkcheck` with no arguments): a seeded campaign over designs and formats.
///
/// The campaign runs in a worker process. If a design traps, the worker dies after saving the case
/// in flight as `crash-*.case`; the parent then finds which design traps on it, shrinks it with each
/// candidate in a child process, and reports it.
enum RunCommand {
    static let defaultCases = CampaignConfiguration.defaultCases
    /// The case counts `--cases` accepts.
    static let caseRange = 1...100_000_000
    /// The durations `--seconds` accepts: up to a week.
    static let secondsRange = 0.001...604_800.0

    /// The campaign the options describe; every value is checked here, so a bad one is a usage
    /// error before any work starts.
    static func configuration(_ arguments: inout Arguments) throws -> CampaignConfiguration {
        let designs = try DesignCatalog.select(try arguments.values("design"))
        let formats = try DesignCatalog.formats(try arguments.values("format"))
        var configuration = CampaignConfiguration(designs: designs, formats: formats,
                                                  cases: try arguments.count("cases", in: caseRange) ?? defaultCases,
                                                  seed: try arguments.seed() ?? CampaignConfiguration.defaultSeed)
        configuration.seconds = try arguments.seconds("seconds", in: secondsRange)
        configuration.extensions = DesignCatalog.extensions
        if let shard = try arguments.value("shard") {
            let parts = shard.split(separator: "/", omittingEmptySubsequences: false).map { parseNumber($0).flatMap { Int(exactly: $0) } }
            guard parts.count == 2, let index = parts[0], let count = parts[1], (1...1_000_000).contains(count), (1...count).contains(index) else {
                throw UsageError(message: "--shard expects K/N with 1 <= K <= N <= 1000000, not \"\(shard)\"")
            }
            configuration.shardIndex = index - 1
            configuration.shardCount = count
        }
        if let operations = try arguments.count("max-operations", in: 1...CorpusFormat.maxOperations) { configuration.maxOperations = operations }
        if let races = try arguments.count("races", in: 0...CorpusFormat.maxRaces) { configuration.maxRaces = races }
        if let writes = try arguments.count("writes", in: 0...CorpusFormat.maxWrites) { configuration.maxWrites = writes }
        configuration.corpusDirectory = try arguments.value("corpus") ?? "corpus"
        if arguments.flag("no-shrink") { configuration.shrinker = nil }
        return configuration
    }

    /// Checks that cases can be saved in `directory` (created if missing): a usage error if not.
    static func checkCorpus(_ directory: String) throws {
        do {
            _ = try CorpusStore(directory: directory)
            try FileSystem.checkWritable(directory)
        } catch {
            throw UsageError(message: "cannot save cases in --corpus \(directory): \(error)")
        }
    }

    /// Runs the campaign in a worker process. When a design traps, the worker dies after saving the
    /// case in flight; this finds the design, shrinks the case (each candidate in a child process),
    /// and runs the campaign again without that design, so every other design is still reported.
    static func main(_ words: [String]) throws -> Int32 {
        var probe = Arguments(words)
        let configuration = try configuration(&probe)
        _ = probe.flag("quiet")
        guard try probe.positional().isEmpty else { throw UsageError(message: "run takes no positional arguments") }
        let corpus = configuration.corpusDirectory ?? "corpus"
        try checkCorpus(corpus)
        var withoutDesigns = Arguments(words)
        _ = try withoutDesigns.values("design")
        var standing = configuration.designs.names
        var trapped: [String] = []
        while true {
            let before = Set((try? FileSystem.list(corpus, suffix: ".case")) ?? [])
            let status = runChild(["run-worker"] + withoutDesigns.rest + ["--design", standing.joined(separator: ",")])
            guard case .signaled = status else {
                if !trapped.isEmpty {
                    print("\ndesigns that trapped (left out of the table above):")
                    for line in trapped { print("  " + line) }
                    return 1
                }
                if case .exited(let code) = status { return code }
                return 1
            }
            let crashes = ((try? FileSystem.list(corpus, suffix: ".case")) ?? []).filter { $0.hasPrefix("crash-") && !before.contains($0) }
            print("\nthe campaign worker ended: \(status.summary)")
            guard status.isTrap else {
                Terminal.error("walkcheck: the campaign was stopped from outside (\(status.summary)); no design is to blame\n")
                return 1
            }
            var culprits: [String] = []
            for name in crashes {
                let path = corpus + "/" + name
                guard let culprit = standing.first(where: { traps(path, design: $0) }) else {
                    print("\(path): no single design traps on it when replayed")
                    continue
                }
                print("\(culprit) traps on \(path); shrinking it, each candidate in a child process")
                _ = runChild(["shrink", path, "--design", culprit])
                trapped.append("\(culprit): traps on \(path) (\(status.summary)); replay: \(DesignCatalog.command) replay \(path) --design \(culprit)")
                culprits.append(culprit)
            }
            guard !culprits.isEmpty else {
                Terminal.error("walkcheck: the worker trapped but no case in flight names a design that traps; stopping\n")
                return 1
            }
            standing.removeAll { culprits.contains($0) }
            if standing.isEmpty {
                print("\nevery design trapped:")
                for line in trapped { print("  " + line) }
                return 1
            }
            print("running the campaign again without \(culprits.joined(separator: ", "))\n")
        }
    }

    static func worker(_ arguments: inout Arguments) throws -> Int32 {
        let configuration = try configuration(&arguments)
        let quiet = arguments.flag("quiet")
        guard try arguments.positional().isEmpty else { throw UsageError(message: "run takes no positional arguments") }
        let designs = configuration.designs, formats = configuration.formats
        if let corpus = configuration.corpusDirectory {
            try checkCorpus(corpus)
            do { try CrashReporter.install(directory: corpus) } catch { throw UsageError(message: "cannot save crash cases in \(corpus): \(error)") }
        }

        print("walkcheck run: seed \(hex(configuration.seed)), "
              + (configuration.seconds.map { "\($0) s" } ?? "\(configuration.cases) cases per format")
              + (configuration.shardCount > 1 ? ", shard \(configuration.shardIndex + 1)/\(configuration.shardCount) of them" : "")
              + ", \(formats.count) formats, designs "
              + "\(designs.names.joined(separator: ", ")) (\(BuildInfo.configuration) build, \(BuildInfo.cores) cores)")
        let line = ProgressLine()
        let report = Campaign.run(configuration) { progress in
            line.update(progress.format.name, "\(progress.format.name) \(progress.cases)\(progress.failures > 0 ? " (\(progress.failures) failing)" : "")")
        }
        line.finish()
        print(Reports.table(report))
        var unsaved = 0
        for pair in report.pairs {
            guard let failure = pair.failure else { continue }
            print(failure.report(seed: configuration.seed, command: DesignCatalog.command))
            if let error = failure.saveError {
                unsaved += 1
                Terminal.error("walkcheck: the failing case of \(failure.design) on \(failure.foundFormat.name) was not saved: \(error)\n")
            }
        }
        if !quiet { print(Reports.reach(report)) }
        if report.racedWalks > 0 {
            let events = report.raceEvents
            print("races: \(report.racedWalks) raced walks; \(events.failedLocks) PTE locks or maps failed (a retry), "
                  + "\(events.waits) writers waited for a lock, \(events.freedUnderReader) tables freed under a reader, "
                  + "\(events.hardwareUnderLock) MMU updates under a lock")
        }
        let cases = report.cases == 0 ? "no cases run" : "\(report.cases) cases"
        let raced = report.racedWalks > 0 ? " (\(report.racedWalks) raced)" : ""
        let writes = report.writes > 0 ? ", \(report.writes) writes" : ""
        print("\(cases), \(report.operations) operations, \(report.walks) walks\(raced)\(writes) in \(Reports.seconds(report.seconds)): "
              + (report.cases == 0 ? "nothing checked" : report.conforms ? "every design conforms" : "\(report.pairs.filter { $0.failure != nil }.count) design × format pairs fail"))
        return report.conforms && unsaved == 0 && report.cases > 0 ? 0 : 1
    }
}

/// Text for campaign reports.
enum Reports {
    static func seconds(_ value: Double) -> String { value < 10 ? "\((value * 100).rounded() / 100) s" : "\(Int(value.rounded())) s" }

    static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let padding = String(repeating: " ", count: max(0, width - text.count))
        return right ? padding + text : text + padding
    }

    /// The design × format summary table.
    static func table(_ report: CampaignReport) -> String {
        let designWidth = max(6, report.pairs.map(\.design.count).max() ?? 0)
        var lines = ["", pad("design", designWidth) + "  " + pad("format", 14) + pad("cases", 8, right: true) + pad("walks", 10, right: true) + "  result"]
        for pair in report.pairs {
            let result = pair.failure.map {
                "FAIL after \($0.originalOperations) operations" + ($0.shrunk ? ", shrunk to \($0.testCase.operations.count)" : ", not shrunk")
            } ?? "ok"
            lines.append(pad(pair.design, designWidth) + "  " + pad(pair.format.name, 14) + pad("\(pair.cases)", 8, right: true)
                         + pad("\(pair.walks)", 10, right: true) + "  " + result)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// What the generator reached: operations by kind, and the coverage census of each format.
    static func reach(_ report: CampaignReport) -> String {
        let operations = OperationKind.allCases.map { "\($0.rawValue) \(report.operationKinds[$0.rawValue, default: 0])" }
        var text = "operations generated: " + operations.joined(separator: ", ") + "\n"
        for pair in report.pairs where pair.design == report.pairs.first?.design {
            if let found = report.census[pair.format.name] { text += census(found, format: pair.format) + "\n" }
        }
        return text
    }

    /// One format's census: cells reached of those reachable, and the ones missed.
    static func census(_ census: CoverageCensus, format: Format) -> String {
        let reachable = CoverageCensus.reachable(on: format)
        let missing = census.missing(on: format)
        var line = "census \(format.name): \(reachable.count - missing.count) of \(reachable.count) reachable cells"
        if !missing.isEmpty { line += "; missed: " + missing.joined(separator: ", ") }
        let extra = census.counts.keys.filter { !reachable.contains($0) }.sorted()
        if !extra.isEmpty { line += "; reached but not listed as reachable: " + extra.joined(separator: ", ") }
        return line
    }
}

/// `0x…`.
func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }
