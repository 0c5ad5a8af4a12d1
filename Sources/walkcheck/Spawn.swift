#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
    let argv = ([BuildInfo.executable] + arguments).map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var pid = pid_t()
    guard posix_spawn(&pid, BuildInfo.executable, nil, nil, argv, environ) == 0 else { return .exited(127) }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0, errno == EINTR {}
    let signal = status & 0x7f
    return signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
}

extension ChildStatus {
    /// Whether a signal killed the child.
    var isCrash: Bool { if case .signaled = self { true } else { false } }
}

/// Whether `design` traps when the case at `path` is replayed in a child process (with Swift's
/// backtracer off: a shrinker expects many candidates to trap).
func traps(_ path: String, design: String) -> Bool {
    setenv("SWIFT_BACKTRACE", "enable=no", 1)
    defer { unsetenv("SWIFT_BACKTRACE") }
    return runChild(["replay-one", path, "--design", design, "--quiet-child"]).isCrash
}

/// Runs this executable again with `arguments`, capturing its standard output; its standard error is
/// ours, or discarded with `quiet` (a crashing child's report would clutter a table).
func runChildCapturing(_ arguments: [String], quiet: Bool = false) -> (status: ChildStatus, output: String) {
    fflush(nil)
    var pipeEnds: [Int32] = [0, 0]
    guard pipe(&pipeEnds) == 0 else { return (.exited(127), "") }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
    posix_spawn_file_actions_addclose(&actions, pipeEnds[0])
    if quiet { posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0) }
    let argv = ([BuildInfo.executable] + arguments).map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var pid = pid_t()
    let spawned = posix_spawn(&pid, BuildInfo.executable, &actions, nil, argv, environ)
    close(pipeEnds[1])
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = read(pipeEnds[0], &buffer, buffer.count)
        if count <= 0 { break }
        bytes += buffer[0..<count]
    }
    close(pipeEnds[0])
    guard spawned == 0 else { return (.exited(127), "") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0, errno == EINTR {}
    let signal = status & 0x7f
    return (signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal), String(decoding: bytes, as: UTF8.self))
}
