import PageTable

extension ShrunkFailure {
    /// The failure for a human: the shrunk case, where it is saved, how to reproduce it, and the diff.
    /// - Parameters:
    ///   - seed: the campaign seed, printed so that the run can be repeated.
    ///   - command: how the user runs the command line the reproduce and replay lines name.
    public func report(seed: UInt64, command: String = "swift run -c release walkcheck") -> String {
        let how = shrunk
            ? "shrunk from \(originalOperations) to \(testCase.operations.count) operations "
              + "(\(shrinkEvaluations) candidates, \((shrinkSeconds * 100).rounded() / 100) s)"
            : "\(originalOperations) operations, not shrunk"
        var lines = ["FAIL \(design) on \(foundFormat.name): case \(caseIndex) (seed \(hex(seed))), " + how]
        if format != foundFormat { lines.append("  the shrunk case fails on \(format.name) too") }
        lines.append("  reproduce: \(command) " + reproduce.joined(separator: " "))
        if let path = corpusPath {
            lines.append("  saved as \(path); replay: \(command) replay \(path) --design \(design)")
        }
        if let path = unshrunkPath { lines.append("  NOT SAVED shrunk: \(path) holds the unshrunk case") }
        if let saveError { lines.append("  saving failed: \(saveError)") }
        lines += CorpusFormat.text(of: CorpusCase(testCase: testCase, design: design)).split(separator: "\n").map { "  | " + $0 }
        lines.append("  after operation \(step), \(failure.subject):")
        lines += failure.detail.split(separator: "\n").map { "  " + $0 }
        return lines.joined(separator: "\n") + "\n"
    }
}
