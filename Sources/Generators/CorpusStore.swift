/// A directory of saved cases, one `.case` file each.
public struct CorpusStore: Sendable {
    /// The directory.
    public let directory: String

    /// A store in `directory`, created if missing.
    public init(directory: String) throws(FileError) {
        self.directory = directory
        try FileSystem.makeDirectory(directory)
    }

    /// The paths of every saved case, sorted.
    public func paths() throws(FileError) -> [String] {
        try FileSystem.list(directory, suffix: ".case").map { directory + "/" + $0 }
    }

    /// The file name a failure of `design` on `format` from case `index` of a campaign seeded `seed` is saved under.
    public static func fileName(design: String, format: String, seed: UInt64, index: Int) -> String {
        "\(format)-\(design)-\(String(seed, radix: 16))-\(index).case"
    }

    /// Saves `saved` under `name`, replacing what was there; returns its path.
    @discardableResult
    public func save(_ saved: CorpusCase, as name: String) throws(FileError) -> String {
        let path = directory + "/" + name
        try FileSystem.write(CorpusFormat.text(of: saved), to: path)
        return path
    }

    /// Reads and parses the case at `path`; the error names the file, line and reason.
    public static func load(_ path: String) throws(CorpusError) -> CorpusCase {
        let text: String
        do { text = try FileSystem.read(path, maxBytes: CorpusFormat.maxFileBytes) } catch { throw CorpusError(file: path, line: 0, reason: error.reason) }
        return try CorpusFormat.parse(text, file: path)
    }
}
