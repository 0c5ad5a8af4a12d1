#if canImport(Glibc)
import Glibc
#endif
import Testing
import PageTable
import Oracle
import Implementations
import Generators
import Mutants

/// Step 9: bad input, kills and full disks never trap, hang or lose a case. One test (or more) per
/// numbered item of the issue; each was seen failing on the code before its fix (BENCHMARKS.md,
/// "Step 9", says how).
@Suite struct HardeningTests {
    static func parse(_ lines: [String]) throws(CorpusError) -> CorpusCase {
        try CorpusFormat.parse(lines.joined(separator: "\n") + "\n", file: "test.case")
    }

    static func error(_ lines: [String]) -> CorpusError? {
        do { _ = try parse(lines); return nil } catch { return error }
    }

    // 1. Every number read from a file is range-checked with a typed error naming file and line.
    @Test func hugeNumbersAreTypedErrorsNotTraps() {
        let error = Self.error(["walkcheck-case 1", "format tiny", "seed 0x5eed case 18446744073709551615"])
        #expect(error?.file == "test.case" && error?.line == 3, "\(String(describing: error))")
        #expect(Self.error(["walkcheck-case 1", "format tiny", "map 0x0 anon order 99999999999999999999 pages 0+1 ro leaf pte"])?.line == 3)
        #expect(Self.error(["walkcheck-case 1", "format tiny", "map 0x0 folio 18446744073709551615 pages 0+1 ro leaf pte"])?.line == 3)
        #expect(Self.error(["walkcheck-case 1", "format tiny", "map 0x0 anon order 2 pages 0+99999999999999999999 ro leaf pte"])?.line == 3)
    }

    // 11. Signs, empty flag names, control bytes are refused; CRLF and a byte-order mark are read.
    @Test func strictWordsAndTolerantLineEndings() throws {
        #expect(Self.error(["walkcheck-case 1", "format tiny", "split +4096"])?.line == 3)
        #expect(Self.error(["walkcheck-case 1", "format tiny", "split 0x+1000"])?.line == 3)
        #expect(Self.error(["walkcheck-case 1", "format tiny", "walk entries 0x0 0x1000 ,"])?.line == 3)
        #expect(Self.error(["walkcheck-case 1", "format tiny", "walk folios 0x0 0x1000 merge,,merge"])?.line == 3)
        #expect(Self.error(["walkcheck-case 1", "format tiny", "design recursive\u{1}"])?.line == 3)
        let windows = "\u{FEFF}walkcheck-case 1\r\nformat tiny\r\nmap 0x0 anon order 0 pages 0+1 ro leaf pte\r\nwalk entries 0x0 0x1000 -\r\n"
        let saved = try CorpusFormat.parse(windows, file: "windows.case")
        #expect(saved.testCase.operations.count == 1 && saved.testCase.queries.count == 1)
    }

    // 3. A file is read up to a cap (a device that never ends is refused); a case has bounded length.
    @Test func filesAndCasesAreBounded() {
        #expect(throws: CorpusError.self) { try CorpusStore.load("/dev/zero") }
        let many = ["walkcheck-case 1", "format tiny"] + Array(repeating: "split 0x0", count: CorpusFormat.maxOperations + 1)
        #expect(Self.error(many)?.line == CorpusFormat.maxOperations + 3)
    }

