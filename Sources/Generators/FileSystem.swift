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
    /// An error for `path` with the C library's reason for the last failure.
    public static func systemError(_ path: String, _ what: String) -> FileError {
        FileError(path: path, reason: "\(what): \(String(cString: strerror(errno)))")
    }

    /// The whole text of the file at `path`, refused when it holds more than `maxBytes` bytes (a
    /// device such as `/dev/zero` never ends) or is not valid UTF-8.
    public static func read(_ path: String, maxBytes: Int) throws(FileError) -> String {
        guard let file = fopen(path, "rb") else { throw systemError(path, "cannot open") }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            bytes += buffer[0..<count]
            guard bytes.count <= maxBytes else { throw FileError(path: path, reason: "larger than \(maxBytes) bytes; refused") }
            if count < buffer.count { break }
        }
        guard ferror(file) == 0 else { throw systemError(path, "cannot read") }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw FileError(path: path, reason: "not UTF-8 text") }
        return text
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

    /// Checks that files can be created in the directory at `path`.
    public static func checkWritable(_ path: String) throws(FileError) {
        guard access(path, W_OK | X_OK) == 0 else { throw systemError(path, "cannot write into the directory") }
    }

    /// Creates the directory at `path` if it does not exist.
    public static func makeDirectory(_ path: String) throws(FileError) {
        if mkdir(path, 0o755) != 0, errno != EEXIST { throw systemError(path, "cannot create directory") }
    }

    /// Creates a new directory of its own in the temporary directory (`mkdtemp()`: an unpredictable
    /// name, mode 0700, never an existing path or a planted symbolic link); returns its path.
    public static func makeTemporaryDirectory(prefix: String) throws(FileError) -> String {
        let base = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(base)/\(prefix)XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw systemError(base, "cannot create a temporary directory")
        }
        return String(cString: made)
    }

    /// Removes the directory at `path` and the files directly in it (not following links).
    public static func removeDirectory(_ path: String) {
        if let directory = opendir(path) {
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name != ".", name != ".." { unlink(path + "/" + name) }
            }
            closedir(directory)
        }
        rmdir(path)
    }

    /// Removes the file at `path`, if it exists.
    public static func remove(_ path: String) {
        unlink(path)
    }
}
