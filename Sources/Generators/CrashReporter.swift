#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Reports the case in flight when a design traps, so that a crash never takes a run down in silence.
///
/// Before each case, a thread stores the case's corpus text in a slot it claims. ``install(directory:)``
/// opens one hidden temporary file per slot in the corpus directory up front (so a directory that
/// cannot be written is an error before any work, not a lost case). A trap (SIGILL, SIGTRAP,
/// SIGSEGV, SIGBUS, SIGFPE, SIGABRT) runs a handler that, with async-signal-safe calls only,
/// writes the text to the trapping thread's descriptor, renames the file to
/// `crash-<pid>-<slot>.case`, says on standard error whether that worked, prints the case, removes
/// the other temporary files, and re-raises the signal. On a normal exit the temporary files are
/// removed.
public enum CrashReporter {
    static let slots = 32
    static let capacity = 1 << 16
    static let pathCapacity = 1024
    nonisolated(unsafe) static let buffers = UnsafeMutablePointer<CChar>.allocate(capacity: slots * capacity)
    nonisolated(unsafe) static let lengths = UnsafeMutablePointer<Int>.allocate(capacity: slots)
    nonisolated(unsafe) static let owners = UnsafeMutablePointer<pthread_t>.allocate(capacity: slots)
    nonisolated(unsafe) static let paths = UnsafeMutablePointer<CChar>.allocate(capacity: slots * pathCapacity)
    nonisolated(unsafe) static let temporaries = UnsafeMutablePointer<CChar>.allocate(capacity: slots * pathCapacity)
    nonisolated(unsafe) static let descriptors = UnsafeMutablePointer<Int32>.allocate(capacity: slots)
    nonisolated(unsafe) static var installed = false
    nonisolated(unsafe) static var directory: String?
    static let claims = Mutex<[pthread_t?]>(Array(repeating: nil, count: 32))

    /// Installs the handlers; crash files go to `directory`, whose temporary files are opened
    /// now. Call before any worker starts; again with the same directory, it does nothing.
    public static func install(directory: String) throws(FileError) {
        if installed, Self.directory == directory { return }
        removeTemporaries()
        for slot in 0..<slots {
            lengths[slot] = 0
            func store(_ text: String, in buffer: UnsafeMutablePointer<CChar>) {
                let bytes = Array(text.utf8CString.prefix(pathCapacity - 1))
                for (offset, byte) in bytes.enumerated() { buffer[slot * pathCapacity + offset] = byte }
                buffer[slot * pathCapacity + min(bytes.count, pathCapacity - 1)] = 0
            }
            store("\(directory)/crash-\(getpid())-\(slot).case", in: paths)
            store("\(directory)/.crash-\(getpid())-\(slot).tmp", in: temporaries)
            let descriptor = open(temporaries + slot * pathCapacity, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            descriptors[slot] = descriptor
            guard descriptor >= 0 else {
                let error = FileSystem.systemError(String(cString: temporaries + slot * pathCapacity), "cannot create")
                removeTemporaries()
                throw error
            }
        }
        Self.directory = directory
        guard !installed else { return }
        installed = true
        atexit { CrashReporter.removeTemporaries() }
        for signal in [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE, SIGABRT] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { signal in CrashReporter.report(signal) }
            action.sa_flags = Int32(truncatingIfNeeded: SA_RESETHAND)
            sigaction(signal, &action, nil)
        }
        // Stopped from outside (or by a parent that died): no case to save, the temporaries go.
        for signal in [SIGINT, SIGTERM, SIGHUP] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { signal in
                CrashReporter.removeTemporaries()
                raise(signal)
            }
            action.sa_flags = Int32(truncatingIfNeeded: SA_RESETHAND)
            sigaction(signal, &action, nil)
        }
    }

    /// Closes and removes the temporary files (async-signal-safe: close and unlink).
    static func removeTemporaries() {
        guard Self.directory != nil else { return }
        for slot in 0..<slots where descriptors[slot] >= 0 {
            close(descriptors[slot])
            unlink(temporaries + slot * pathCapacity)
            descriptors[slot] = -1
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

    /// The handler: only async-signal-safe calls (write, pwrite, ftruncate, rename, unlink, close,
    /// raise) on preallocated buffers.
    private static func report(_ signal: Int32) {
        let me = pthread_self()
        for slot in 0..<slots where lengths[slot] > 0 && pthread_equal(owners[slot], me) != 0 && descriptors[slot] >= 0 {
            let descriptor = descriptors[slot]
            let length = lengths[slot]
            let written = ftruncate(descriptor, 0) == 0 && pwrite(descriptor, buffers + slot * capacity, length, 0) == length
            let saved = written && close(descriptor) == 0 && rename(temporaries + slot * pathCapacity, paths + slot * pathCapacity) == 0
            descriptors[slot] = -1
            let banner: StaticString = saved ? "\nwalkcheck: a design crashed on this case; it is saved as "
                                             : "\nwalkcheck: a design crashed on this case; it could NOT be saved as "
            _ = Glibc.write(2, banner.utf8Start, banner.utf8CodeUnitCount)
            _ = Glibc.write(2, paths + slot * pathCapacity, strlen(paths + slot * pathCapacity))
            _ = Glibc.write(2, "\n", 1)
            _ = Glibc.write(2, buffers + slot * capacity, length)
        }
        removeTemporaries()
        raise(signal)
    }
}
