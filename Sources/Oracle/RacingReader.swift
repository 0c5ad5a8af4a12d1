import PageTable

/// A reader whose tree changes under the walker: before each scheduling point (a read, a re-check,
/// a map, unmap, lock or unlock) it runs the racers the schedule puts there, with the locks their
/// writers take, and it keeps what the oracle needs to judge the walk: every state the tree passed
/// through, which PTE tables are locked or mapped, which were freed and whether their RCU grace
/// period ended (a read of one is a use-after-free), and misuse of the locks.
///
/// Copies share one ``Race``; the walker's tree is the race's ``Race/space``.
public struct RacingReader: TableReader {
    /// What happened in racing walks that a race exists to provoke: counted so that a campaign can
    /// say its racers reached the walkers' retry and RCU paths, not only ran beside them.
    public struct Events: Hashable, Sendable {
        /// PTE-table locks or maps that failed because the PMD changed (the walker must retry).
        public var failedLocks = 0
        /// Writers that waited for a PTE lock the walker held.
        public var waits = 0
        /// Tables freed while the walker was inside an RCU read section (kept readable for it).
        public var freedUnderReader = 0
        /// MMU young/dirty updates while the walker held a PTE lock.
        public var hardwareUnderLock = 0

        /// No events.
        public init() {}

        /// Adds `other`'s counts.
        public mutating func add(_ other: Events) {
            failedLocks += other.failedLocks
            waits += other.waits
            freedUnderReader += other.freedUnderReader
            hardwareUnderLock += other.hardwareUnderLock
        }
    }

    /// The shared state of one racing walk.
    public final class Race: @unchecked Sendable {
        /// The tree as it stands now.
        public private(set) var space: AddressSpace
        /// The tree at each moment: before the walk, then after each racer that ran.
        public private(set) var moments: [AddressSpace]
        /// The racers that ran, in order, each with how many scheduling points came before it (more
        /// than its schedule says when it waited for a lock); moment `k + 1` is after racer `k`.
        public private(set) var ran: [(point: Int, racer: Racer)] = []
        /// The first misuse seen (a use-after-free, a lock taken twice or dropped unheld, a lock or
        /// map left at the end), or nil.
        public private(set) var misuse: String?
        /// How many scheduling points the walk has passed.
        public private(set) var points = 0
        /// How many table reads the walk made.
        public private(set) var reads = 0
        /// What the racers provoked.
        public private(set) var events = Events()

        private var schedule: [RaceStep]
        private var nextStep = 0
        /// Steps anchored at a PTE lock or map, by its number, placed in the schedule when it comes.
        private var anchored: [Int: [RaceStep]]
        private var locksTaken = 0
        private var waiting: [RaceStep] = []
        private var readBudget: Int
        private let budgetOf: @Sendable (AddressSpace) -> Int
        /// PTE tables locked (by storage offset), and how many maps each has.
        private var locked: Set<Int> = []
        private var mapped: [Int: Int] = [:]
        /// Tables freed while an RCU reader may still hold them, and tables whose grace period ended.
        private var inGracePeriod: [TableID] = []
        private var poisoned: [TableID: String] = [:]

        /// A race over `space` with `schedule`. A walk reading more words than `budget` gives for the
        /// tree before it, plus what it gives for the tree after each racer, traps: it loops.
        public init(space: AddressSpace, schedule: [RaceStep], budget: @escaping @Sendable (AddressSpace) -> Int) {
            var space = space
            space.defersTableReuse()
            self.space = space
            moments = [space]
            self.schedule = schedule.filter { $0.lock == nil }.enumerated().sorted { ($0.element.point, $0.offset) < ($1.element.point, $1.offset) }
                .map(\.element)
            anchored = Dictionary(grouping: schedule.filter { $0.lock != nil }, by: { $0.lock! })
            budgetOf = budget
            readBudget = budget(space)
        }

        /// The table whose words start at `handle`.
        func tableID(_ handle: TableHandle) -> TableID? {
            let descriptors = space.tables.descriptors
            var low = 0, high = descriptors.count
            while low < high {
                let middle = (low + high) / 2
                if descriptors[middle].storageOffset <= handle.base { low = middle + 1 } else { high = middle }
            }
            guard low > 0, handle.base < descriptors[low - 1].storageOffset + descriptors[low - 1].entryCount else { return nil }
            return TableID(rawValue: low - 1)
        }

