/// A reader that reads the words directly: what benchmarks use.
///
/// A generic design called from another module runs unspecialised, every read through a witness
/// table, and `@_specialize` attributes are not picked up by callers in other modules. The shipped
/// designs therefore write their entry points in their own module, each one line that runs their
/// generic body with the reader as its concrete type (``EntryWalkBody`` and its siblings), which
/// the compiler specialises; a design in another package can do the same.
public struct DirectReader: TableReader {
    /// The space, held by reference: a walk copies its reader into its state, and copying the
    /// space's dozen references (and releasing them after) was a third of a short walk's
    /// instructions (BENCHMARKS.md, "Step 13").
    @usableFromInline final class Box {
        @usableFromInline let space: AddressSpace
        @usableFromInline let root: TableHandle
        @usableFromInline let words: [UInt64]
        @usableFromInline let bases: [Int]
        @usableFromInline let live: [Bool]
        init(_ space: AddressSpace) {
            self.space = space
            words = space.tables.words
            bases = space.tables.descriptors.map(\.storageOffset)
            live = space.tables.descriptors.map { $0.state == .live }
            root = TableHandle(base: bases[space.root.rawValue])
        }
    }

    @usableFromInline let box: Box
    @inlinable var words: [UInt64] { box.words }
    @inlinable var bases: [Int] { box.bases }
    @inlinable var live: [Bool] { box.live }

    /// The address space being read.
    @inlinable public var space: AddressSpace { box.space }

    /// A reader over `space`.
    public init(_ space: AddressSpace) {
        box = Box(space)
    }

    /// The root table.
    @inlinable public var root: TableHandle { box.root }
    /// The space's format, without copying the space.
    @inlinable public var format: Format { box.space.format }
    /// The space's VMAs, without copying the space.
    @inlinable public var vmas: VMAMap? { box.space.vmas }
    /// The space's frames and folios, without copying the space.
    @inlinable public var memory: PhysicalMemory { box.space.memory }

    /// The word at `index` of `table`; traps when that lies outside the table memory.
    ///
    /// One unsigned compare checks both bounds (a negative offset wraps to a huge one), which keeps
    /// walkers' inner loops short; the word is then read without the array's own check.
    @inlinable public func read(_ table: TableHandle, _ index: Int) -> UInt64 {
        let offset = table.base &+ index
        precondition(UInt(bitPattern: offset) < UInt(bitPattern: words.count), "read outside the table memory")
        return words.withUnsafeBufferPointer { $0[offset] }
    }

    /// Scans with one bounds check for the whole scan: the words a block at a time, each block
    /// compared branch-free (``BatchPattern/wordsFollowing(_:count:expecting:laterBlock:)``: all
    /// following the pattern is the common case and gives the scan's end), and at the first block
    /// with a word off it, the exact scan, unchecked. Without a hint the exact scan starts at that
    /// block (every word before it follows), and blocks are 16 words, then 128: a scan that stops
    /// early wastes little, a long one tests seldom. With a hint it starts at `start` (where a
    /// block's step lands depends on the steps before) and blocks are 16 words, which bounds the
    /// words read twice when a long batch stops early (a split THP with holes every 64 KiB).
    /// Either way at most a block less one word is read past the stop.
    /// Always inlined: called through a function, the batched walk took 175 instructions a 64 KiB
    /// folio; inlined, 157 (callgrind).
    @inlinable @inline(__always)
    public func scanBatch(_ table: TableHandle, from start: Int, to end: Int, expecting first: UInt64,
                          _ pattern: BatchPattern) -> BatchScan {
        guard start < end else { return BatchScan(end: start, mismatch: nil) }
        precondition(start >= 0 && table.base >= 0 && end <= words.count &- table.base, "scan outside the table memory")
        return words.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress! + table.base
            let hinted = pattern.hintBit != 0
            let following = pattern.wordsFollowing(base + start, count: end &- start, expecting: first, laterBlock: hinted ? 16 : 128)
            if following == end &- start { return BatchScan(end: end, mismatch: nil) }
            return hinted ? pattern.exactScan(from: start, to: end, expecting: first) { base[$0] }
                : pattern.exactScan(from: start &+ following, to: end,
                                    expecting: first &+ UInt64(truncatingIfNeeded: following) &* pattern.stride) { base[$0] }
        }
    }

    /// Calls `body` with the table memory every ``TableHandle`` indexes (word `index` of a table
    /// is `words[table.base + index]`): how a walker in C reads a quiescent tree directly.
    public func withTableWords<T>(_ body: (UnsafeBufferPointer<UInt64>) throws -> T) rethrows -> T {
        try words.withUnsafeBufferPointer(body)
    }

    /// The table in frame `pfn`, or nil when no live table is there.
    @inlinable public func table(atPFN pfn: UInt64) -> TableHandle? {
        let id = pfn &- TableMemory.basePFN
        guard id < UInt64(bases.count), live[Int(id)] else { return nil }
        return TableHandle(base: bases[Int(id)])
    }
}
