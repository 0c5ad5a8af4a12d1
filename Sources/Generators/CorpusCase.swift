import PageTable

/// A case saved in `corpus/`: the case itself and where it came from.
public struct CorpusCase: Hashable, Sendable {
    /// The format, operations and walk queries.
    public var testCase: TestCase
    /// The campaign seed and case index it was generated from, if generated.
    public var origin: (seed: UInt64, index: Int)? {
        get { originSeed.map { ($0, originIndex) } }
        set { originSeed = newValue?.seed; originIndex = newValue?.index ?? 0 }
    }
    /// The design it failed, if it was saved from a failure.
    public var design: String?
    /// The first line of the difference it showed when saved.
    public var firstDifference: String?
    /// The recorded choices it was generated from, when known: what `walkcheck shrink` reduces.
    public var choices: [UInt64]?
    /// The line of the file each operation was read from (empty for a case not read from a file);
    /// not part of what the case says, so not compared.
    public var operationLines: [Int] = []
    private var originSeed: UInt64?
    private var originIndex = 0

    /// Creates a corpus case.
    public init(testCase: TestCase, origin: (seed: UInt64, index: Int)? = nil, design: String? = nil,
                firstDifference: String? = nil, choices: [UInt64]? = nil) {
        self.testCase = testCase
        self.design = design
        self.firstDifference = firstDifference
        self.choices = choices
        self.origin = origin
    }

    /// Two saved cases are equal when everything they say is equal.
    public static func == (lhs: CorpusCase, rhs: CorpusCase) -> Bool {
        lhs.testCase == rhs.testCase && lhs.design == rhs.design && lhs.firstDifference == rhs.firstDifference
            && lhs.choices == rhs.choices && lhs.originSeed == rhs.originSeed && lhs.originIndex == rhs.originIndex
    }

    /// Hashes everything equality compares.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(testCase)
        hasher.combine(design)
        hasher.combine(choices)
    }
}

/// Why a corpus file could not be read: the file, the line and the reason.
public struct CorpusError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file (as given to the parser).
    public var file: String
    /// The 1-based line number, or 0 for the file as a whole.
    public var line: Int
    /// What was wrong.
    public var reason: String

    /// `file:line: reason`.
    public var description: String { line > 0 ? "\(file):\(line): \(reason)" : "\(file): \(reason)" }
}
