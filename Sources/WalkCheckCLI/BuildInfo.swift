#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The build configuration and the machine, for report headers.
enum BuildInfo {
    #if DEBUG
    /// `debug` or `release`.
    static let configuration = "debug"
    #else
    /// `debug` or `release`.
    static let configuration = "release"
    #endif

    /// The number of online processors.
    static var cores: Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

    /// The path of this executable.
    static var executable: String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        return count > 0 ? String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self) : CommandLine.arguments[0]
    }
}
