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

    static func main(_ words: [String]) throws -> Int32 {
        var probe = Arguments(words)
        let corpus = try probe.value("corpus") ?? "corpus"
        let designNames = try probe.values("design")
        let before = Set((try? FileSystem.list(corpus, suffix: ".case")) ?? [])
        let status = runChild(["run-worker"] + words)
        guard case .signaled(let signal) = status else { if case .exited(let code) = status { return code }; return 1 }
        let crashes = ((try? FileSystem.list(corpus, suffix: ".case")) ?? []).filter { $0.hasPrefix("crash-") && !before.contains($0) }
        print("\nthe campaign stopped: a design trapped (signal \(signal))")
        for name in crashes {
            let path = corpus + "/" + name
            let designs = try DesignCatalog.select(designNames).names
            guard let culprit = designs.first(where: { traps(path, design: $0) })
            else {
                print("\(path): no single design traps on it when replayed")
                continue
            }
            print("\(culprit) traps on \(path); shrinking it, each candidate in a child process")
            _ = runChild(["shrink", path, "--design", culprit])
        }
        return 1
    }

    static func worker(_ arguments: inout Arguments) throws -> Int32 {
        let designs = try DesignCatalog.select(try arguments.values("design"))
        let formats = try DesignCatalog.formats(try arguments.values("format"))
        var configuration = CampaignConfiguration(designs: designs, formats: formats,
                                                  cases: Int(try arguments.integer("cases") ?? UInt64(defaultCases)),
                                                  seed: try arguments.integer("seed") ?? CampaignConfiguration.defaultSeed)
        if let seconds = try arguments.value("seconds") {
            guard let value = Double(seconds), value > 0 else { throw UsageError(message: "--seconds expects a positive number, not \"\(seconds)\"") }
            configuration.seconds = value
        }
        if let shard = try arguments.value("shard") {
            let parts = shard.split(separator: "/").compactMap { Int($0) }
            guard parts.count == 2, parts[1] >= 1, (1...parts[1]).contains(parts[0]) else {
                throw UsageError(message: "--shard expects K/N with 1 <= K <= N, not \"\(shard)\"")
            }
            configuration.shardIndex = parts[0] - 1
            configuration.shardCount = parts[1]
        }
        if let operations = try arguments.integer("max-operations") { configuration.maxOperations = Int(clamping: operations) }
        configuration.corpusDirectory = try arguments.value("corpus") ?? "corpus"
        if arguments.flag("no-shrink") { configuration.shrinker = nil }
        let quiet = arguments.flag("quiet")
        guard try arguments.positional().isEmpty else { throw UsageError(message: "run takes no positional arguments") }

        print("walkcheck run: seed \(hex(configuration.seed)), "
              + (configuration.seconds.map { "\($0) s" } ?? "\(configuration.cases) cases per format")
              + ", shard \(configuration.shardIndex + 1)/\(configuration.shardCount), \(formats.count) formats, designs "
              + "\(designs.names.joined(separator: ", ")) (\(BuildInfo.configuration) build, \(BuildInfo.cores) cores)")
        let line = ProgressLine()
        let report = Campaign.run(configuration) { progress in
            line.update(progress.format.name, "\(progress.format.name) \(progress.cases)\(progress.failures > 0 ? " (\(progress.failures) failing)" : "")")
        }
        line.finish()
        print(Reports.table(report))
        for pair in report.pairs { if let failure = pair.failure { print(failure.report(seed: configuration.seed)) } }
        if !quiet { print(Reports.reach(report)) }
        print("\(report.cases) cases, \(report.operations) operations, \(report.walks) walks in \(Reports.seconds(report.seconds)): "
              + (report.conforms ? "every design conforms" : "\(report.pairs.filter { $0.failure != nil }.count) design × format pairs fail"))
        return report.conforms ? 0 : 1
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
            let result = pair.failure.map { "FAIL after \($0.originalOperations) operations, shrunk to \($0.testCase.operations.count)" } ?? "ok"
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
