/// The RSS counters of one mm (`MM_FILEPAGES`, `MM_ANONPAGES`, `MM_SWAPENTS`, `MM_SHMEMPAGES` of
/// include/linux/mm_types_task.h), as deltas or totals.
public struct RSSCounters: Hashable, Sendable, CustomStringConvertible {
    /// `MM_ANONPAGES`.
    public var anon = 0
    /// `MM_FILEPAGES`.
    public var file = 0
    /// `MM_SHMEMPAGES`: always 0 here, the model has no shmem folios (SEMANTICS.md, "Writers").
    public var shmem = 0
    /// `MM_SWAPENTS`.
    public var swapEntries = 0

    /// Creates zero counters.
    public init() {}

    /// Adds `pages` to the counter `mm_counter()` picks for a folio of `kind` (anon → ANON, else FILE).
    public mutating func add(_ pages: Int, for kind: FolioKind) {
        if kind == .anonymous { anon += pages } else { file += pages }
    }

    /// `anon A file F shmem S swap W`.
    public var description: String { "anon \(anon) file \(file) shmem \(shmem) swap \(swapEntries)" }
}

/// Which of a writer's address spaces: the one written (for a copy, the parent) or the copy's child.
public enum SpaceRole: Int, Hashable, Sendable {
    /// The space the operation writes; for a copy, the source (parent).
    case source = 0
    /// The copy's child space.
    case destination = 1
}

/// A swap slot: a swap file and an offset in it (`swp_entry_t` without the PTE's flags).
public struct SwapSlot: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The swap file's type number.
    public var type: UInt8
    /// The offset in it.
    public var offset: UInt64
    /// Creates a slot.
    public init(type: UInt8, offset: UInt64) {
        self.type = type
        self.offset = offset
    }
    /// Orders by file, then offset.
    public static func < (lhs: SwapSlot, rhs: SwapSlot) -> Bool { (lhs.type, lhs.offset) < (rhs.type, rhs.offset) }
    /// `swapT:0x…`.
    public var description: String { "swap\(type):0x\(String(offset, radix: 16))" }
}

/// The accounting a writer changes, kept as deltas: what Linux's writers report through
/// `folio_add_rmap_*()` / `folio_remove_rmap_*()`, `folio_ref_add()` / `folio_put()`,
/// `add_mm_counter()`, `swap_duplicate()` / `free_swap_and_cache_nr()`, `folio_mark_dirty()`,
/// `folio_mark_accessed()` and the `PageAnonExclusive` clearing of `folio_try_dup_anon_rmap_*()`.
///
/// The same type also holds a whole tree's accounting (``counting(_:role:)``), so that what a tree
/// change must have reported is the difference of two countings.
public struct WriteLedger: Equatable, Sendable {
    /// The RSS counters of the source and the destination space, by ``SpaceRole`` raw value.
    public var rss: [RSSCounters] = [RSSCounters(), RSSCounters()]
    /// The page-map changes as reported, one run a call: a batch is one entry, as one
    /// `folio_remove_rmap_ptes()` is one call (so a benchmark does not hash every page).
    private var pageMapRuns: [PageRun] = []
    /// Per page (by frame), the PTE-level maps of it: the per-page `_mapcount` (CONFIG_PAGE_MAPCOUNT)
    /// and, summed over a folio, its part of `folio_large_mapcount()`.
    public var pageMaps: [UInt64: Int] {
        var table: [UInt64: Int] = [:]
        for run in pageMapRuns {
            for page in 0..<UInt64(run.count) { Self.bump(&table, run.pfn + page, run.delta) }
        }
        return table
    }
    /// Per folio, the maps of it by one directory entry or hugepd page (`_entire_mapcount`).
    public var entireMaps: [FolioID: Int] = [:]
    /// Per folio, its references taken by mappings (`folio_ref_add()` / `folio_put()`).
    public var references: [FolioID: Int] = [:]
    /// Per swap slot, the references to it (`swap_duplicate()` / `free_swap_and_cache_nr()`).
    public var swapCounts: [SwapSlot: Int] = [:]
    /// The folios marked dirty (`folio_mark_dirty()`).
    public var markedDirty: Set<FolioID> = []
    /// The folios marked accessed (`folio_mark_accessed()`).
    public var markedAccessed: Set<FolioID> = []
    /// The runs of pages whose `PageAnonExclusive` was cleared, one a call.
    private var exclusiveRuns: [PageRun] = []
    /// The pages (by frame) whose `PageAnonExclusive` was cleared.
    public var anonExclusiveCleared: Set<UInt64> {
        var pages: Set<UInt64> = []
        for run in exclusiveRuns { for page in 0..<UInt64(run.count) { pages.insert(run.pfn + page) } }
        return pages
    }

