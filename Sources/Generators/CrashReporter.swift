#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Reports the case in flight when a design traps, so that a crash never takes a run down in silence.
///
/// Before each case, a thread stores the case's corpus text in a slot it claims. A trap (SIGILL,
/// SIGTRAP, SIGSEGV, SIGBUS, SIGFPE, SIGABRT) runs a handler that, with async-signal-safe calls
/// only, prints that text to standard error and writes it to `crash-<pid>-<slot>.case` in the
/// corpus directory, then re-raises the signal.
public enum CrashReporter {
    static let slots = 32
    static let capacity = 1 << 16
    nonisolated(unsafe) static let buffers = UnsafeMutablePointer<CChar>.allocate(capacity: slots * capacity)
    nonisolated(unsafe) static let lengths = UnsafeMutablePointer<Int>.allocate(capacity: slots)
    nonisolated(unsafe) static let owners = UnsafeMutablePointer<pthread_t>.allocate(capacity: slots)
    nonisolated(unsafe) static let paths = UnsafeMutablePointer<CChar>.allocate(capacity: slots * 1024)
    nonisolated(unsafe) static var installed = false
    static let claims = Mutex<[pthread_t?]>(Array(repeating: nil, count: 32))

    /// Installs the handlers; crash files go to `directory`. Call once, before any worker starts.
    public static func install(directory: String) {
        for slot in 0..<slots {
            lengths[slot] = 0
            let path = Array("\(directory)/crash-\(getpid())-\(slot).case".utf8CString.prefix(1023))
            for (offset, byte) in path.enumerated() { paths[slot * 1024 + offset] = byte }
            paths[slot * 1024 + min(path.count, 1023)] = 0
        }
        guard !installed else { return }
        installed = true
        for signal in [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE, SIGABRT] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { signal in CrashReporter.report(signal) }
            action.sa_flags = Int32(truncatingIfNeeded: SA_RESETHAND)
            sigaction(signal, &action, nil)
        }
    }

    /// Records `text` as the case in flight on the calling thread.
    public static func setCase(_ text: String) {
        guard installed, let slot = claimSlot() else { return }
        lengths[slot] = 0
        var length = 0
        for byte in text.utf8.prefix(capacity - 1) {
            buffers[slot * capacity + length] = CChar(bitPattern: byte)
            length += 1
        }
        lengths[slot] = length
    }

    /// Clears the calling thread's case and gives its slot back.
    public static func clear() {
        guard installed else { return }
        let me = pthread_self()
        claims.withLock { claims in
            for slot in 0..<slots where claims[slot].map({ pthread_equal($0, me) != 0 }) == true {
                lengths[slot] = 0
                claims[slot] = nil
            }
        }
    }

    private static func claimSlot() -> Int? {
        let me = pthread_self()
        return claims.withLock { claims in
            if let mine = claims.firstIndex(where: { $0.map { pthread_equal($0, me) != 0 } == true }) { return mine }
            guard let free = claims.firstIndex(where: { $0 == nil }) else { return nil }
            claims[free] = me
            owners[free] = me
            return free
        }
    }

    /// The handler: only async-signal-safe calls (write, open, close, raise) on preallocated buffers.
    private static func report(_ signal: Int32) {
        let me = pthread_self()
        for slot in 0..<slots where lengths[slot] > 0 && pthread_equal(owners[slot], me) != 0 {
            let banner: StaticString = "\nwalkcheck: a design crashed on this case; it is saved as "
            _ = Glibc.write(2, banner.utf8Start, banner.utf8CodeUnitCount)
            _ = Glibc.write(2, paths + slot * 1024, strlen(paths + slot * 1024))
            _ = Glibc.write(2, "\n", 1)
            _ = Glibc.write(2, buffers + slot * capacity, lengths[slot])
            let file = open(paths + slot * 1024, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            if file >= 0 {
                _ = Glibc.write(file, buffers + slot * capacity, lengths[slot])
                close(file)
            }
        }
        raise(signal)
    }
}
