#if canImport(Glibc)
import Glibc
#endif
import Testing
import Generators

/// The `walkcheck` executable `swift test` built beside the test binary, run as a user runs it.
enum WalkcheckBinary {
    /// Its path: the test binary's directory holds it (`swift test` builds every product).
    static let path: String = {
        // WALKCHECK_BINARY runs these tests against another build (an older one, to see them fail).
        if let other = getenv("WALKCHECK_BINARY") { return String(cString: other) }
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        let executable = count > 0 ? String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
        return String(executable[..<(executable.lastIndex(of: "/") ?? executable.startIndex)]) + "/walkcheck"
    }()

    /// How a run ended and what it printed.
    struct Run {
        /// The exit status, or nil when a signal ended it.
        var exitStatus: Int32?
        /// The signal that ended it, if one did.
        var signal: Int32?
        /// Standard output.
        var output: String
        /// Standard error.
        var error: String
    }

    /// Starts `walkcheck arguments` with its output in files under `directory`; returns its pid.
    static func start(_ arguments: [String], in directory: String, environment extra: [String] = [],
                      executable: String = WalkcheckBinary.path) throws -> pid_t {
        try #require(access(path, X_OK) == 0, "swift test builds walkcheck beside the tests: \(path)")
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, directory + "/stdout", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, directory + "/stderr", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var environment: [String] = []
        var entry = environ
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            if !text.hasPrefix("WALKCHECK_PARENT=") { environment.append(text) }
            entry += 1
        }
        let envp = (environment + ["SWIFT_BACKTRACE=enable=no"] + extra).map { strdup($0) } + [nil]
        defer { for pointer in envp { free(pointer) } }
        // Started with the test runner's signal mask, as any program started from a thread that
        // blocks signals would be: walkcheck must unblock what it needs itself.
        var pid = pid_t()
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        try #require(spawned == 0, "spawning \(executable)")
        return pid
    }

    /// Waits for `pid` (started in `directory`) and collects what it printed.
    static func finish(_ pid: pid_t, in directory: String) -> Run {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let signal = status & 0x7f
        let read = { (name: String) in (try? FileSystem.read(directory + "/" + name, maxBytes: 1 << 26)) ?? "" }
        return Run(exitStatus: signal == 0 ? (status >> 8) & 0xff : nil, signal: signal == 0 ? nil : signal,
                   output: read("stdout"), error: read("stderr"))
    }

    /// Runs `walkcheck arguments` to the end in a fresh scratch directory (its working directory's
    /// files are not touched: give `--corpus` where a command saves).
    static func run(_ arguments: [String], scratch name: String, environment: [String] = [],
                    executable: String = WalkcheckBinary.path) throws -> Run {
        let directory = PackagePaths.scratch(name)
        let pid = try start(arguments, in: directory, environment: environment, executable: executable)
        return finish(pid, in: directory)
    }

    /// Starts a campaign too long to end by itself (its corpus in `directory`) and waits for its
    /// worker process; returns both process ids.
    static func startLongCampaign(in directory: String) throws -> (parent: pid_t, worker: pid_t) {
        let pid = try start(["run", "--cases", "100000000", "--format", "x86-64-4level", "--corpus", directory + "/corpus"], in: directory)
        var worker: pid_t?
        for _ in 0..<500 where worker == nil {
            usleep(20_000)
            worker = children(of: pid).first
        }
        guard let worker else {
            kill(pid, SIGKILL)
            _ = finish(pid, in: directory)
            throw WalkcheckBinaryError(message: "no worker process appeared in 10 s")
        }
        return (pid, worker)
    }

    /// The process ids of `pid`'s children (Linux's `/proc/PID/task/PID/children`).
    static func children(of pid: pid_t) -> [pid_t] {
        let text = (try? FileSystem.read("/proc/\(pid)/task/\(pid)/children", maxBytes: 1 << 16)) ?? ""
        return text.split(separator: " ").compactMap { pid_t(String($0)) }
    }

    /// Whether process `pid` still exists (and is not a zombie).
    static func isAlive(_ pid: pid_t) -> Bool {
        guard let status = try? FileSystem.read("/proc/\(pid)/stat", maxBytes: 1 << 16) else { return false }
        // The state follows the command name in parentheses: "Z" for a zombie.
        guard let close = status.lastIndex(of: ")") else { return false }
        return !status[status.index(after: close)...].hasPrefix(" Z")
    }
}

/// A test helper's failure to set up a run.
struct WalkcheckBinaryError: Error, CustomStringConvertible {
    /// What went wrong.
    var message: String
    /// The message.
    var description: String { message }
}
