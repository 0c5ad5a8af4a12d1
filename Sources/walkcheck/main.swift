#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ChildShim

let usage = """
    walkcheck: a conformance suite for page-table walkers

    usage:
      walkcheck                          run the default campaign (every design, every format)
      walkcheck run [options]            run a seeded campaign
          --seed N                       campaign seed (default 0x5eed)
          --cases N                      cases per format, 1 to 10^8 (default \(RunCommand.defaultCases))
          --seconds S                    run for S seconds instead of a case count (up to a week)
          --design NAME[,NAME]           designs: recursive, flat, batched, lookup, the writers
                                         per-entry, folio-batched, pair-iterator, a mutant, or "mutants"
          --format NAME[,NAME]           formats: x86-64-4level, x86-64-5level, arm64-4k, arm64-64k,
                                         riscv-sv39, ppc64-hugepd, tiny, tiny-hugepd
          --shard K/N                    run the K-th of N shares of the --cases cases (for CI
                                         machines: N shards together run the unsharded campaign)
          --corpus DIR                   where failing cases are saved (default corpus)
          --max-operations N             operations per case, 1 to 4096 (default 12)
          --races N                      racers per case, 0 to 16 (default 2): each case's walks
                                         are checked again, raced by up to N writers and the MMU
          --writes N                     writer operations per case, 0 to 64 (default 2): zap,
                                         mprotect, fork copy or set-entries, checked after the walks
          --no-shrink                    report failures unshrunk
      walkcheck replay [FILE…] [--design NAME]
                                         replay saved cases (default: corpus/*.case), each in a child process
      walkcheck shrink FILE [--design NAME]
                                         shrink a saved failing case in place
      walkcheck exhaustive [--length N] [--format tiny|tiny-hugepd] [--design NAME] [--corpus DIR] [--races|--writers]
                                         every sequence of up to N (default 3) operations on the small
                                         formats (both unless --format), each design in a child process;
                                         --races: every racer at every scheduling point of every walk
                                         of tiny's race trees, and every pair on short walks;
                                         --writers: every writer operation on every tree of tiny's
                                         writer trees
      walkcheck mutants [--cases N] [--length N] [--design MUTANT] [--save DIR]
                                         hunt every mutant (every racer at every point of tiny's race
                                         trees, every writer operation on tiny's writer trees,
                                         exhaustive tiny sequences, then a campaign), each in a
                                         child process; print the mutation score;
                                         --save writes each mutant's shrunk case to DIR/NAME.case
      walkcheck census [--cases N] [--seed N] [--format NAME] [--all] [--show-cases]
                                         the generator's coverage cells on each format (what a
                                         campaign of N cases reaches, default \(RunCommand.defaultCases)),
                                         without running designs; --all lists every cell's count,
                                         --show-cases prints the cases;
                                         exit status 1 when a reachable cell is missed
      walkcheck bench [--format NAME] [--workload NAME] [--design NAME] [--output DIR] [--scale N]
                      [--narrow-compare]
                                         time the designs against the floor (release builds only);
                                         --output writes bench.csv and bench.svg; --narrow-compare
                                         keeps batch scans off the AVX2 compare, as on an older CPU
      walkcheck import [SCENARIO…] [--output DIR]
                                         make real states (THP, mprotect split, partial MADV_DONTNEED,
                                         unaligned mremap, guard regions, zero page, fork), compare
                                         the kernel's view with oracle and designs; --output saves each
                                         as DIR/kernel-SCENARIO.case (needs root and THP madvise/always)
      walkcheck --help                   this text

    exit status: 0 when every design conforms, 1 when one fails or traps or a failing case could
    not be saved, 2 on a usage error or a malformed case file (checked before any work).
    Bounds a case may not exceed, what is saved where: see the README.
    """

// A child dies with its parent (and a kill reaches it whatever mask it was started with); every
// line reaches a pipe even if a design traps next.
walkcheck_unblock_termination_signals()
dieWithParent()
walkcheck_line_buffer_stdout()

var words = Array(CommandLine.arguments.dropFirst())
let command = words.first.flatMap { $0.hasPrefix("-") ? nil : $0 } ?? "run"
if words.first == command { words.removeFirst() }
var arguments = Arguments(words)
do {
    if arguments.flag("help") || command == "help" || words.first == "-h" {
        print(usage)
        exit(0)
    }
    let status: Int32
    switch command {
    case "run": status = try RunCommand.main(words)
    case "run-worker": status = try RunCommand.worker(&arguments)
    case "replay": status = try ReplayCommand.main(&arguments)
    case "replay-one": _ = arguments.flag("quiet-child"); status = try ReplayCommand.child(&arguments)
    case "shrink": status = try ShrinkCommand.main(&arguments)
    case "exhaustive": status = try ExhaustiveCommand.main(&arguments)
    case "exhaustive-worker": status = try ExhaustiveCommand.worker(&arguments)
    case "mutants": status = try MutantsCommand.main(&arguments)
    case "bench": status = try BenchCommand.main(&arguments)
    case "census": status = try CensusCommand.main(&arguments)
    case "import": status = try ImportCommand.main(&arguments)
    case "mutant-worker": status = try MutantsCommand.worker(&arguments)
    default: throw UsageError(message: "unknown command \"\(command)\"")
    }
    exit(status)
} catch let error as UsageError {
    Terminal.error("walkcheck: \(error)\nrun `walkcheck --help` for usage\n")
    exit(2)
} catch {
    Terminal.error("walkcheck: \(error)\n")
    exit(2)
}
