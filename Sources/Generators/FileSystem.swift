#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a file operation failed.
public struct FileError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The path involved.
    public var path: String
    /// What failed, with the system's reason.
    public var reason: String
    /// `path: reason`.
    public var description: String { "\(path): \(reason)" }

    /// Creates an error for `path`.
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
}

/// The few file operations WalkCheck needs, on the C library (no Foundation).
public enum FileSystem {
    static func systemError(_ path: String, _ what: String) -> FileError {
        FileError(path: path, reason: "\(what): \(String(cString: strerror(errno)))")
    }

    /// The whole text of the file at `path`.
    public static func read(_ path: String) throws(FileError) -> String {
        guard let file = fopen(path, "rb") else { throw systemError(path, "cannot open") }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            bytes += buffer[0..<count]
            if count < buffer.count { break }
        }
        guard ferror(file) == 0 else { throw systemError(path, "cannot read") }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Writes `text` to `path` through a temporary file and a rename, so a reader never sees half of it.
    public static func write(_ text: String, to path: String) throws(FileError) {
        let temporary = path + ".tmp\(getpid())"
        guard let file = fopen(temporary, "wb") else { throw systemError(temporary, "cannot create") }
        let bytes = Array(text.utf8)
        let written = bytes.isEmpty ? 0 : fwrite(bytes, 1, bytes.count, file)
        let closed = fclose(file)
        guard written == bytes.count, closed == 0 else {
            unlink(temporary)
            throw systemError(temporary, "cannot write")
        }
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw systemError(path, "cannot rename into place")
        }
    }

    /// The names of the entries of the directory at `path` ending in `suffix`, sorted.
    public static func list(_ path: String, suffix: String) throws(FileError) -> [String] {
        guard let directory = opendir(path) else { throw systemError(path, "cannot open directory") }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name.hasSuffix(suffix), !name.hasPrefix(".") { names.append(name) }
        }
        return names.sorted()
    }

    /// Creates the directory at `path` if it does not exist.
    public static func makeDirectory(_ path: String) throws(FileError) {
        if mkdir(path, 0o755) != 0, errno != EEXIST { throw systemError(path, "cannot create directory") }
    }

    /// Removes the file at `path`, if it exists.
    public static func remove(_ path: String) {
        unlink(path)
    }
}
