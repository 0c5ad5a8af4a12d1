import PageTable

/// The flat iterator, in the shape of the proposed `vpte_iter_for_each()`: one loop, no recursion,
/// an explicit cursor holding the table and index at each real level.
///
/// Folded levels are collapsed away when the iterator is built: its cursor has one slot per real
/// level (and one for a hugepd table). To reach the next entry it goes up only as far as it must,
/// sideways, then down; the size (order) of the current mapping lives in the iterator. A contiguous
/// block is read once, when the iterator first meets it, and its young and dirty ORed. Two common
/// steps are inlined into the caller's loop: the next slot of a PTE table, and the next slot of a
/// directory table holding no table and no block (a hole, a leaf, a non-present entry), each when
/// it is not the table's last; the rest is the general step, out of line.
///
/// Raced, it holds the lock of the PTE table under the cursor (`pte_offset_map_lock()`) from the
/// step down into it until the step up out of it, or the walk's end; when the lock fails, the PMD
/// changed under the cursor, which reads its slot again.
///
/// Departures from the proposal: it yields entry-walk items (holes included) rather than visiting
/// only present PTEs.
public struct FlatWalkIterator<R: TableReader>: IteratorProtocol {
    /// One level of the cursor: what a table at that depth holds, packed into one word: the level's
    /// depth (bits 0–2), whether the table is a hugepd table (3) and holds tables (4), the entry
    /// shift (5–10), the block size (11–17) and the index mask (18–63). `Format` bounds them: shifts
    /// below 64, blocks of at most 64 entries, tables of at most 2^16 entries a level and 2^44 a
    /// hugepd table. One word is stored by a step down and loaded by the next step as one word: as
    /// a 40-byte struct it was stored field by field and loaded 16 bytes at a time, and `perf
    /// annotate` put 27% of the general step's samples on that load (a store-forwarding stall;
    /// BENCHMARKS.md, "Step 13").
    package struct CursorLevel {
        private let bits: UInt64

        /// Packs one level; each value within `Format`'s bounds (above).
        package init(level: Level, inHugepd: Bool, entryShift: UInt64, indexMask: UInt64, contiguousEntries: Int, holdsTables: Bool) {
            bits = UInt64(truncatingIfNeeded: level.depth) | (inHugepd ? 1 << 3 : 0) | (holdsTables ? 1 << 4 : 0)
                | (entryShift & 63) << 5 | (UInt64(truncatingIfNeeded: contiguousEntries) & 127) << 11 | indexMask << 18
        }

        /// The level whose table this is.
        package var level: Level { Level(depth: Int(truncatingIfNeeded: bits & 7))! }
        /// Whether the table is a hugepd table under `level`.
        package var inHugepd: Bool { bits & 1 << 3 != 0 }
        /// Whether the table's entries may point to tables.
        package var holdsTables: Bool { bits & 1 << 4 != 0 }
        /// How far an address is shifted to index the table.
        package var entryShift: UInt64 { (bits >> 5) & 63 }
        /// How many entries a contiguous block holds at this level (`CONT_PTES`, `CONT_PMDS`).
        package var contiguousEntries: Int { Int(truncatingIfNeeded: (bits >> 11) & 127) }
        /// The table's entry count less one.
        package var indexMask: UInt64 { bits >> 18 }
    }

    /// A contiguous block being reported entry by entry, after one read of all its entries.
    struct Block {
        var end: UInt64
        var basePFN: UInt64
        var baseAddress: UInt64
        var attributes: LeafAttributes
    }

    let reader: R
    let format: Format
    let flags: EntryWalkFlags
    let fault: Fault
    let end: UInt64
    private var address: UInt64
    private var depth = 0
    /// The most levels a cursor holds: five real levels and a hugepd table.
    static var capacity: Int { 6 }
    // The cursor, inline (no allocation a walk): the table, index and level at each depth.
    private var tables: InlineArray<6, TableHandle>
    private var indexes: InlineArray<6, Int>
    private var levels: InlineArray<6, CursorLevel>
    /// The depth of the PTE level, its entry shift and its last index: the PTE step's constants,
    /// kept apart so that it reads no cursor level.
    private let pteDepth: Int
    private let pteShift: UInt64
    private let pteLastIndex: Int
    /// Whether the table under the cursor is a hugepd table (the cursor level at `depth` says so
    /// too; this is what the PTE step reads).
    private var inHugepdTable = false
    private var block: Block?
    /// The depth of the PTE table the cursor holds locked, if any.
    private var lockedDepth: Int?
    /// The table of the item `next()` returned last.
    private(set) var lastTable = TableHandle(base: -1)

