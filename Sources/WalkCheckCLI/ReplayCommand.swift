import PageTable
import Oracle
import Generators

/// `walkcheck replay FILE…`: replays saved cases against the designs, each in a child process so
/// that a design that traps is reported, not fatal.
enum ReplayCommand {
    static func main(_ arguments: inout Arguments) throws -> Int32 {
        let designNames = try arguments.values("design")
        let inProcess = arguments.flag("in-process")
        var files = try arguments.positional()
        let designs = try DesignCatalog.select(designNames)
        if files.isEmpty { files = try CorpusStore(directory: "corpus").paths() }
        guard !files.isEmpty else { throw UsageError(message: "replay needs case files, or a corpus/ directory holding some") }
        var failed = 0, malformed = 0
        for file in files {
            let status = inProcess ? .exited(replayOne(file, designs: designs)) : runChild(["replay-one", file] + designNames.flatMap { ["--design", $0] })
            switch status {
            case .exited(0): print("ok      \(file)")
            case .exited(2): failed += 1; malformed += 1; print("BAD     \(file) (malformed or refused, see standard error)")
            case .exited: failed += 1; print("FAIL    \(file)")
            case .signaled: failed += 1; print("CRASH   \(file) (\(status.summary))")
            }
        }
        print("\(files.count - failed) of \(files.count) cases conform (designs: \(designs.names.joined(separator: ", ")))")
        // A malformed file is a usage error (2), whatever the others did.
        return malformed > 0 ? 2 : failed == 0 ? 0 : 1
    }

    /// Replays one file in this process; prints what failed. 0: conforms, 1: a design fails, 2: malformed.
    static func replayOne(_ file: String, designs: DesignSet) -> Int32 {
        let saved: CorpusCase
        do { saved = try CorpusStore.load(file) } catch {
            Terminal.error("walkcheck: \(error)\n")
            return 2
        }
        let result = CaseRunner.run(saved.testCase, designs: designs)
        if let refused = result.refused {
            let step = result.refusedStep ?? 0
            let line = step > 0 && step <= saved.operationLines.count ? ":\(saved.operationLines[step - 1])" : ""
            let text = step > 0 ? CorpusFormat.line(for: saved.testCase.operations[step - 1]) : ""
            Terminal.error("walkcheck: \(file)\(line): operation \(step) (\(text)) was refused: \(refused)\n")
            return 2
        }
        for (design, found) in result.failures.sorted(by: { $0.key < $1.key }) {
            print("\(file): \(design) fails after operation \(found.step):\n\(found.failure)")
        }
        return result.failures.isEmpty ? 0 : 1
    }

    static func child(_ arguments: inout Arguments) throws -> Int32 {
        let designs = try DesignCatalog.select(try arguments.values("design"))
        let files = try arguments.positional()
        guard files.count == 1 else { throw UsageError(message: "replay-one takes one file") }
        return replayOne(files[0], designs: designs)
    }
}
