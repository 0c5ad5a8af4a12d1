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
    /// The space's format: what ``space`` holds, without copying the space.
    var format: Format { get }
    /// The space's VMAs: what ``space`` holds, without copying the space.
    var vmas: VMAMap? { get }
    /// The space's frames and folios: what ``space`` holds, without copying the space.
    var memory: PhysicalMemory { get }
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

    /// Maps and locks the PTE table in frame `pfn`, which slot `index` of `parent` was read holding
    /// as `word` (`pte_offset_map_lock()`): nil when the slot no longer holds `word` (`pmd_same()`
    /// fails) or the table is gone, and the caller reads the slot again (`ACTION_AGAIN`). While the
    /// lock is held no writer changes the table but the MMU, which may set young and dirty.
    func lockPTETable(atPFN pfn: UInt64, parent: TableHandle, _ index: Int, expecting word: UInt64) -> TableHandle?
    /// Unlocks and unmaps a table ``lockPTETable(atPFN:parent:_:expecting:)`` returned (`pte_unmap_unlock()`).
    func unlockPTETable(_ table: TableHandle)
    /// Maps the PTE table in frame `pfn` without locking it (`pte_offset_map()`, under
    /// `rcu_read_lock()`): the table may be emptied and freed meanwhile, but stays readable until
    /// ``unmapPTETable(_:)``; a lockless reader re-checks the parent slot after reading
    /// (``stillHolds(_:_:_:)``, as GUP-fast does). Nil as for the lock.
    func mapPTETable(atPFN pfn: UInt64, parent: TableHandle, _ index: Int, expecting word: UInt64) -> TableHandle?
    /// Unmaps a table ``mapPTETable(atPFN:parent:_:expecting:)`` returned (`pte_unmap()`).
    func unmapPTETable(_ table: TableHandle)
    /// Whether slot `index` of `table` still holds `word` (`pmd_same()` after `pmdp_get_lockless()`):
    /// the re-check a lockless reader makes after reading below that slot. Not counted as a read.
    func stillHolds(_ table: TableHandle, _ index: Int, _ word: UInt64) -> Bool
    /// `cond_resched()`: a point where the walker may sleep, as `zap_pmd_range()` offers after each
    /// PMD. Reaching it with a PTE table locked or mapped (a spinlock or an RCU read section held)
    /// is a bug: "scheduling while atomic".
    func mayReschedule()
}

extension TableReader {
    /// The space's format, read from ``space``.
    @inlinable public var format: Format { space.format }
    /// The space's VMAs, read from ``space``.
    @inlinable public var vmas: VMAMap? { space.vmas }
    /// The space's frames and folios, read from ``space``.
    @inlinable public var memory: PhysicalMemory { space.memory }

    /// A quiescent tree: the slot holds what was read, so the table is resolved and nothing locked.
    @inlinable @inline(__always)
    public func lockPTETable(atPFN pfn: UInt64, parent: TableHandle, _ index: Int, expecting word: UInt64) -> TableHandle? {
        table(atPFN: pfn)
    }
    /// Nothing to unlock in a quiescent tree.
    @inlinable @inline(__always) public func unlockPTETable(_ table: TableHandle) {}
    /// A quiescent tree: resolved as for the lock.
    @inlinable @inline(__always)
    public func mapPTETable(atPFN pfn: UInt64, parent: TableHandle, _ index: Int, expecting word: UInt64) -> TableHandle? {
        table(atPFN: pfn)
    }
    /// Nothing to unmap in a quiescent tree.
    @inlinable @inline(__always) public func unmapPTETable(_ table: TableHandle) {}
    /// A quiescent tree: a slot still holds what was read from it.
    @inlinable @inline(__always) public func stillHolds(_ table: TableHandle, _ index: Int, _ word: UInt64) -> Bool { true }
    /// Nothing to do: nothing else runs.
    @inlinable @inline(__always) public func mayReschedule() {}

    /// Scans through ``read(_:_:)``, word by word.
    @inlinable public func scanBatch(_ table: TableHandle, from start: Int, to end: Int, expecting first: UInt64,
                                     _ pattern: BatchPattern) -> BatchScan {
        pattern.exactScan(from: start, to: end, expecting: first) { read(table, $0) }
    }
}
