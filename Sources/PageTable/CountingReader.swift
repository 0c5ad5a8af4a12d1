/// A reader that records every read of the reader it wraps: how the conformance run checks that a
/// design reads no slot twice and no more slots than the oracle says a walk must inspect.
public struct CountingReader<Inner: TableReader>: TableReader {
    /// The log of reads, shared by copies of the reader.
    public final class Log: @unchecked Sendable {
        /// The word offset of every read, in order.
        public fileprivate(set) var reads: [Int] = []
        /// How many reads the log accepts before it stops the walk; nil for no limit.
        public let budget: Int?
        /// Creates an empty log.
        public init(budget: Int? = nil) { self.budget = budget }
        /// How many reads were made.
        public var count: Int { reads.count }
        /// The first word offset read twice, if any.
        public var firstRepeatedRead: Int? {
            var seen = Set<Int>()
            return reads.first { !seen.insert($0).inserted }
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
        log.reads.append(table.base + index)
        if let budget = log.budget, log.reads.count > budget {
            fatalError("walk exceeded its budget of \(budget) table reads: the design loops")
        }
        return inner.read(table, index)
    }

    /// Resolves through the inner reader.
    public func table(atPFN pfn: UInt64) -> TableHandle? { inner.table(atPFN: pfn) }
}
