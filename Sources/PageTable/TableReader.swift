/// Where a table page's words start in its address space's word array: what a walker holds to read a table.
public struct TableHandle: Hashable, Sendable {
    /// The offset of the table's first word.
    public let base: Int
    /// Creates a handle from a word offset.
    @inlinable public init(base: Int) { self.base = base }
}

/// The one way a walker design reads a page table. Designs are generic over it, so a conformance
/// run can count (and later disturb) every read while a benchmark build pays nothing.
///
/// Reading a word goes through ``read(_:_:)``; resolving a pointer entry to a table
/// (Linux's `__va(pfn)`) and looking up folios are not table reads.
public protocol TableReader {
    /// The address space being read: its format, its frames and folios.
    var space: AddressSpace { get }
    /// The root (PGD) table.
    var root: TableHandle { get }
    /// The word at `index` of `table`.
    func read(_ table: TableHandle, _ index: Int) -> UInt64
    /// The table in frame `pfn`, or nil when it is no longer a live table (a concurrent free).
    func table(atPFN pfn: UInt64) -> TableHandle?
    /// Reads the words of `table` from `start` towards `end` in order, handing each with its index to
    /// `advance`, which says how many entries to move on, or 0 (or less) to stop at that word; returns
    /// the index it stopped at, or `end` (or the first index a step reached past it). Every word
    /// handed over counts as read, the one it stops at included; the words stepped over are not read.
    ///
    /// This is the inner loop of batching walkers (`folio_pte_batch()`): a reader can check the
    /// bounds once for the whole scan. The default reads each word through ``read(_:_:)``.
    func scan(_ table: TableHandle, from start: Int, to end: Int, advancing advance: (Int, UInt64) -> Int) -> Int
}

extension TableReader {
    /// Reads each word through ``read(_:_:)``.
    @inlinable public func scan(_ table: TableHandle, from start: Int, to end: Int, advancing advance: (Int, UInt64) -> Int) -> Int {
        var index = start
        while index < end {
            let step = advance(index, read(table, index))
            if step <= 0 { return index }
            index &+= step
        }
        return index
    }
}

/// A reader that reads the words directly: what benchmarks use.
///
/// A generic design called from another module runs unspecialised, every read through a witness
/// table, and `@_specialize` attributes are not picked up by callers in other modules. The shipped
/// designs therefore open the reader in their own module (`reader as? DirectReader`) and call their
/// generic body with it, which the compiler specialises; a design in another package can do the same.
public struct DirectReader: TableReader {
    /// The address space being read.
    public let space: AddressSpace
    @usableFromInline let words: [UInt64]
    @usableFromInline let bases: [Int]
    @usableFromInline let live: [Bool]

    /// A reader over `space`.
    public init(_ space: AddressSpace) {
        self.space = space
        words = space.tables.words
        bases = space.tables.descriptors.map(\.storageOffset)
        live = space.tables.descriptors.map { $0.state == .live }
    }

    /// The root table.
    @inlinable public var root: TableHandle { TableHandle(base: bases[space.root.rawValue]) }

    /// The word at `index` of `table`; traps when that lies outside the table memory.
    ///
    /// One unsigned compare checks both bounds (a negative offset wraps to a huge one), which keeps
    /// walkers' inner loops short; the word is then read without the array's own check.
    @inlinable public func read(_ table: TableHandle, _ index: Int) -> UInt64 {
        let offset = table.base &+ index
        precondition(UInt(bitPattern: offset) < UInt(bitPattern: words.count), "read outside the table memory")
        return words.withUnsafeBufferPointer { $0[offset] }
    }

    /// Scans with one bounds check for the whole scan, then reads the words unchecked.
    @inlinable public func scan(_ table: TableHandle, from start: Int, to end: Int, advancing advance: (Int, UInt64) -> Int) -> Int {
        guard start < end else { return start }
        precondition(start >= 0 && table.base >= 0 && end <= words.count &- table.base, "scan outside the table memory")
        return words.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress! + table.base
            var index = start
            while index < end {
                let step = advance(index, base[index])
                if step <= 0 { return index }
                index &+= step
            }
            return index
        }
    }

    /// The table in frame `pfn`, or nil when no live table is there.
    @inlinable public func table(atPFN pfn: UInt64) -> TableHandle? {
        let id = pfn &- TableMemory.basePFN
        guard id < UInt64(bases.count), live[Int(id)] else { return nil }
        return TableHandle(base: bases[Int(id)])
    }
}

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
