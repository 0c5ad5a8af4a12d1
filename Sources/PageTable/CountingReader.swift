/// A reader that records every read of the reader it wraps: how the conformance run checks that a
/// design reads no slot twice and no more slots than the oracle says a walk must inspect, and that
/// it drops every PTE-table lock and map it takes.
public struct CountingReader<Inner: TableReader>: TableReader {
    /// The log of reads, shared by copies of the reader: how many, and the first word read twice.
    ///
    /// Its state sits behind one pointer: a class's stored properties are checked for exclusive
    /// access at run time on every mutation, which cost more than the read itself (perf).
    public final class Log: @unchecked Sendable {
        @usableFromInline struct State {
            @usableFromInline var count = 0
            @usableFromInline var firstRepeatedRead: Int?
            /// One bit a word offset: whether it was read (a bitmap, not a set: no hashing a read).
            @usableFromInline var seen: [UInt64] = []
            /// PTE tables locked and mapped now (a lock maps too), and the first misuse of them.
            @usableFromInline var locks = 0
            @usableFromInline var maps = 0
            @usableFromInline var misuse: String?
            @usableFromInline init() {}
        }

        /// How many reads the log accepts before it stops the walk; nil for no limit.
        public let budget: Int?
        @usableFromInline let state: UnsafeMutablePointer<State>

        /// Creates an empty log.
        public init(budget: Int? = nil) {
            self.budget = budget
            state = .allocate(capacity: 1)
            state.initialize(to: State())
        }

        deinit {
            state.deinitialize(count: 1)
            state.deallocate()
        }

        /// How many reads were made.
        public var count: Int { state.pointee.count }
        /// The first word offset read twice, if any.
        public var firstRepeatedRead: Int? { state.pointee.firstRepeatedRead }
        /// The first misuse of the PTE-table locks and maps: one dropped that was not held, or
        /// (once the walk has returned) one still held.
        public var lockMisuse: String? {
            if let misuse = state.pointee.misuse { return misuse }
            if state.pointee.locks > 0 { return "returned holding \(state.pointee.locks) PTE-table lock(s)" }
            if state.pointee.maps > 0 { return "returned with \(state.pointee.maps) PTE table(s) still mapped (rcu_read_lock held)" }
            return nil
        }

        /// Notes a `cond_resched()`: with a PTE table locked or mapped, a misuse.
        @usableFromInline func rescheduled() {
            guard state.pointee.maps > 0, state.pointee.misuse == nil else { return }
            state.pointee.misuse = "cond_resched() with \(state.pointee.locks > 0 ? "a PTE-table lock" : "a PTE table mapped (rcu_read_lock)") held: scheduling while atomic"
        }

        /// Counts a lock (or map) taken or dropped.
        @usableFromInline func held(locking: Bool, _ change: Int) {
            if locking { state.pointee.locks += change }
            state.pointee.maps += change
            if state.pointee.maps < 0 || state.pointee.locks < 0, state.pointee.misuse == nil {
                state.pointee.misuse = locking ? "unlocked a PTE table it did not hold" : "unmapped a PTE table it had not mapped"
            }
            state.pointee.maps = max(state.pointee.maps, 0)
            state.pointee.locks = max(state.pointee.locks, 0)
        }

        /// Records a read of the word at `offset` (never negative: the reader checks bounds first);
        /// traps past the budget.
        @inlinable @inline(__always)
        func record(_ offset: Int) {
            let word = offset >> 6, bit: UInt64 = 1 << UInt64(offset & 63)
            state.pointee.count += 1
            if word < state.pointee.seen.count, state.pointee.seen[word] & bit == 0, budget.map({ state.pointee.count <= $0 }) ?? true {
                state.pointee.seen[word] |= bit
                return
            }
            recordSlowly(offset)
        }

        /// The rest of ``record(_:)``, the read already counted: growing the bitmap, a repeated read,
        /// the budget exceeded.
        @usableFromInline func recordSlowly(_ offset: Int) {
            let word = offset >> 6, bit: UInt64 = 1 << UInt64(offset & 63)
            if word >= state.pointee.seen.count { state.pointee.seen.append(contentsOf: repeatElement(0, count: word - state.pointee.seen.count + 1)) }
            if state.pointee.seen[word] & bit != 0, state.pointee.firstRepeatedRead == nil { state.pointee.firstRepeatedRead = offset }
            state.pointee.seen[word] |= bit
            if let budget, state.pointee.count > budget {
                fatalError("walk exceeded its budget of \(budget) table reads: the design loops")
            }
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
    @inlinable public var space: AddressSpace { inner.space }
    /// The root table.
    @inlinable public var root: TableHandle { inner.root }
    /// The inner reader's format.
    @inlinable public var format: Format { inner.format }
    /// The inner reader's VMAs.
    @inlinable public var vmas: VMAMap? { inner.vmas }
    /// The inner reader's frames and folios.
    @inlinable public var memory: PhysicalMemory { inner.memory }

    /// Reads through the inner reader and records the read; traps past the budget, so that a
    /// design that loops is stopped (campaigns run designs where a trap is caught and reported).
    @inlinable public func read(_ table: TableHandle, _ index: Int) -> UInt64 {
        let word = inner.read(table, index)
        log.record(table.base + index)
        return word
    }

    /// Resolves through the inner reader.
    @inlinable public func table(atPFN pfn: UInt64) -> TableHandle? { inner.table(atPFN: pfn) }
    /// Locks through the inner reader, counting the lock.
    @inlinable public func lockPTETable(atPFN pfn: UInt64, parent: TableHandle, _ index: Int, expecting word: UInt64) -> TableHandle? {
        let table = inner.lockPTETable(atPFN: pfn, parent: parent, index, expecting: word)
        if table != nil { log.held(locking: true, 1) }
        return table
    }
    /// Unlocks through the inner reader, counting the unlock.
    @inlinable public func unlockPTETable(_ table: TableHandle) {
        inner.unlockPTETable(table)
        log.held(locking: true, -1)
    }
    /// Maps through the inner reader, counting the map.
    @inlinable public func mapPTETable(atPFN pfn: UInt64, parent: TableHandle, _ index: Int, expecting word: UInt64) -> TableHandle? {
        let table = inner.mapPTETable(atPFN: pfn, parent: parent, index, expecting: word)
        if table != nil { log.held(locking: false, 1) }
        return table
    }
    /// Unmaps through the inner reader, counting the unmap.
    @inlinable public func unmapPTETable(_ table: TableHandle) {
        inner.unmapPTETable(table)
        log.held(locking: false, -1)
    }
    /// Reschedules through the inner reader; holding a PTE-table lock or map here is a misuse.
    @inlinable public func mayReschedule() {
        inner.mayReschedule()
        log.rescheduled()
    }
    /// Re-checks through the inner reader (not counted).
    @inlinable public func stillHolds(_ table: TableHandle, _ index: Int, _ word: UInt64) -> Bool { inner.stillHolds(table, index, word) }
}