    /// `count` pages from frame `pfn`, changed by `delta`.
    struct PageRun: Equatable, Sendable {
        var pfn: UInt64
        var count: Int
        var delta: Int
    }

    /// The page-map changes as sorted, disjoint, maximal segments of pages with one nonzero
    /// change each: what ``pageMaps`` holds, without a key a page (a copy of a large tree
    /// changes millions).
    public var pageMapSegments: [PageSegment] { Self.segments(of: pageMapRuns) }

    /// The pages whose `PageAnonExclusive` was cleared, as sorted, disjoint, maximal segments
    /// (each with change 1).
    public var anonExclusiveSegments: [PageSegment] {
        Self.segments(of: exclusiveRuns).map { PageSegment(start: $0.start, end: $0.end, delta: 1) }.coalesced()
    }

    /// The sum of `runs`, page by page, as segments: a sweep over their starts and ends.
    static func segments(of runs: [PageRun]) -> [PageSegment] {
        var events: [(pfn: UInt64, delta: Int)] = []
        events.reserveCapacity(runs.count * 2)
        for run in runs where run.count > 0 && run.delta != 0 {
            events.append((run.pfn, run.delta))
            events.append((run.pfn + UInt64(run.count), -run.delta))
        }
        events.sort { $0.pfn < $1.pfn }
        var result: [PageSegment] = []
        var level = 0
        var index = 0
        while index < events.count {
            let here = events[index].pfn
            while index < events.count, events[index].pfn == here {
                level += events[index].delta
                index += 1
            }
            guard index < events.count, level != 0 else { continue }
            result.append(PageSegment(start: here, end: events[index].pfn, delta: level))
        }
        return result.coalesced()
    }

    /// An empty ledger.
    public init() {}

    /// Adds `delta` to the RSS counter `mm_counter()` picks for `kind`, in `role`'s space.
    public mutating func addRSS(_ delta: Int, for kind: FolioKind, in role: SpaceRole = .source) {
        rss[role.rawValue].add(delta, for: kind)
    }

    /// Adds `delta` to `MM_SWAPENTS` of `role`'s space.
    public mutating func addSwapEntries(_ delta: Int, in role: SpaceRole = .source) {
        rss[role.rawValue].swapEntries += delta
    }

    /// Adds `delta` maps to each of `count` pages from frame `pfn` (`folio_add_rmap_ptes()` with a
    /// positive delta, `folio_remove_rmap_ptes()` with a negative one).
    public mutating func addPageMaps(_ delta: Int, pfn: UInt64, count: Int) {
        guard delta != 0, count > 0 else { return }
        pageMapRuns.append(PageRun(pfn: pfn, count: count, delta: delta))
    }

    /// Adds `delta` whole-folio maps of `folio` (`folio_add_rmap_pmd()` / `folio_remove_rmap_pmd()`).
    public mutating func addEntireMaps(_ delta: Int, of folio: FolioID) { Self.bump(&entireMaps, folio, delta) }

    /// Adds `delta` references to `folio` (`folio_ref_add()`, or `folio_put()` with -1).
    public mutating func addReferences(_ delta: Int, to folio: FolioID) { Self.bump(&references, folio, delta) }

