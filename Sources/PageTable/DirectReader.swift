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

    /// Scans with one bounds check for the whole scan: the words a window at a time, each window
    /// branch-free (all following the pattern is the common case and gives the scan's end), and at
    /// the first window with a word off it, the exact scan, unchecked. Without a hint the exact scan
    /// starts at that window (every word before it follows), and windows start at 16 words and
    /// grow fourfold up to 256: a scan that stops early wastes little, a long one sets few up.
    /// With a hint it starts at `start` (where a block's step lands depends on the steps before)
    /// and windows are 16 words, which bounds the words read twice when a long batch stops early
    /// (a split THP with holes every 64 KiB). Either way at most a window less one word is read
    /// past the stop.
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
            var windowSize = 16
            var window = start
            while window < end {
                let count = min(windowSize, end &- window)
                if !hinted { windowSize = min(windowSize &* 4, 256) }
                let expected = first &+ UInt64(truncatingIfNeeded: window &- start) &* pattern.stride
                guard pattern.allFollow(base + window, count: count, expecting: expected) else {
                    return hinted ? pattern.exactScan(from: start, to: end, expecting: first) { base[$0] }
                        : pattern.exactScan(from: window, to: end, expecting: expected) { base[$0] }
                }
                window &+= count
            }
            return BatchScan(end: end, mismatch: nil)
        }
    }

    /// The table in frame `pfn`, or nil when no live table is there.
    @inlinable public func table(atPFN pfn: UInt64) -> TableHandle? {
        let id = pfn &- TableMemory.basePFN
        guard id < UInt64(bases.count), live[Int(id)] else { return nil }
        return TableHandle(base: bases[Int(id)])
    }
}
