#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ChildShim

/// The environment variable through which a child learns its parent's process id, so that it can
/// ask to die with it (``dieWithParent()``).
let parentVariable = "WALKCHECK_PARENT"

/// In a child of walkcheck: asks the kernel to kill this process when the parent dies
/// (`PR_SET_PDEATHSIG`), and exits at once if the parent is already gone. A no-op elsewhere.
func dieWithParent() {
    guard let value = getenv(parentVariable), let parent = Int32(String(cString: value)) else { return }
    if walkcheck_die_with_parent(parent) != 0 { exit(3) }
}

/// Spawns `executable` (this one by default) with `arguments` and `actions`, marked as our child
/// (it dies with us), with SIGINT, SIGTERM and SIGHUP forwarded to it while it runs unless
/// `forwardSignals` is false (a test runner keeps its own handlers); returns its process id, or nil.
func spawnChild(_ arguments: [String], executable: String = BuildInfo.executable, forwardSignals: Bool = true,
                actions: UnsafePointer<posix_spawn_file_actions_t>?) -> pid_t? {
    setenv(parentVariable, "\(getpid())", 1)
    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var pid = pid_t()
    guard posix_spawn(&pid, executable, actions, nil, argv, environ) == 0 else { return nil }
    if forwardSignals { walkcheck_forward_signals_to(pid) }
    return pid
}

/// Waits for `pid` and says how it ended (and stops forwarding signals to it, if they were).
func waitChild(_ pid: pid_t, forwardSignals: Bool = true) -> ChildStatus {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0, errno == EINTR {}
    if forwardSignals { walkcheck_forward_signals_to(0) }
    let signal = status & 0x7f
    return signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
}

/// How a child process ended.
enum ChildStatus: Equatable {
    /// It exited with this code.
    case exited(Int32)
    /// A signal (a trap) killed it.
    case signaled(Int32)
}

/// Runs this executable again with `arguments`, its output to ours, and waits for it.
func runChild(_ arguments: [String]) -> ChildStatus {
    fflush(nil)
    guard let pid = spawnChild(arguments, actions: nil) else { return .exited(127) }
    return waitChild(pid)
}

extension ChildStatus {
    /// Whether the child trapped: a signal a failed check or a bad access raises, not one sent
    /// from outside (SIGKILL from the out-of-memory killer, SIGTERM, SIGINT).
    var isTrap: Bool {
        guard case .signaled(let signal) = self else { return false }
        return [SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV].contains(signal)
    }

    /// How it ended, for a report: "exit status N", or the signal by name with what it means.
    var summary: String {
        switch self {
        case .exited(let code): return "exit status \(code)"
        case .signaled(let signal):
            let name = signalName(signal)
            if isTrap { return "\(name): a design trapped" }
            if signal == SIGKILL { return "\(name): killed from outside (the out-of-memory killer, or kill -9)" }
            return "\(name): stopped from outside"
        }
    }
}

/// "SIGILL (signal 4)" and so on.
func signalName(_ signal: Int32) -> String {
    let names: [Int32: String] = [SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGILL: "SIGILL", SIGTRAP: "SIGTRAP", SIGABRT: "SIGABRT",
                                  SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGKILL: "SIGKILL", SIGSEGV: "SIGSEGV", SIGTERM: "SIGTERM",
                                  SIGPIPE: "SIGPIPE", SIGXCPU: "SIGXCPU"]
    return "\(names[signal] ?? "signal") (signal \(signal))"
}

/// Whether `design` traps when the case at `path` is replayed in a child process (with Swift's
/// backtracer off: a shrinker expects many candidates to trap).
func traps(_ path: String, design: String) -> Bool {
    setenv("SWIFT_BACKTRACE", "enable=no", 1)
    defer { unsetenv("SWIFT_BACKTRACE") }
    return runChild(["replay-one", path, "--design", design, "--quiet-child"]).isTrap
}

/// Runs `executable` (this one again by default) with `arguments`, capturing its standard output;
/// its standard error is ours, or discarded with `quiet` (a crashing child's report would clutter a table).
func runChildCapturing(_ arguments: [String], executable: String = BuildInfo.executable, forwardSignals: Bool = true,
                       quiet: Bool = false) -> (status: ChildStatus, output: String) {
    fflush(nil)
    var pipeEnds: [Int32] = [0, 0]
    guard pipe(&pipeEnds) == 0 else { return (.exited(127), "") }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
    posix_spawn_file_actions_addclose(&actions, pipeEnds[0])
    if quiet { posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0) }
    let pid = spawnChild(arguments, executable: executable, forwardSignals: forwardSignals, actions: &actions)
    close(pipeEnds[1])
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = read(pipeEnds[0], &buffer, buffer.count)
        if count <= 0 { break }
        bytes += buffer[0..<count]
    }
    close(pipeEnds[0])
    guard let pid else { return (.exited(127), "") }
    return (waitChild(pid, forwardSignals: forwardSignals), String(decoding: bytes, as: UTF8.self))
}