    /// Adds `delta` references to each of `count` swap slots from `first` (`swap_duplicate()`,
    /// `free_swap_and_cache_nr()`).
    public mutating func addSwapCounts(_ delta: Int, from first: SwapSlot, count: Int) {
        for page in 0..<UInt64(max(count, 0)) {
            Self.bump(&swapCounts, SwapSlot(type: first.type, offset: first.offset + page), delta)
        }
    }

    /// Records `folio_mark_dirty()`.
    public mutating func markDirty(_ folio: FolioID) { markedDirty.insert(folio) }
    /// Records `folio_mark_accessed()`.
    public mutating func markAccessed(_ folio: FolioID) { markedAccessed.insert(folio) }
    /// Records that `count` pages from `pfn` lost `PageAnonExclusive`.
    public mutating func clearAnonExclusive(pfn: UInt64, count: Int) {
        guard count > 0 else { return }
        exclusiveRuns.append(PageRun(pfn: pfn, count: count, delta: 1))
    }

    /// Two ledgers are equal when they report the same changes, however the calls were cut.
    public static func == (lhs: WriteLedger, rhs: WriteLedger) -> Bool {
        lhs.rss == rhs.rss && lhs.entireMaps == rhs.entireMaps && lhs.references == rhs.references && lhs.swapCounts == rhs.swapCounts
            && lhs.markedDirty == rhs.markedDirty && lhs.markedAccessed == rhs.markedAccessed
            && lhs.pageMapSegments == rhs.pageMapSegments && lhs.anonExclusiveSegments == rhs.anonExclusiveSegments
    }

    /// Adds `delta` at `key`, dropping the key when it reaches 0 (so equal ledgers compare equal).
    static func bump<Key: Hashable>(_ table: inout [Key: Int], _ key: Key, _ delta: Int) {
        guard delta != 0 else { return }
        let value = table[key, default: 0] + delta
        if value == 0 { table.removeValue(forKey: key) } else { table[key] = value }
    }

    /// Per folio, `folio_mapcount()`'s change: its pages' maps plus its whole-folio maps.
    public func folioMapcounts(in memory: PhysicalMemory) -> [FolioID: Int] {
        var result: [FolioID: Int] = [:]
        for segment in pageMapSegments {
            var pfn = segment.start
            while pfn < segment.end {
                guard let folio = memory.folio(containing: pfn) else { pfn += 1; continue }
                let end = min(segment.end, folio.endPFN)
                Self.bump(&result, folio.id, segment.delta * Int(end - pfn))
                pfn = end
            }
        }
        for (folio, delta) in entireMaps { Self.bump(&result, folio, delta) }
        return result
    }
}

extension WriteLedger {
    /// The accounting `space`'s tree holds, counted as what mapped it reported: every present page
    /// of a folio (not the zero page, not special) counts in RSS and takes a reference; a PTE-level
    /// one maps its page, a directory leaf, contiguous directory block or hugepd page maps its folio
    /// whole, once a unit; migration entries count in RSS; device-private entries count as
    /// anonymous RSS; device-exclusive entries count as the present page they stand for (v6.15+
    /// keeps the folio mapped); swap entries count in `MM_SWAPENTS` and reference their slot.
    /// With `range`, only the units that map part of it count (whole, also where they stick out).
    public static func counting(_ space: AddressSpace, role: SpaceRole = .source, in range: AddressRange? = nil) -> WriteLedger {
        var ledger = WriteLedger()
        ledger.count(space.units(in: range ?? AddressRange(start: 0, end: space.format.top)), of: space, role: role, sign: 1)
        return ledger
    }

