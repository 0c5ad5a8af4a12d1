#if canImport(Glibc)
import Glibc
#endif
import PageTable
import Oracle
import Generators
import Mutants

/// `walkcheck mutants`: hunts every mutant with the default budget, each in a child process, and
/// prints whether it was killed, what caught it, how long it took, and the mutation score.
enum MutantsCommand {
    static let defaultCases = 100

    static func main(_ arguments: inout Arguments) throws -> Int32 {
        let cases = try arguments.count("cases", in: RunCommand.caseRange) ?? defaultCases
        let seed = try arguments.seed() ?? CampaignConfiguration.defaultSeed
        let length = try arguments.count("length", in: ExhaustiveCommand.lengthRange) ?? 3
        var names = try arguments.values("design")
        let save = try arguments.value("save")
        if let save { try FileSystem.makeDirectory(save) }
        guard try arguments.positional().isEmpty else { throw UsageError(message: "mutants takes no positional arguments") }
        let known = DesignCatalog.mutants.names
        if names.isEmpty { names = known }
        let unknown = names.filter { !known.contains($0) }
        guard unknown.isEmpty else { throw UsageError(message: "unknown mutant \(unknown[0]); mutants are \(known.joined(separator: ", "))") }
        let scratch = try FileSystem.makeTemporaryDirectory(prefix: "walkcheck-mutants-")
        defer { FileSystem.removeDirectory(scratch) }
        print("walkcheck mutants: \(names.count) mutants; budget: every racer at every point of the race trees on tiny, then "
              + "exhaustive sequences up to \(length) on tiny and \(min(length, 2)) on "
              + "tiny-hugepd, then \(cases) cases per format (seed \(hex(seed))), stopping at the first kill; "
              + "\(BuildInfo.configuration) build, \(BuildInfo.cores) cores\n")
        let width = names.map(\.count).max()! + 2
        print(Reports.pad("mutant", width) + Reports.pad("host", 15) + Reports.pad("result", 10) + Reports.pad("found by", 24)
              + Reports.pad("cases", 8, right: true) + Reports.pad("seconds", 9, right: true) + Reports.pad("shrunk ops", 12, right: true)
              + Reports.pad("shrink s", 10, right: true))
        var results: [MutantHuntResult] = []
        for name in names {
            let clock = ContinuousClock()
            let started = clock.now
            let (status, output) = runChildCapturing(["mutant-worker", "--design", name, "--cases", "\(cases)", "--seed", "\(seed)",
                                                      "--length", "\(length)", "--corpus", scratch]
                                                     + (save.map { ["--save", $0] } ?? []), quiet: true)
            var result = output.split(separator: "\n").compactMap { MutantHuntResult(line: $0) }.first
            if status.isTrap {
                // A trap kills it; shrink the case the crash reporter saved to learn its size.
                let crashes = ((try? FileSystem.list(scratch, suffix: ".case")) ?? []).filter { $0.hasPrefix("crash-") }
                var size: Int?
                if let crash = crashes.first {
                    setenv("SWIFT_BACKTRACE", "enable=no", 1)
                    let shrunk = runChildCapturing(["shrink", scratch + "/" + crash, "--design", name], quiet: true)
                    unsetenv("SWIFT_BACKTRACE")
                    // "FILE: 9 -> 2 operations (the design traps on it)"
                    size = shrunk.output.split(separator: "\n").first { $0.contains(" -> ") }.flatMap { line in
                        let words = line.split(separator: " ")
                        return words.firstIndex(of: "->").flatMap { $0 + 1 < words.count ? Int(words[$0 + 1]) : nil }
                    }
                    if let save, let text = try? FileSystem.read(scratch + "/" + crash, maxBytes: CorpusFormat.maxFileBytes) {
                        try? FileSystem.write(text, to: "\(save)/\(name).case")
                    }
                    for file in crashes { FileSystem.remove(scratch + "/" + file) }
                }
                let elapsed = clock.now - started
                result = MutantHuntResult(name: name, killed: true, foundBy: "trap", cases: 0,
                                          seconds: elapsed.inSeconds,
                                          shrunkOperations: size)
            }
            let final = result ?? MutantHuntResult(name: name, killed: false, foundBy: "worker failed", cases: 0, seconds: 0, shrunkOperations: nil)
            results.append(final)
            print(Reports.pad(name, width) + Reports.pad(host(ofMutant: name), 15)
                  + Reports.pad(final.killed ? "killed" : "SURVIVED", 10) + Reports.pad(final.foundBy, 24)
                  + Reports.pad(final.foundBy == "trap" ? "-" : "\(final.cases)", 8, right: true)
                  + Reports.pad(Reports.seconds(final.seconds), 9, right: true)
                  + Reports.pad(final.shrunkOperations.map(String.init) ?? "-", 12, right: true)
                  + Reports.pad(final.shrinkSeconds.map(Reports.seconds) ?? "-", 10, right: true))
        }
        let killed = results.filter(\.killed).count
        let sizes = results.compactMap(\.shrunkOperations).sorted()
        let times = results.compactMap(\.shrinkSeconds)
        print("\nmutation score: \(killed)/\(results.count) = \(Int((Double(killed) / Double(results.count) * 100).rounded()))%; "
              + "median shrunk case: \(median(sizes.map(Double.init))) operations; median shrink time: \(Reports.seconds(median(times)))")
        return killed == results.count ? 0 : 1
    }

    /// The design a mutant's fault is injected into; `yours` for a package's own mutant.
    static func host(ofMutant name: String) -> String {
        MutantCatalog.names.contains(name) ? MutantCatalog.host(ofMutant: name) : "yours"
    }

    /// The median of `values` (the mean of the middle two for an even count; 0 for none).
    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    static func worker(_ arguments: inout Arguments) throws -> Int32 {
        guard let name = try arguments.value("design") else { throw UsageError(message: "mutant-worker needs --design") }
        let saveDirectory = try arguments.value("save")
        let cases = try arguments.count("cases", in: RunCommand.caseRange) ?? defaultCases
        let seed = try arguments.seed() ?? CampaignConfiguration.defaultSeed
        let length = try arguments.count("length", in: ExhaustiveCommand.lengthRange) ?? 3
        let corpus = try arguments.value("corpus")
        if let corpus {
            try RunCommand.checkCorpus(corpus)
            try CrashReporter.install(directory: corpus)
        }
        let result = MutantHunt.hunt(name, in: DesignCatalog.mutants, cases: cases, seed: seed, exhaustiveLength: length, corpus: corpus)
        if let save = saveDirectory, let testCase = result.testCase {
            try FileSystem.write(CorpusFormat.text(of: CorpusCase(testCase: testCase, design: name)), to: "\(save)/\(name).case")
        }
        print(result)
        return 0
    }
}
