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
    /// Scans the words of `table` from `start` towards `end` against `pattern` from `first` on, as
    /// ``BatchPattern/exactScan(from:to:expecting:word:)`` defines: the inner loop of batching
    /// walkers (`folio_pte_batch()`). Every word that scan reads counts as read, the one it stops
    /// at included; the entries a hint steps over are not read.
    ///
    /// The default reads each word through ``read(_:_:)``; a reader may take a faster way to the
    /// same result (the direct reader checks the bounds once and compares all the words branch-free).
    func scanBatch(_ table: TableHandle, from start: Int, to end: Int, expecting first: UInt64, _ pattern: BatchPattern) -> BatchScan
}

extension TableReader {
    /// Scans through ``read(_:_:)``, word by word.
    @inlinable public func scanBatch(_ table: TableHandle, from start: Int, to end: Int, expecting first: UInt64,
                                     _ pattern: BatchPattern) -> BatchScan {
        pattern.exactScan(from: start, to: end, expecting: first) { read(table, $0) }
    }
}
