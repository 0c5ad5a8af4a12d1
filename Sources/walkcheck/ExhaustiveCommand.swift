import PageTable
import Oracle
import Generators

/// `walkcheck exhaustive`: every operation sequence up to a length on the tiny format, each design in
/// a child process so that a design that traps is reported (its state saved as a crash case).
enum ExhaustiveCommand {
    static func main(_ arguments: inout Arguments) throws -> Int32 {
        let names = try DesignCatalog.select(try arguments.values("design")).names
        let length = try arguments.integer("length") ?? 3
        let corpus = try arguments.value("corpus") ?? "corpus"
        guard try arguments.positional().isEmpty else { throw UsageError(message: "exhaustive takes no positional arguments") }
        var failed = 0
        for name in names {
            let status = runChild(["exhaustive-worker", "--design", name, "--length", "\(length)", "--corpus", corpus])
            switch status {
            case .exited(0): break
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
        if let corpus = try arguments.value("corpus"), (try? CorpusStore(directory: corpus)) != nil { CrashReporter.install(directory: corpus) }
        let length = Int(try arguments.integer("length") ?? 3)
        guard (0...4).contains(length) else { throw UsageError(message: "--length expects 0 to 4") }
        guard try arguments.positional().isEmpty else { throw UsageError(message: "exhaustive takes no positional arguments") }
        let alphabet = Exhaustive.alphabet.count
        let total = (0...length).reduce(0) { $0 + Int(pow(alphabet, $1)) }
        print("walkcheck exhaustive: tiny format, \(alphabet) operations, sequences up to \(length) (\(total)), "
              + "\(Exhaustive.queries.count) walks each, designs \(designs.names.joined(separator: ", ")) (\(BuildInfo.configuration) build)")
        let line = ProgressLine()
        let clock = ContinuousClock()
        let started = clock.now
        let report = Exhaustive.run(designs: designs, maxLength: length, progress: { done in line.update("x", "\(done)/\(total) sequences") },
                                    onState: { CrashReporter.setCase(CorpusFormat.text(of: CorpusCase(testCase: $0))) })
        line.finish()
        let elapsed = clock.now - started
        for (design, found) in report.failures.sorted(by: { $0.key < $1.key }) {
            print("FAIL \(design) after \(found.step) operations:")
            print(CorpusFormat.text(of: CorpusCase(testCase: found.testCase, design: design)).split(separator: "\n").map { "  | " + $0 }.joined(separator: "\n"))
            print(found.failure.detail.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
        }
        print("\(report.sequences) sequences, \(report.states) distinct states, \(report.walks) walks in \(elapsed): "
              + (report.failures.isEmpty ? "every design conforms" : "\(report.failures.count) designs fail"))
        return report.failures.isEmpty ? 0 : 1
    }

    static func pow(_ base: Int, _ exponent: Int) -> Int { (0..<exponent).reduce(1) { result, _ in result * base } }
}
