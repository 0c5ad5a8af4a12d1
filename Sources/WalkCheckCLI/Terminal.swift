#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Standard error, and whether it is a terminal (progress is shown only there).
enum Terminal {
    /// Whether standard error is a terminal.
    static let isInteractive = isatty(2) != 0
    /// Whether the terminal understands the erase-line sequence (not `TERM=dumb` or unset).
    static let canErase = getenv("TERM").map { !["", "dumb"].contains(String(cString: $0)) } ?? false

    /// Writes `text` to standard error.
    static func error(_ text: String) {
        var line = text
        line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    }
}

/// A progress line on a terminal: shown only after two seconds, redrawn at most ten times a second.
final class ProgressLine: Sendable {
    private struct State {
        var started = ContinuousClock.now
        var lastDrawn = ContinuousClock.now
        var parts: [String: String] = [:]
        var drawn = false
        var width = 0
    }
    private let state = Mutex(State())

    /// Sets one part of the line (one per worker) and redraws if due.
    func update(_ key: String, _ text: String) {
        guard Terminal.isInteractive else { return }
        state.withLock { state in
            state.parts[key] = text
            let now = ContinuousClock.now
            guard now - state.started > .seconds(2), now - state.lastDrawn > .milliseconds(100) else { return }
            state.lastDrawn = now
            state.drawn = true
            let line = String(state.parts.keys.sorted().map { state.parts[$0]! }.joined(separator: "  ").prefix(200))
            // A dumb terminal gets spaces over the old line instead of the erase sequence.
            let padding = Terminal.canErase ? "" : String(repeating: " ", count: max(0, state.width - line.count))
            Terminal.error((Terminal.canErase ? "\r\u{1B}[K" : "\r") + line + padding)
            state.width = line.count
        }
    }

    /// Clears the line if it was drawn.
    func finish() {
        state.withLock { state in
            guard state.drawn else { return }
            Terminal.error(Terminal.canErase ? "\r\u{1B}[K" : "\r" + String(repeating: " ", count: state.width) + "\r")
        }
    }
}