    /// Adds (`sign` 1) or removes (-1) the accounting of `units` of `space`.
    package mutating func count(_ units: [MappingUnit], of space: AddressSpace, role: SpaceRole, sign: Int) {
        let memory = space.memory
        for unit in units {
            let pages = Int(space.format.pages(in: unit.span.size))
            switch unit.content {
            case .present(let pfn, let attributes):
                guard !attributes.contains(.special), !memory.isZeroFrame(pfn), let folio = memory.folio(containing: pfn) else { continue }
                addRSS(sign * pages, for: folio.kind, in: role)
                if unit.level == .pte, !unit.inHugepd {
                    addPageMaps(sign, pfn: pfn, count: pages)
                    addReferences(sign * pages, to: folio.id)
                } else {
                    addEntireMaps(sign, of: folio.id)
                    addReferences(sign, to: folio.id)
                }
            case .nonPresent(let entry):
                switch entry.kind {
                case .swap(let type):
                    addSwapEntries(sign * pages, in: role)
                    addSwapCounts(sign, from: SwapSlot(type: type, offset: entry.offset), count: pages)
                case .migrationRead, .migrationReadExclusive, .migrationWrite:
                    if let folio = memory.folio(containing: entry.offset) { addRSS(sign * pages, for: folio.kind, in: role) }
                case .deviceRead, .deviceWrite:
                    addRSS(sign * pages, for: .anonymous, in: role)
                case .deviceExclusive:
                    guard let folio = memory.folio(containing: entry.offset) else { continue }
                    addRSS(sign * pages, for: folio.kind, in: role)
                    addPageMaps(sign, pfn: entry.offset, count: pages)
                    addReferences(sign * pages, to: folio.id)
                case .hwpoison, .marker:
                    continue
                }
            }
        }
    }

    /// `self` minus `other`, field by field (the marks and cleared pages are `self`'s).
    public func subtracting(_ other: WriteLedger) -> WriteLedger { combined(with: other, sign: -1) }

    /// `self` plus `other`, field by field, marks and cleared pages joined.
    public func adding(_ other: WriteLedger) -> WriteLedger {
        var result = combined(with: other, sign: 1)
        result.markedDirty.formUnion(other.markedDirty)
        result.markedAccessed.formUnion(other.markedAccessed)
        result.exclusiveRuns += other.exclusiveRuns
        return result
    }

    /// `self` with `other`'s counts added `sign` times (the marks and cleared pages are `self`'s).
    private func combined(with other: WriteLedger, sign: Int) -> WriteLedger {
        var result = self
        for role in 0..<2 {
            result.rss[role].anon += sign * other.rss[role].anon
            result.rss[role].file += sign * other.rss[role].file
            result.rss[role].shmem += sign * other.rss[role].shmem
            result.rss[role].swapEntries += sign * other.rss[role].swapEntries
        }
        result.pageMapRuns += other.pageMapRuns.map { PageRun(pfn: $0.pfn, count: $0.count, delta: sign * $0.delta) }
        for (key, value) in other.entireMaps { Self.bump(&result.entireMaps, key, sign * value) }
        for (key, value) in other.references { Self.bump(&result.references, key, sign * value) }
        for (key, value) in other.swapCounts { Self.bump(&result.swapCounts, key, sign * value) }
        return result
    }
}

/// Pages `start..<end` (frames), each changed by `delta`.
public struct PageSegment: Hashable, Sendable {
    /// The first page.
    public var start: UInt64
    /// The page past the last.
    public var end: UInt64
    /// The change of each page.
    public var delta: Int

    /// Creates a segment.
    public init(start: UInt64, end: UInt64, delta: Int) {
        self.start = start
        self.end = end
        self.delta = delta
    }
}

extension [PageSegment] {
    /// Adjacent segments with the same change joined (the input sorted and disjoint).
    func coalesced() -> [PageSegment] {
        var result: [PageSegment] = []
        for segment in self {
            if let last = result.last, last.end == segment.start, last.delta == segment.delta {
                result[result.count - 1].end = segment.end
            } else {
                result.append(segment)
            }
        }
        return result
    }

    /// The change of page `pfn` (0 outside every segment).
    public func delta(at pfn: UInt64) -> Int {
        var low = 0, high = count
        while low < high {
            let mid = (low + high) / 2
            if self[mid].end <= pfn { low = mid + 1 } else { high = mid }
        }
        return low < count && self[low].start <= pfn ? self[low].delta : 0
    }
}