        private func note(_ problem: String) {
            if misuse == nil { misuse = problem }
        }

        /// One scheduling point: the racers due run (or wait for a lock), then, with no RCU reader
        /// active, the grace period of every table freed so far ends.
        func point() {
            points += 1
            while nextStep < schedule.count, schedule[nextStep].point < points {
                let step = schedule[nextStep]
                nextStep += 1
                if mustWait(step.racer) {
                    waiting.append(step)
                    events.waits += 1
                } else {
                    run(step, after: points - 1)
                }
            }
            endGracePeriodIfQuiet()
        }

        private func mustWait(_ racer: Racer) -> Bool {
            guard let span = racer.lockedSpan(in: space.format), !locked.isEmpty else { return false }
            let size = space.format.geometry(.pmd).entrySize
            return locked.contains { base in
                guard let id = tableID(TableHandle(base: base)) else { return false }
                let start = space.tables.descriptor(id).base
                return span.clamped(to: AddressRange(start: start, end: start + size)) != nil
            }
        }

        private func run(_ step: RaceStep, after completed: Int) {
            let before = space.tables.descriptors.count
            let live = space.tables.descriptors.map { $0.state == .live }
            // A racer the model refuses (an operation past its bounds) does nothing, as a refused
            // operation changes nothing; it is not a moment.
            do { try space.race(step.racer) } catch { return }
            let reading = !locked.isEmpty || !mapped.isEmpty
            for index in 0..<before where live[index] && space.tables.descriptors[index].state == .free {
                inGracePeriod.append(TableID(rawValue: index))
                if reading { events.freedUnderReader += 1 }
            }
            if step.racer.isHardware, !locked.isEmpty { events.hardwareUnderLock += 1 }
            ran.append((completed, step.racer))
            moments.append(space)
            readBudget += budgetOf(space)
        }

        private func endGracePeriodIfQuiet() {
            guard locked.isEmpty, mapped.isEmpty, !inGracePeriod.isEmpty else { return }
            for id in inGracePeriod { poisoned[id] = "freed by the racer before point \(points) and its RCU grace period over" }
            inGracePeriod = []
        }

        /// The word at `index` of `table`, after a scheduling point; a read of a table whose grace
        /// period ended is recorded as a use-after-free and reads 0.
        func read(_ table: TableHandle, _ index: Int) -> UInt64 {
            point()
            reads += 1
            if reads > readBudget { fatalError("racing walk exceeded its budget of \(readBudget) table reads: the design loops") }
            if let id = tableID(table), let why = poisoned[id] {
                note("use-after-free: read slot \(index) of table \(id.rawValue) at point \(points), \(why)")
                return 0
            }
            let offset = table.base + index
            guard offset >= 0, offset < space.tables.words.count else {
                fatalError("read outside the table memory")
            }
            return space.tables.words[offset]
        }

        /// `pmd_same()`: whether slot `index` of `table` holds `word`, after a scheduling point.
        func holds(_ table: TableHandle, _ index: Int, _ word: UInt64) -> Bool {
            point()
            if let id = tableID(table), let why = poisoned[id] {
                note("use-after-free: re-checked slot \(index) of table \(id.rawValue) at point \(points), \(why)")
                return false
            }
            let offset = table.base + index
            guard offset >= 0, offset < space.tables.words.count else {
                note("re-checked slot \(index) of a handle outside the table memory at point \(points)")
                return false
            }
            return space.tables.words[offset] == word
        }

        /// The live table in frame `pfn`.
        func table(atPFN pfn: UInt64) -> TableHandle? {
            guard let id = space.tables.table(atPFN: pfn), space.tables.descriptor(id).state == .live else { return nil }
            return TableHandle(base: space.tables.descriptor(id).storageOffset)
        }