    /// Builds the iterator for `range`, collapsing folded levels out of its cursor.
    @inline(__always)
    init(reader: R, range: AddressRange, flags: EntryWalkFlags, fault: Fault = .none) {
        let format = reader.format
        self.reader = reader
        self.format = format
        self.flags = flags
        self.fault = fault
        address = range.start
        end = fault == .topEndMasked ? range.end & (format.top - 1) : range.end
        // Only the root's cursor level is built; a step down builds the level it enters (a
        // short walk enters few, and building all of them was most of its set-up).
        let root = Self.cursorLevel(format.rootLevel, format)
        var depth = 0
        var level = format.rootLevel
        while let lower = format.realLevel(below: level) {
            level = lower
            depth += 1
        }
        levels = InlineArray(repeating: root)
        pteDepth = depth
        pteShift = UInt64(format.pageShift)
        pteLastIndex = format.geometry(.pte).entryCount - 1
        tables = InlineArray(repeating: reader.root)
        indexes = InlineArray(repeating: 0)
        indexes[0] = index(of: address, in: root)
    }

    /// The cursor level of the real level `level`.
    private static func cursorLevel(_ level: Level, _ format: Format) -> CursorLevel {
        let geometry = format.geometry(level)
        return CursorLevel(level: level, inHugepd: false, entryShift: UInt64(geometry.shift),
                           indexMask: UInt64(geometry.entryCount - 1), contiguousEntries: geometry.contiguousEntries,
                           holdsTables: level != .pte)
    }

    @inline(__always)
    private func index(of address: UInt64, in cursor: CursorLevel) -> Int {
        Int(truncatingIfNeeded: (address >> cursor.entryShift) & cursor.indexMask)
    }

    /// The next terminal slot, clipped to the range, or nil past its end.
    @inline(__always)
    public mutating func next() -> EntryWalkItem? {
        // The common step, apart from the general one: the next slot of the PTE table under the
        // cursor when it is not the table's last (no step up, no lock to drop). Inlined into the
        // caller's loop, so that the cursor can stay in registers between steps.
        if fault == .none, depth == pteDepth, !inHugepdTable {
            let pageSize: UInt64 = 1 << pteShift
            // A block read before ends where the next one (or a plain entry) starts.
            if let current = block, address >= current.end { block = nil }
            // Inside a PTE block already read: its next entry, without a read.
            if let current = block, address < current.end, address < end, indexes[depth] < pteLastIndex,
               !flags.contains(.coalesceContiguous) {
                let item = EntryWalkItem(range: AddressRange(start: address, end: min(address + pageSize, end)), level: .pte,
                                         inHugepd: false,
                                         entry: .leaf(pfn: current.basePFN + (address - current.baseAddress) >> pteShift,
                                                      attributes: current.attributes))
                address += pageSize
                indexes[depth] += 1
                return item
            }
            while block == nil, address < end, indexes[depth] < pteLastIndex {
                let table = tables[depth]
                let word = reader.read(table, indexes[depth])
                let entry = format.decode(word, at: .pte, address: address)
                lastTable = table
                if case .leaf(let pfn, let attributes) = entry, attributes.contains(.contiguous) {
                    return startBlock(word: word, pfn: pfn, attributes: attributes, cursor: levels[depth])
                }
                let item = EntryWalkItem(range: AddressRange(start: address, end: min(address + pageSize, end)), level: .pte,
                                         inHugepd: false, entry: entry)
                address += pageSize
                indexes[depth] += 1
                if flags.contains(.skipNone), entry.isNone { continue }
                return item
            }
        } else if fault == .none, !inHugepdTable {
            // The next slot of a directory table when it is not the table's last and holds no
            // table and no block (a hole, a leaf, a non-present entry): no step up or down.
            while block == nil, address < end {
                let cursor = levels[depth]
                let index = indexes[depth]
                guard index < Int(truncatingIfNeeded: cursor.indexMask) else { break }
                let table = tables[depth]
                let word = reader.read(table, index)
                let entry = format.decode(word, at: cursor.level, address: address)
                let slotSize: UInt64 = 1 << cursor.entryShift
                let slotStart = Format.alignDown(address, slotSize)
                switch entry {
                case .table, .hugepd: return nextGeneral(read: word)
                case .leaf(_, let attributes) where attributes.contains(.contiguous): return nextGeneral(read: word)
                default: break
                }
                let reported = atAddress(entry, slotStart: slotStart)
                lastTable = table
                let item = EntryWalkItem(range: AddressRange(start: address, end: min(slotStart + slotSize, end)), level: cursor.level,
                                         inHugepd: false, entry: reported)
                address = slotStart + slotSize
                indexes[depth] = index + 1
                if flags.contains(.skipNone), reported.isNone { continue }
                return item
            }
        }
        return nextGeneral()
    }

