#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ChildShim
import PageTable
import Oracle
import Generators

/// The `walkcheck` command line as a library: a package's three-line executable target calls
/// ``main(designs:mutants:command:)`` with its own designs and gets every command — run, replay,
/// shrink, exhaustive, mutants, bench, census — with those designs by name beside the shipped ones.
public enum WalkCheckTool {
    /// Runs the command line on `CommandLine.arguments` with the shipped designs and `designs`,
    /// hunting `mutants` as well as the shipped mutants; never returns (the exit status is the
    /// command's).
    /// - Parameters:
    ///   - formats: formats of the package's own (``Format/init(validating:architecture:pageShift:pfnBits:levels:)``),
    ///     registered by name and run by default campaigns beside the presets.
    ///   - extensions: operation weights and queries every campaign and shrink uses.
    ///   - command: how a user runs this executable, printed in every reproduce and replay line; by
    ///     default `swift run -c release NAME`, NAME being this executable's file name.
    public static func main(designs: DesignSet = DesignSet(), mutants: DesignSet = DesignSet(), formats: [Format] = [],
                            extensions: GeneratorExtensions = GeneratorExtensions(), command: String? = nil) -> Never {
        let name = String(BuildInfo.executable.split(separator: "/").last ?? "walkcheck")
        for format in formats {
            do { try Format.register(format) } catch {
                Terminal.error("\(name): \(error)\n")
                exit(2)
            }
        }
        DesignCatalog.register(outside: designs, mutants: mutants, command: command ?? "swift run -c release \(name)", extensions: extensions)
        exit(run(Array(CommandLine.arguments.dropFirst()), name: name))
    }

    /// The usage text, naming the executable `name`.
    static func usage(_ name: String) -> String {
        """
    \(name): a conformance suite for page-table walkers

    usage:
      \(name)                          run the default campaign (every design, every format)
      \(name) run [options]            run a seeded campaign
          --seed N                       campaign seed (default 0x5eed)
          --cases N                      cases per format, 1 to 10^8 (default \(RunCommand.defaultCases))
          --seconds S                    run for S seconds instead of a case count (up to a week)
          --design NAME[,NAME]           designs: \(DesignCatalog.standing.names.joined(separator: ", ")),
                                         a mutant, or "mutants"
          --format NAME[,NAME]           formats: \((Format.all + Format.registered).map(\.name).joined(separator: ", "))
          --shard K/N                    run the K-th of N shares of the --cases cases (for CI
                                         machines: N shards together run the unsharded campaign)
          --corpus DIR                   where failing cases are saved (default corpus)
          --max-operations N             operations per case, 1 to 4096 (default 12)
          --races N                      racers per case, 0 to 16 (default 2): each case's walks
                                         are checked again, raced by up to N writers and the MMU
          --writes N                     writer operations per case, 0 to 64 (default 2): zap,
                                         mprotect, fork copy or set-entries, checked after the walks
          --no-shrink                    report failures unshrunk
      \(name) replay [FILE…] [--design NAME]
                                         replay saved cases (default: corpus/*.case), each in a child process
      \(name) shrink FILE [--design NAME]
                                         shrink a saved failing case in place
      \(name) exhaustive [--length N] [--format tiny|tiny-hugepd] [--design NAME] [--corpus DIR] [--races|--writers]
                                         every sequence of up to N (default 3) operations on the small
                                         formats (both unless --format), each design in a child process;
                                         --races: every racer at every scheduling point of every walk
                                         of tiny's race trees, and every pair on short walks;
                                         --writers: every writer operation on every tree of tiny's
                                         writer trees
      \(name) mutants [--cases N] [--length N] [--design MUTANT] [--save DIR]
                                         hunt every mutant (every racer at every point of tiny's race
                                         trees, every writer operation on tiny's writer trees,
                                         exhaustive tiny sequences, then a campaign), each in a
                                         child process; print the mutation score;
                                         --save writes each mutant's shrunk case to DIR/NAME.case
      \(name) census [--cases N] [--seed N] [--format NAME] [--all] [--show-cases]
                                         the generator's coverage cells on each format (what a
                                         campaign of N cases reaches, default \(RunCommand.defaultCases)),
                                         without running designs; --all lists every cell's count,
                                         --show-cases prints the cases;
                                         exit status 1 when a reachable cell is missed
      \(name) bench [--format NAME] [--workload NAME] [--design NAME] [--output DIR] [--scale N]
                      [--narrow-compare]
                                         time the designs against the floor (release builds only);
                                         --output writes bench.csv and bench.svg; --narrow-compare
                                         keeps batch scans off the AVX2 compare, as on an older CPU
      \(name) import [SCENARIO…] [--output DIR]
                                         make real states (THP, mprotect split, partial MADV_DONTNEED,
                                         unaligned mremap, guard regions, zero page, fork), compare
                                         the kernel's view with oracle and designs; --output saves each
                                         as DIR/kernel-SCENARIO.case (needs root and THP madvise/always)
      \(name) --help                   this text

    exit status: 0 when every design conforms, 1 when one fails or traps or a failing case could
    not be saved, 2 on a usage error or a malformed case file (checked before any work).
    Bounds a case may not exceed, what is saved where: see the README.
    """
    }

    /// Runs one command line (without the executable's name) and returns its exit status.
    static func run(_ arguments: [String], name: String) -> Int32 {
        // A child dies with its parent (and a kill reaches it whatever mask it was started with); every
        // line reaches a pipe even if a design traps next.
        walkcheck_unblock_termination_signals()
        dieWithParent()
        walkcheck_line_buffer_stdout()

        var words = arguments
        let command = words.first.flatMap { $0.hasPrefix("-") ? nil : $0 } ?? "run"
        if words.first == command { words.removeFirst() }
        var arguments = Arguments(words)
        do {
            if arguments.flag("help") || command == "help" || words.first == "-h" {
                print(usage(name))
                return 0
            }
            switch command {
            case "run": return try RunCommand.main(words)
            case "run-worker": return try RunCommand.worker(&arguments)
            case "replay": return try ReplayCommand.main(&arguments)
            case "replay-one": _ = arguments.flag("quiet-child"); return try ReplayCommand.child(&arguments)
            case "shrink": return try ShrinkCommand.main(&arguments)
            case "exhaustive": return try ExhaustiveCommand.main(&arguments)
            case "exhaustive-worker": return try ExhaustiveCommand.worker(&arguments)
            case "mutants": return try MutantsCommand.main(&arguments)
            case "bench": return try BenchCommand.main(&arguments)
            case "census": return try CensusCommand.main(&arguments)
            case "import": return try ImportCommand.main(&arguments)
            case "mutant-worker": return try MutantsCommand.worker(&arguments)
            default: throw UsageError(message: "unknown command \"\(command)\"")
            }
        } catch let error as UsageError {
            Terminal.error("\(name): \(error)\nrun `\(name) --help` for usage\n")
            return 2
        } catch {
            Terminal.error("\(name): \(error)\n")
            return 2
        }
    }
}
