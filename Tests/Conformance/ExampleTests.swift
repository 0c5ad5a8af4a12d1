#if canImport(Glibc)
import Glibc
#endif
import Testing
import Generators

/// The README's example package (Examples/my-walkers: a Swift lookup, a C entry walker, their
/// command line and tests), kept from rotting: its files are the README's code, and — with
/// `WALKCHECK_EXAMPLES=1`, as `.ci/run` sets it — it is copied beside a copy of this package, as a
/// user would lay them out, built, tested and run through its command line.
@Suite struct ExampleTests {
    static let example = PackagePaths.root + "/Examples/my-walkers"

    /// Every README code block that names an example file as its first line (`// file: PATH`) is
    /// that file; one that quotes it (`// from: PATH`) is lines of it, in the file's order.
    @Test func readmeShowsTheExampleFiles() throws {
        let readme = try FileSystem.read(PackagePaths.root + "/README.md", maxBytes: 1 << 22)
        var checked = 0
        for block in Self.codeBlocks(readme) {
            guard let first = block.first else { continue }
            for (marker, whole) in [("// file: ", true), ("// from: ", false)] where first.hasPrefix(marker) {
                let path = String(first.dropFirst(marker.count))
                let file = try FileSystem.read(PackagePaths.root + "/" + path, maxBytes: 1 << 20)
                let shown = block.dropFirst().joined(separator: "\n") + "\n"
                if whole {
                    #expect(shown == file, "README's block for \(path) differs from the file")
                } else {
                    var rest = file.split(separator: "\n", omittingEmptySubsequences: false)[...]
                    for line in block.dropFirst() {
                        guard let found = rest.firstIndex(where: { $0 == line }) else {
                            Issue.record("README's excerpt of \(path): \"\(line)\" is not in the file (after the lines before it)")
                            break
                        }
                        rest = rest[(found + 1)...]
                    }
                }
                checked += 1
            }
        }
        #expect(checked >= 6, "the README shows the example's Package.swift, main.swift, tests and walkers")
    }

    /// The fenced code blocks of a Markdown text, as lines.
    static func codeBlocks(_ text: String) -> [[String]] {
        var blocks: [[String]] = [], current: [String]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("```") {
                if let block = current { blocks.append(block); current = nil } else { current = [] }
            } else {
                current?.append(line)
            }
        }
        return blocks
    }

    /// The example as a user builds it: next to a copy of this package named `walkcheck`, built,
    /// its tests run, its command line run, replayed, mutation-tested and benchmarked.
    @Test(.enabled(if: getenv("WALKCHECK_EXAMPLES") != nil, "set WALKCHECK_EXAMPLES=1 (.ci/run does) to build the example package"),
          .timeLimit(.minutes(12)))
    func examplePackageBuildsAndRuns() throws {
        let scratch = PackagePaths.scratch("example")
        let root = PackagePaths.root
        try Self.shell("rm -rf walkcheck my-walkers && mkdir walkcheck && cp -R '\(root)/Package.swift' '\(root)/Sources' '\(root)/Tests' "
                       + "'\(root)/Examples' walkcheck/ && cp -R '\(Self.example)' my-walkers && rm -rf my-walkers/.build", in: scratch)
        let package = scratch + "/my-walkers"
        try Self.shell("swift build --build-tests", in: package)
        let tests = try Self.shell("swift test", in: package)
        #expect(tests.contains("passed") && !tests.contains("failed"), "\(tests)")

        let tool = "./.build/debug/my-walkcheck"
        let conform = try Self.shell("\(tool) run --design my-lookup,my-c-walker --cases 20 --corpus c", in: package)
        #expect(conform.contains("every design conforms"), "\(conform)")
        // The package's mutant fails; its report's commands name the package's own executable.
        let failing = try Self.shell("\(tool) run --design my-lookup-no-block --format arm64-4k --cases 200 --corpus c", in: package,
                                     status: 1)
        #expect(failing.contains("reproduce: swift run -c release my-walkcheck run --seed 0x5eed --design my-lookup-no-block"), "\(failing)")
        let replay = try #require(failing.split(separator: "\n").first { $0.contains("replay: swift run -c release my-walkcheck replay") },
                                  "\(failing)")
        let replayArguments = replay[replay.firstRange(of: "my-walkcheck replay")!.upperBound...]
        _ = try Self.shell("\(tool) replay\(replayArguments)", in: package, status: 1)
        let fixed = try Self.shell("\(tool) replay\(replayArguments.replacing("--design my-lookup-no-block", with: "--design my-lookup"))", in: package)
        #expect(fixed.contains("1 of 1 cases conform"), "\(fixed)")
        let mutants = try Self.shell("\(tool) mutants --design my-lookup-no-block --cases 50", in: package)
        #expect(mutants.contains("mutation score: 1/1"), "\(mutants)")
        let exhaustive = try Self.shell("\(tool) exhaustive --design my-lookup,my-c-walker --length 2", in: package)
        #expect(exhaustive.contains("exhaustive: every design conforms"), "\(exhaustive)")

        try Self.shell("swift build -c release --product my-walkcheck", in: package)
        let bench = try Self.shell("./.build/release/my-walkcheck bench --format arm64-4k --workload 64k-folios-cont "
                                   + "--design my-c-walker,recursive", in: package)
        #expect(bench.contains("entries  my-c-walker"), "\(bench)")
    }

    /// Runs `command` with `/bin/sh` in `directory`; its output and error, after checking its exit status.
    ///
    /// The shell leads a process group of its own and runs the command in the background, checking
    /// each second that this process is still there: if it is gone, the shell kills its group, so
    /// no `swift build` outlives the test run (the check's period bounds how late, nothing more).
    @discardableResult
    static func shell(_ command: String, in directory: String, status expected: Int32 = 0) throws -> String {
        let log = directory + "/.shell-output"
        let script = """
            cd '\(directory)' || exit 125
            ( \(command) ) > '\(log)' 2>&1 &
            child=$!
            while kill -0 $child 2>/dev/null; do
                kill -0 \(getpid()) 2>/dev/null || { kill -TERM -$$; exit 125; }
                sleep 1
            done
            wait $child
            """
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        var pid = pid_t()
        let words: [String] = ["/bin/sh", "-c", script]
        let argv = words.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        try #require(posix_spawn(&pid, "/bin/sh", nil, &attributes, argv, environ) == 0)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let output = (try? FileSystem.read(log, maxBytes: 1 << 26)) ?? ""
        let code = status & 0x7f == 0 ? (status >> 8) & 0xff : -1
        try #require(code == expected, "`\(command)` in \(directory): exit \(code), expected \(expected)\n\(output.suffix(6000))")
        return output
    }
}
