#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Generators

/// A campaign run in a child process, for a test: the package's own command line (an executable
/// calling ``WalkCheckTool/main(designs:mutants:command:)``, which `swift test` builds beside the
/// test binary) runs `run` on the designs, so a design that traps fails the one test that ran it —
/// with its case saved in the corpus and shrunk, in further child processes — instead of ending
/// the whole test run, as an in-process `Campaign.run` would.
public struct IsolatedCampaign: Sendable {
    /// The executable's name (its product name): `walkcheck` for this package's own.
    public var tool: String
    /// The designs to run, by name (`--design`).
    public var designs: [String]
    /// The formats (`--format`); every format when empty.
    public var formats: [String] = []
    /// Cases per format (`--cases`).
    public var cases = 100
    /// The campaign seed (`--seed`).
    public var seed = CampaignConfiguration.defaultSeed
    /// Where failing and trapping cases are saved (`--corpus`).
    public var corpus: String
    /// Further `run` options (`--writes 0`, `--races 0`, `--max-operations 20`, …).
    public var options: [String] = []

    /// A campaign of `designs` by the executable `tool`, saving failing cases in `corpus`.
    public init(tool: String, designs: [String], corpus: String) {
        self.tool = tool
        self.designs = designs
        self.corpus = corpus
    }

    /// The `run` arguments the child is started with.
    public var arguments: [String] {
        ["run", "--design", designs.joined(separator: ","), "--cases", "\(cases)", "--seed", hex(seed),
         "--corpus", corpus] + (formats.isEmpty ? [] : ["--format", formats.joined(separator: ",")]) + options
    }

    /// Where the executable is: beside the running (test) executable.
    public var executablePath: String {
        let running = BuildInfo.executable
        return String(running[..<(running.lastIndex(of: "/") ?? running.startIndex)]) + "/" + tool
    }

    /// Runs the campaign in a child process that dies with this one, and waits for it.
    public func run() throws(IsolatedCampaignError) -> IsolatedCampaignOutcome {
        let path = executablePath
        guard access(path, X_OK) == 0 else { throw .noExecutable(path) }
        guard !designs.isEmpty, !designs.contains(where: { $0.isEmpty || $0.contains(",") }) else { throw .badDesigns(designs) }
        // The child's own backtracer is off: a trap is the expected outcome of a trapping design.
        setenv("SWIFT_BACKTRACE", "enable=no", 1)
        let (status, output) = runChildCapturing(arguments, executable: path, forwardSignals: false, quiet: false)
        switch status {
        case .exited(let code): return IsolatedCampaignOutcome(exitStatus: code, signal: nil, output: output)
        case .signaled(let signal): return IsolatedCampaignOutcome(exitStatus: nil, signal: signal, output: output)
        }
    }
}

/// How an isolated campaign ended and what it printed.
public struct IsolatedCampaignOutcome: Sendable, CustomStringConvertible {
    /// The command line's exit status (0: every design conforms; 1: one failed or trapped; 2: a
    /// usage error), or nil when a signal ended it.
    public var exitStatus: Int32?
    /// The signal that ended the command line itself, if one did (a trapping design ends only its worker).
    public var signal: Int32?
    /// What it printed: the table, each failure's shrunk case, where it is saved and how to reproduce it.
    public var output: String

    /// Whether every design conformed.
    public var conforms: Bool { exitStatus == 0 }

    /// The corpus files the run saved failing or trapping cases to, as its report names them.
    public var savedCases: [String] {
        output.split(separator: "\n").compactMap { line -> String? in
            for marker in ["saved as ", "traps on "] {
                guard let range = line.firstRange(of: marker) else { continue }
                let rest = line[range.upperBound...]
                return String(rest.prefix { $0 != ";" && $0 != " " })
            }
            return nil
        }
    }

    /// The output, for a failed expectation's message.
    public var description: String {
        (exitStatus.map { "exit status \($0)" } ?? "signal \(signal ?? 0)") + "\n" + output
    }
}

/// Why an isolated campaign could not start.
public enum IsolatedCampaignError: Error, CustomStringConvertible {
    /// The executable is not where `swift test` builds it.
    case noExecutable(String)
    /// A design name is empty or holds a comma.
    case badDesigns([String])

    /// What went wrong and what to do.
    public var description: String {
        switch self {
        case .noExecutable(let path):
            "no executable at \(path): declare an executable target that calls WalkCheckTool.main(designs:) "
                + "(swift test builds it beside the tests), and give its product name as the tool"
        case .badDesigns(let names): "design names must be non-empty and hold no comma: \(names)"
        }
    }
}