    // 2. Running out of frames refuses swap-in and device-private conversion, changing nothing.
    @Test func outOfFramesIsATypedRefusalThatChangesNothing() throws {
        var space = AddressSpace(format: .x86_64_4level)
        try space.apply(.map(address: 0x1000, source: .folio(kind: .anonymous, order: 0, firstPage: 0, pageCount: 1), writable: true, shape: MapShape()))
        try space.apply(.swapOut(span(0x1000, 0x2000)))
        try space.apply(.map(address: 0x200000, source: .folio(kind: .anonymous, order: 9, firstPage: 0, pageCount: 512), writable: true,
                             shape: MapShape(leafLevel: .pmd)))
        space._exhaustFrames()
        let before = space
        #expect(throws: PageTableError.outOfMemory("no order-0 folio left for swap-in")) { try space.apply(.swapIn(span(0x1000, 0x2000))) }
        #expect(space == before)
        // Converting one page of the PMD THP splits it before the device frames are counted: the
        // refusal must undo that split too.
        #expect(throws: PageTableError.outOfMemory("no device frames left for device-private entries")) {
            try space.apply(.convert(span(0x200000, 0x201000), to: .devicePrivate))
        }
        #expect(space == before, "the THP is still one PMD leaf")
    }

    // 3. One operation's work is bounded by what it writes, refused before it changes anything.
    @Test func unboundedOperationsAreRefused() throws {
        var space = AddressSpace(format: .x86_64_4level)
        try space.apply(.map(address: 0x1000, source: .folio(kind: .anonymous, order: 0, firstPage: 0, pageCount: 1), writable: true, shape: MapShape()))
        let before = space
        let everything = span(0, Format.x86_64_4level.top)
        for operation: Operation in [.installMarker(everything, .uffdWP), .installMarker(everything, .guardRegion),
                                     .map(address: 0, source: .zeroPage(pageCount: 1 << 34), writable: false, shape: MapShape()),
                                     .map(address: 0, source: .special(pageCount: 1 << 29), writable: false, shape: MapShape())] {
            #expect(throws: PageTableError.self, "\(operation)") { try space.apply(operation) }
            #expect(space == before)
        }
        // What the tree holds decides, not the range: a marker over the whole space of a tree
        // holding one page is refused, over a huge range of few none pages it is not.
        var covered = AddressSpace(format: .x86_64_4level)
        try covered.apply(.map(address: 0, source: .folio(kind: .anonymous, order: 18, firstPage: 0, pageCount: 1 << 18), writable: true,
                               shape: MapShape(leafLevel: .pud)))
        try covered.apply(.installMarker(span(0, (1 << 30) + 0x1000), .uffdWP))
    }

    // 3. A looping design over a huge range of holes is stopped by a budget from the tree, quickly.
    @Test func loopingDesignOverTheWholeSpaceIsStoppedSoon() async {
        await #expect(processExitsWith: .failure) {
            let space = AddressSpace(format: .x86_64_5level)
            _ = Conformance.check(DesignSet(entryWalkers: [SpinningWalker()]), in: space,
                                  query: .entries(AddressRange(start: 0, end: Format.x86_64_5level.top), []))
        }
    }

    // 5. The shrinker's budget is evaluations, never time: a slow predicate shrinks to the same case.
    @Test func shrinkingDoesNotDependOnSpeed() throws {
        let design = MutantCatalog.designs.only("mutant-young-dirty-not-ored")
        var found: (TestCase, [UInt64])?
        for index in 0..<4000 where found == nil {
            var choices = ChoiceSequence(seed: CaseSeed.derive(base: 7, format: .arm64_4k, index: index))
            let testCase = CaseGenerator(format: .arm64_4k).generate(&choices)
            if !CaseRunner.run(testCase, designs: design).failures.isEmpty { found = (testCase, choices.recorded) }
        }
        let (_, choices) = try #require(found)
        var shrinker = Shrinker()
        shrinker.maxEvaluations = 300
        let fails = { (candidate: TestCase) in !CaseRunner.run(candidate, designs: design).failures.isEmpty }
        let fast = shrinker.shrink(choices: choices, format: .arm64_4k, generator: { CaseGenerator(format: $0) }, fails: fails)
        let slow = shrinker.shrink(choices: choices, format: .arm64_4k, generator: { CaseGenerator(format: $0) }) { candidate in
            usleep(2_000)
            return fails(candidate)
        }
        #expect(fast.testCase == slow.testCase && fast.evaluations == slow.evaluations)
    }

    // 6. The printed command reproduces: the format found on, the case count, shard and settings.
    @Test func reproduceCommandReproduces() throws {
        var found: ShrunkFailure?
        for operations in [11, 13, 14, 10, 9] where found == nil {
            var configuration = CampaignConfiguration(designs: MutantCatalog.designs.only("mutant-pmd-migration-uffd-wp-dropped"),
                                                      formats: [.arm64_4k], cases: 160, seed: 0x5EED)
            configuration.shardIndex = 1
            configuration.shardCount = 2
            configuration.maxOperations = operations
            configuration.corpusDirectory = nil
            configuration.shrinker = nil
            found = Campaign.run(configuration).pairs.first?.failure
        }
        let failure = try #require(found, "the mutant fails somewhere in 160 cases")
        #expect(failure.reproduce.contains("arm64-4k") && failure.reproduce.contains("--shard") && failure.reproduce.contains("--max-operations"))
        let corpus = PackagePaths.scratch("reproduce-corpus")
        let run = try WalkcheckBinary.run(failure.reproduce + ["--corpus", corpus, "--no-shrink"], scratch: "reproduce")
        #expect(run.exitStatus == 1)
        #expect(run.output.contains("FAIL mutant-pmd-migration-uffd-wp-dropped on arm64-4k: case \(failure.caseIndex) "), "\(run.output)")
    }

    // 11. --cases is the whole campaign's: shards together run its cases, each index the same case.
    @Test func shardsTogetherRunTheUnshardedCampaign() throws {
        func campaign(shard: Int, of count: Int) -> CampaignReport {
            // A mutant that fails early and often (any PTE table with a none entry), so the test
            // does not hang on how the generator reaches rare states.
            var configuration = CampaignConfiguration(designs: MutantCatalog.designs.only("mutant-pte-holes-skipped"),
                                                      formats: [.arm64_4k], cases: 60, seed: 0x5EED)
            configuration.shardIndex = shard
            configuration.shardCount = count
            configuration.corpusDirectory = nil
            configuration.shrinker = nil
            return Campaign.run(configuration)
        }
        let whole = campaign(shard: 0, of: 1)
        let index = try #require(whole.pairs.first?.failure?.caseIndex, "the mutant fails within 60 cases")
        let shards = [campaign(shard: 0, of: 2), campaign(shard: 1, of: 2)]
        let found = shards.compactMap { $0.pairs.first?.failure?.caseIndex }
        #expect(found.contains(index), "the shard holding case \(index) fails on it too: \(found)")
        #expect(shards.allSatisfy { $0.cases <= 30 }, "each shard runs its half of the 60 cases: \(shards.map(\.cases))")
    }

    // 7. One trapping design does not end the campaign: the others are reported in a table.
    @Test func aTrappingDesignIsReportedAndTheRestCarryOn() throws {
        let corpus = PackagePaths.scratch("trap-corpus")
        let run = try WalkcheckBinary.run(["run", "--design", "recursive,mutant-trap-on-protnone", "--format", "tiny", "--cases", "20",
                                           "--corpus", corpus], scratch: "trap")
        #expect(run.exitStatus == 1)
        #expect(run.output.contains("SIGILL"), "the signal is named")
        #expect(run.output.contains("recursive  tiny"), "the table lists the design that did not trap: \(run.output)")
        #expect(run.output.contains("mutant-trap-on-protnone: traps on \(corpus)/crash-"))
        // The trapping worker's own lines reach the pipe too (its standard output is line-buffered).
        #expect(run.output.split(separator: "walkcheck run: seed", omittingEmptySubsequences: false).count == 3,
                "both workers' headers are in the output")
    }

    // 7. A worker killed from outside is not blamed on a design.
    @Test func aKilledWorkerIsNotCalledATrap() throws {
        let directory = PackagePaths.scratch("killed-worker")
        let (pid, worker) = try WalkcheckBinary.startLongCampaign(in: directory)
        kill(worker, SIGKILL)
        let run = WalkcheckBinary.finish(pid, in: directory)
        #expect(run.exitStatus == 1)
        #expect(run.output.contains("SIGKILL") && !run.output.contains("a design trapped"), "\(run.output)")
    }

    // 4. Killing the parent kills its child.
    @Test(arguments: [SIGTERM, SIGKILL])
    func childrenDieWithTheirParent(signal: Int32) throws {
        let directory = PackagePaths.scratch("orphan-\(signal)")
        let (pid, child) = try WalkcheckBinary.startLongCampaign(in: directory)
        kill(pid, signal)
        _ = WalkcheckBinary.finish(pid, in: directory)
        var alive = true
        for _ in 0..<100 where alive {
            usleep(20_000)
            alive = WalkcheckBinary.isAlive(child)
        }
        let status = alive ? ((try? FileSystem.read("/proc/\(child)/status", maxBytes: 1 << 16)) ?? "") : ""
        if alive { kill(child, SIGKILL) }
        #expect(!alive, "the run-worker outlived its parent: \(status)")
        let left = (try? FileSystem.list(directory + "/corpus", suffix: ".tmp")) ?? []
        #expect(left.isEmpty, "temporary files left: \(left)")
    }

    // 8. Cases that cannot be saved are an error before any work (crash files) or on stderr.
    @Test func unsavableCorpusIsAnErrorBeforeWork() throws {
        for corpus in ["/dev/null", "/dev/null/x", "/nonexistent-walkcheck/x"] {
            let run = try WalkcheckBinary.run(["run", "--cases", "1", "--corpus", corpus], scratch: "unsavable")
            #expect(run.exitStatus == 2 && run.error.contains("--corpus"), "\(corpus): \(run.error)")
        }
    }

    // 8. A failure that cannot be saved says so.
    @Test func aFailedSaveIsReported() {
        var configuration = CampaignConfiguration(designs: MutantCatalog.designs.only("mutant-pop-off-by-one"),
                                                  formats: [.tiny], cases: 40, seed: 0x5EED)
        configuration.corpusDirectory = "/dev/null"
        configuration.shrinker = nil
        let failure = Campaign.run(configuration).pairs.first?.failure
        #expect(failure != nil && failure?.corpusPath == nil && failure?.saveError != nil)
        #expect(failure?.report(seed: 0x5EED).contains("saving failed") == true)
    }

    // 9. Bad option values are usage errors before any work.
    @Test(arguments: [["run", "--cases", "0xffffffffffffffff"], ["run", "--cases", "0"], ["run", "--seconds", "inf"],
                      ["run", "--seconds", "1e300"], ["run", "--max-operations", "0"], ["run", "--shard", "3/2"],
                      ["run", "--cases", "+5"], ["exhaustive", "--length", "0xffffffffffffffff"], ["exhaustive", "--length", "5"],
                      ["mutants", "--length", "0xffffffffffffffff"], ["census", "--cases", "0"],
                      ["bench", "--format", "tiny"], ["bench", "--format", "ppc64-hugepd"], ["bench", "--workload", "nosuch"],
                      ["run", "--races", "17"], ["run", "--races", "-1"], ["exhaustive", "--races", "--format", "tiny-hugepd"],
                      ["exhaustive", "--races", "--length", "2"], ["run", "--writes", "65"], ["run", "--writes", "-1"],
                      ["exhaustive", "--writers", "--format", "x86-64-4level"], ["exhaustive", "--writers", "--races"],
                      ["exhaustive", "--writers", "--length", "2"], ["exhaustive", "--design", "per-entry"]])
    func badOptionValuesAreUsageErrors(arguments: [String]) throws {
        let name = "bad-options-" + String(arguments.joined(separator: "_").map { $0.isLetter || $0.isNumber ? $0 : "_" })
        let corpus = ["run", "exhaustive"].contains(arguments[0]) ? ["--corpus", PackagePaths.scratch(name + "-corpus")] : []
        let run = try WalkcheckBinary.run(arguments + corpus, scratch: name)
        #expect(run.exitStatus == 2, "\(arguments): \(run.output) \(run.error)")
        #expect(run.error.contains("--") && !run.output.contains("trapped"), "\(arguments): \(run.error)")
    }

    // 11. Malformed files and refused operations are reported on stderr with the line; -h is help.
    @Test func replayReportsOnStandardErrorWithTheLine() throws {
        let directory = PackagePaths.scratch("replay-lines")
        try FileSystem.write("walkcheck-case 1\nformat x86-64-4level\nmap 0x0 anon order 0 pages 0+1 ro leaf pte\n"
                             + "marker 0x0 0x7ffffffff000 uffd-wp\nwalk entries 0x0 0x1000 -\n", to: directory + "/bad.case")
        let run = try WalkcheckBinary.run(["replay", directory + "/bad.case"], scratch: "replay-lines-run")
        #expect(run.exitStatus == 2)
        #expect(run.error.contains("bad.case:4") && run.error.contains("too large"), "\(run.error)")
        #expect(!run.output.contains("error:"))
        let help = try WalkcheckBinary.run(["-h"], scratch: "help")
        #expect(help.exitStatus == 0 && help.output.contains("usage:"))
    }

    // 11. A shrink interrupted by a signal leaves no `.candidate` file behind.
    @Test func anInterruptedShrinkRemovesItsCandidate() throws {
        let directory = PackagePaths.scratch("interrupted-shrink")
        let file = directory + "/trap.case"
        try FileSystem.write(CrashAndHangTests.protNoneCase + "\ndesign mutant-trap-on-protnone\n", to: file)
        let pid = try WalkcheckBinary.start(["shrink", file], in: directory)
        var appeared = false
        for _ in 0..<1000 where !appeared {
            usleep(10_000)
            appeared = access(file + ".candidate", F_OK) == 0
        }
        kill(pid, SIGTERM)
        let run = WalkcheckBinary.finish(pid, in: directory)
        try #require(appeared, "the shrink wrote a candidate: \(run.output) \(run.error)")
        #expect(run.signal == SIGTERM)
        #expect(access(file + ".candidate", F_OK) != 0, "the candidate file is removed")
    }

    // 11. On a dumb terminal the progress line is redrawn with spaces, not the erase-line sequence.
    @Test(.enabled(if: access("/usr/bin/script", X_OK) == 0, "needs script(1) for a pseudo-terminal"))
    func progressOnADumbTerminalHasNoEscapeCodes() throws {
        let directory = PackagePaths.scratch("dumb-terminal")
        let command = "TERM=dumb \(WalkcheckBinary.path) run --seconds 3 --format x86-64-4level --corpus \(directory)/corpus"
        let run = try WalkcheckBinary.run(["-qc", command, "/dev/null"], scratch: "dumb-terminal-run", executable: "/usr/bin/script")
        #expect(run.exitStatus == 0)
        #expect(run.output.contains("\r"), "the progress line was drawn (it shows after two seconds; the run lasts three)")
        #expect(!run.output.contains("\u{1B}"), "no escape sequence on TERM=dumb")
    }

    // 11. --no-shrink does not claim a shrink; the mutants scratch directory is mkdtemp's and goes.
    @Test func noShrinkSaysSoAndScratchDirectoriesAreOwn() throws {
        let corpus = PackagePaths.scratch("no-shrink-corpus")
        let run = try WalkcheckBinary.run(["run", "--design", "mutant-pop-off-by-one", "--format", "tiny", "--cases", "40", "--no-shrink",
                                           "--corpus", corpus], scratch: "no-shrink")
        #expect(run.exitStatus == 1 && run.output.contains("not shrunk") && !run.output.contains("shrunk to"), "\(run.output)")
        let first = try FileSystem.makeTemporaryDirectory(prefix: "walkcheck-test-")
        let second = try FileSystem.makeTemporaryDirectory(prefix: "walkcheck-test-")
        #expect(first != second && !first.hasSuffix("\(getpid())"))
        var status = stat()
        #expect(lstat(first, &status) == 0 && status.st_mode & 0o777 == 0o700 && status.st_mode & S_IFMT == S_IFDIR)
        FileSystem.removeDirectory(first)
        FileSystem.removeDirectory(second)
        #expect(access(first, F_OK) != 0)
    }
}
