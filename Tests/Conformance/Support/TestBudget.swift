#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The campaign budget of a test run, from the environment: `WALKCHECK_CASES` and `WALKCHECK_SEED`.
enum TestBudget {
    /// Cases per design and format; the default keeps `swift test` short in a debug build.
    static func cases(default value: Int) -> Int {
        environment("WALKCHECK_CASES").flatMap { Int($0) } ?? value
    }

    /// The campaign seed; each run prints it so a failure can be reproduced.
    static var seed: UInt64 {
        environment("WALKCHECK_SEED").flatMap { UInt64($0, radix: $0.hasPrefix("0x") ? 16 : 10) ?? UInt64($0.dropFirst(2), radix: 16) } ?? 0x5EED
    }

    private static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
