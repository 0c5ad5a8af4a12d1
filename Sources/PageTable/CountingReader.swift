/// A reader that records every read of the reader it wraps: how the conformance run checks that a
/// design reads no slot twice and no more slots than the oracle says a walk must inspect.
public struct CountingReader<Inner: TableReader>: TableReader {
    /// The log of reads, shared by copies of the reader: how many, and the first word read twice.
    public final class Log: @unchecked Sendable {
        /// How many reads the log accepts before it stops the walk; nil for no limit.
        public let budget: Int?
        /// How many reads were made.
        public fileprivate(set) var count = 0
        /// The first word offset read twice, if any.
        public fileprivate(set) var firstRepeatedRead: Int?
        /// One bit a word offset: whether it was read (a bitmap, not a set: no hashing a read).
        private var seen: [UInt64] = []

        /// Creates an empty log.
        public init(budget: Int? = nil) { self.budget = budget }

        /// Records a read of the word at `offset` (never negative: the reader checks bounds first).
        fileprivate func record(_ offset: Int) {
            count += 1
            let word = offset >> 6, bit: UInt64 = 1 << UInt64(offset & 63)
            if word >= seen.count { seen.append(contentsOf: repeatElement(0, count: word - seen.count + 1)) }
            if seen[word] & bit != 0, firstRepeatedRead == nil { firstRepeatedRead = offset }
            seen[word] |= bit
        }
    }

    /// The wrapped reader.
    public let inner: Inner
    /// The log this reader writes.
    public let log: Log

    /// Wraps `inner`, recording into `log`.
    public init(_ inner: Inner, log: Log = Log()) {
        self.inner = inner
        self.log = log
    }

    /// The address space being read.
    public var space: AddressSpace { inner.space }
    /// The root table.
    public var root: TableHandle { inner.root }

    /// Reads through the inner reader and records the read; traps past the budget, so that a
    /// design that loops is stopped (campaigns run designs where a trap is caught and reported).
    public func read(_ table: TableHandle, _ index: Int) -> UInt64 {
        let word = inner.read(table, index)
        log.record(table.base + index)
        if let budget = log.budget, log.count > budget {
            fatalError("walk exceeded its budget of \(budget) table reads: the design loops")
        }
        return word
    }

    /// Resolves through the inner reader.
    public func table(atPFN pfn: UInt64) -> TableHandle? { inner.table(atPFN: pfn) }
}