    /// The general step: up, sideways and down the cursor, blocks, locks, faults. `read`, when
    /// not nil, is the word of the slot under the cursor, already read by the directory step.
    @inline(never)
    private mutating func nextGeneral(read: UInt64? = nil) -> EntryWalkItem? {
        var read = read
        while address < end {
            if let current = block {
                if address < current.end || (fault == .blockStateOverrun && address == current.end) { return fromBlock(current) }
                // Written only when a block ends: clearing it at every step stored its 26 bytes each time.
                block = nil
            }
            let cursor = levels[depth]
            let word = read ?? reader.read(tables[depth], indexes[depth])
            read = nil
            var entry = format.decode(word, at: cursor.level, inHugepd: cursor.inHugepd, address: address)
            switch (fault, entry) {
            case (.swapAsPresent, .nonPresent(let swap)): entry = .leaf(pfn: swap.offset, attributes: [])
            case (.protNoneAsNone, .leaf(_, let attributes)) where attributes.contains(.protNone): entry = .none
            default: break
            }
            if cursor.holdsTables {
                switch entry {
                case .table(let pfn) where depth + 1 == pteDepth:
                    // pte_offset_map_lock(); when the PMD changed under the cursor, its slot is read again.
                    guard let child = reader.lockPTETable(atPFN: pfn, parent: tables[depth], indexes[depth], expecting: word) else {
                        if fault == .cursorNotRevalidated { advance(to: Format.alignDown(address, 1 << cursor.entryShift) + (1 << cursor.entryShift), entries: 1) }
                        continue
                    }
                    push(child, Self.cursorLevel(.pte, format))
                    lockedDepth = depth
                    continue
                case .table(let pfn):
                    guard let child = reader.table(atPFN: pfn) else { continue }
                    push(child, Self.cursorLevel(format.realLevel(below: cursor.level)!, format))
                    continue
                case .hugepd(let pfn, let shift):
                    guard let child = reader.table(atPFN: pfn) else { continue }
                    let geometry = format.geometry(cursor.level)
                    push(child, CursorLevel(level: cursor.level, inHugepd: true, entryShift: UInt64(shift),
                                            indexMask: UInt64(geometry.hugepdEntryCount! - 1), contiguousEntries: 1, holdsTables: false))
                    continue
                default: break
                }
            }
            lastTable = tables[depth]
            let slotSize: UInt64 = 1 << cursor.entryShift
            let slotStart = Format.alignDown(address, slotSize)
            if case .leaf(let pfn, let attributes) = entry, attributes.contains(.contiguous), !cursor.inHugepd {
                // A directory block is read without a lock: read again until whole.
                guard let item = startBlock(word: word, pfn: pfn, attributes: attributes, cursor: cursor) else { continue }
                return item
            }
            let itemEnd = min(slotStart + slotSize, end)
            var reported = atAddress(entry, slotStart: slotStart)
            var itemStart = address
            if fault == .startNotClipped, cursor.level != .pte, case .leaf = entry {
                reported = entry
                itemStart = slotStart
            }
            let item = EntryWalkItem(range: AddressRange(start: itemStart, end: itemEnd), level: cursor.level,
                                     inHugepd: cursor.inHugepd, entry: reported)
            advance(to: slotStart + slotSize, entries: 1)
            if flags.contains(.skipNone), reported.isNone { continue }
            return item
        }
        // The walk ends: a PTE table still locked is unlocked.
        if lockedDepth != nil, fault != .lockLeakedAtRangeEnd { unlock() }
        return nil
    }