        func lock(_ pfn: UInt64, parent: TableHandle, _ index: Int, _ word: UInt64, locking: Bool) -> TableHandle? {
            // Steps anchored here join the schedule, due `offset` points after this moment: offset 0
            // runs at the lock's own point, before its re-check of the PMD.
            locksTaken += 1
            if let steps = anchored.removeValue(forKey: locksTaken) {
                let due = steps.map { RaceStep(point: points + $0.point, racer: $0.racer) }
                let pending = schedule[nextStep...] + due
                schedule = Array(schedule[..<nextStep])
                    + pending.enumerated().sorted { ($0.element.point, $0.offset) < ($1.element.point, $1.offset) }.map(\.element)
            }
            guard holds(parent, index, word), let child = table(atPFN: pfn) else {
                events.failedLocks += 1
                return nil
            }
            if locking {
                if locked.contains(child.base) { note("locked table \(tableID(child)!.rawValue) twice (a self-deadlock) at point \(points)") }
                locked.insert(child.base)
            }
            mapped[child.base, default: 0] += 1
            return child
        }

        func unlock(_ table: TableHandle, locking: Bool) {
            point()
            let name = tableID(table).map { "table \($0.rawValue)" } ?? "a handle to no table"
            if locking {
                guard locked.remove(table.base) != nil else { return note("unlocked \(name), not locked, at point \(points)") }
            }
            guard let maps = mapped[table.base] else { return note("unmapped \(name), not mapped, at point \(points)") }
            mapped[table.base] = maps == 1 ? nil : maps - 1
            // Racers that waited for the lock run now, in the order they came.
            let ready = waiting.filter { !mustWait($0.racer) }
            waiting.removeAll { !mustWait($0.racer) }
            for step in ready { run(step, after: points) }
            endGracePeriodIfQuiet()
        }

        /// `cond_resched()`, a scheduling point: with a PTE table locked or mapped, a misuse.
        func reschedule() {
            point()
            if let base = locked.min() ?? mapped.keys.min() {
                note("cond_resched() at point \(points) with table \(tableID(TableHandle(base: base))!.rawValue) "
                     + (locked.isEmpty ? "mapped (rcu_read_lock held)" : "locked") + ": scheduling while atomic")
            }
        }

        /// Ends the walk: a lock or map still held is a misuse.
        public func finish() {
            // The lowest table named, so the report is the same on every run (sets have no order).
            if let base = locked.min() { note("returned holding the lock of table \(tableID(TableHandle(base: base))!.rawValue)") }
            else if let base = mapped.keys.min() { note("returned with table \(tableID(TableHandle(base: base))!.rawValue) still mapped (rcu_read_lock held)") }
        }
    }

    /// The race this reader belongs to.
    public let race: Race
    /// The root table.
    public let root: TableHandle

    /// A reader for `race`.
    public init(_ race: Race) {
        self.race = race
        root = TableHandle(base: race.space.tables.descriptor(race.space.root).storageOffset)
    }

    /// The tree as it stands now.
    public var space: AddressSpace { race.space }
    /// Reads the word after a scheduling point.
    public func read(_ table: TableHandle, _ index: Int) -> UInt64 { race.read(table, index) }
    /// The live table in frame `pfn`; not a scheduling point.
    public func table(atPFN pfn: UInt64) -> TableHandle? { race.table(atPFN: pfn) }
    /// `pte_offset_map_lock()` (a scheduling point).
    public func lockPTETable(atPFN pfn: UInt64, parent: TableHandle, _ index: Int, expecting word: UInt64) -> TableHandle? {
        race.lock(pfn, parent: parent, index, word, locking: true)
    }
    /// `pte_unmap_unlock()` (a scheduling point); racers waiting for the lock run.
    public func unlockPTETable(_ table: TableHandle) { race.unlock(table, locking: true) }
    /// `pte_offset_map()` (a scheduling point).
    public func mapPTETable(atPFN pfn: UInt64, parent: TableHandle, _ index: Int, expecting word: UInt64) -> TableHandle? {
        race.lock(pfn, parent: parent, index, word, locking: false)
    }
    /// `pte_unmap()` (a scheduling point).
    public func unmapPTETable(_ table: TableHandle) { race.unlock(table, locking: false) }
    /// `cond_resched()` (a scheduling point).
    public func mayReschedule() { race.reschedule() }
    /// `pmd_same()` re-check (a scheduling point).
    public func stillHolds(_ table: TableHandle, _ index: Int, _ word: UInt64) -> Bool { race.holds(table, index, word) }
}