    /// Reads the contiguous block of the entry `word` (a leaf of `pfn` with `attributes`) under the
    /// cursor once, and reports its entry at the cursor's address; nil when a directory block,
    /// read without a lock, changed under the read (read its slot again).
    private mutating func startBlock(word: UInt64, pfn: UInt64, attributes: LeafAttributes, cursor: CursorLevel) -> EntryWalkItem? {
        let slotSize: UInt64 = 1 << cursor.entryShift
        // A PTE block is read under the lock, a directory block verified: two calls, so that the
        // PTE block's read is compiled with no verification at all (one call choosing at run time
        // cost 627,950 instructions a walk on arm64-4k contiguous 64K folios; two, 594,286).
        let found = cursor.level == .pte
            ? ContiguousBlock(reader, format: format, table: tables[depth], index: indexes[depth], word: word, level: .pte)
            : ContiguousBlock(reader, format: format, table: tables[depth], index: indexes[depth], word: word,
                              level: cursor.level, verifying: address)
        guard found.settled else { return nil }
        let blockStart = Format.alignDown(address, slotSize * UInt64(found.count))
        let base = pfn - UInt64(indexes[depth] - found.first) * (slotSize >> UInt64(format.pageShift))
        let current = Block(end: blockStart + slotSize * UInt64(found.count), basePFN: base, baseAddress: blockStart,
                            attributes: fault == .youngDirtyNotORed ? attributes : attributes.union(found.youngDirty))
        block = current
        return fromBlock(current)
    }

    /// `entry`, of the slot starting at `slotStart`, as the item at the cursor's address reports it:
    /// a leaf's pfn moved on to that address's page.
    @inline(__always)
    private func atAddress(_ entry: Entry, slotStart: UInt64) -> Entry {
        guard case .leaf(let pfn, let attributes) = entry else { return entry }
        return .leaf(pfn: pfn + ((address - slotStart) >> pteShift), attributes: attributes)
    }

    /// Drops the lock of the PTE table the cursor holds.
    private mutating func unlock() {
        reader.unlockPTETable(tables[lockedDepth!])
        lockedDepth = nil
    }

    /// Reports the block's entry at `address` (or, coalescing, the rest of the block) without reading.
    private mutating func fromBlock(_ current: Block) -> EntryWalkItem {
        let cursor = levels[depth]
        let slotSize: UInt64 = 1 << cursor.entryShift
        let pages = (address - current.baseAddress) >> UInt64(format.pageShift)
        let itemEnd = flags.contains(.coalesceContiguous) ? min(current.end, end) : min(Format.alignDown(address, slotSize) + slotSize, end)
        let item = EntryWalkItem(range: AddressRange(start: address, end: itemEnd), level: cursor.level, inHugepd: false,
                                 entry: .leaf(pfn: current.basePFN + pages, attributes: current.attributes))
        let slotEnd = Format.alignDown(itemEnd - 1, slotSize) + slotSize
        advance(to: slotEnd, entries: Int((slotEnd - Format.alignDown(address, slotSize)) >> cursor.entryShift))
        return item
    }

    /// Goes down one level into `child`.
    private mutating func push(_ child: TableHandle, _ cursor: CursorLevel) {
        inHugepdTable = cursor.inHugepd
        depth += 1
        levels[depth] = cursor
        tables[depth] = child
        indexes[depth] = index(of: address, in: cursor)
    }

    /// Moves to `next`, `entries` slots on: sideways in this table, up only while a table is finished.
    @inline(__always)
    private mutating func advance(to next: UInt64, entries: Int) {
        address = next
        indexes[depth] += entries
        while depth > 0, indexes[depth] > Int(levels[depth].indexMask) - (fault == .popOffByOne ? 1 : 0) {
            if depth == lockedDepth { unlock() }
            inHugepdTable = false
            depth -= 1
            indexes[depth] += 1
        }
        if depth == 0, indexes[0] > Int(levels[0].indexMask) { address = max(address, end) }
    }
}

/// The flat walk of a range as a Swift sequence.
public struct FlatWalk<R: TableReader>: Sequence {
    let reader: R
    let range: AddressRange
    let flags: EntryWalkFlags
    let fault: Fault

    /// A sequence over the entry walk of `range`; throws when the range is bad.
    public init(_ reader: R, range: AddressRange, flags: EntryWalkFlags = []) throws(PageTableError) {
        try self.init(reader, range: range, flags: flags, fault: .none)
    }

    /// The sequence with `fault` injected (a mutant's).
    package init(_ reader: R, range: AddressRange, flags: EntryWalkFlags, fault: Fault) throws(PageTableError) {
        self.reader = reader
        self.range = try range.validated(for: reader.format)
        self.flags = flags
        self.fault = fault
    }

    /// A fresh iterator.
    @inline(__always)
    public func makeIterator() -> FlatWalkIterator<R> { FlatWalkIterator(reader: reader, range: range, flags: flags, fault: fault) }
}
