import PageTable
import Oracle

/// The addresses a case's own tree makes interesting, for the queries drawn after its operations:
/// where its slots, contiguous blocks, folios and tables begin and end, and the units larger than a
/// page that a walk may start or end inside.
///
/// Walkers go wrong at the edges of what is mapped (a clamp to the table, the folio or the block),
/// and a query drawn from the window at random meets those edges rarely, and a walk starting
/// strictly inside a PMD leaf or block almost never; queries drawn from these landmarks meet them
/// every time.
public struct Landmarks: Sendable {
    /// A unit larger than one page: what a walk may start or end inside.
    public struct Unit: Hashable, Sendable {
        /// What a unit is.
        public enum Shape: String, Hashable, Sendable {
            /// A directory leaf (a huge page).
            case leaf
            /// A contiguous block whose entries agree on young and dirty.
            case block
            /// A contiguous block whose entries differ in young or dirty (a write or an access to one
            /// of its pages): a walker must OR them, whichever entry it starts from.
            case mixedBlock = "mixed-block"
            /// A hugepd page.
            case hugepd
            /// A non-present directory entry (THP migration, device-private THP).
            case nonPresent = "non-present"
            /// Two neighbouring PTEs mapping consecutive pages of one folio in one table that differ
            /// in access bits, writable, uffd-wp or exec alone (``Unit/differing``): a batch that
            /// ignores what they differ in runs across, and must report the run's first entry's (or,
            /// merging, the OR); one that compares it must end there.
            case step
        }

        /// The addresses it maps.
        public var range: AddressRange
        /// The level of its entries.
        public var level: Level
        /// What it is.
        public var shape: Shape
        /// Whether the page before it maps the frame before its first one (a folio next to it in
        /// memory mapped next to it in the address space): a walk coming from there meets the unit
        /// in the middle of a chain of frames (`folio_pte_batch()`'s pfn chain), not at a new batch.
        public var chained = false
        /// For a step, the attributes its two entries differ in; empty otherwise.
        public var differing: LeafAttributes = []

        /// The attributes a step may differ in: those a folio walk can ignore
        /// (`__pte_batch_clear_ignored()`'s), and uffd-wp and exec, which it always compares.
        public static let steppable: LeafAttributes = [.young, .dirty, .softDirty, .writable, .uffdWP, .executable]

        /// `pmd leaf`, `pte mixed-block`, `pmd hugepd`, `pmd non-present`: how the census names it.
        public var kind: String { "\(level) \(shape.rawValue)" }
    }

    /// Page-aligned boundaries, sorted and unique: 0, the top, the window's ends, where each stretch
    /// of slots continuing one another starts and ends, the start and end of every contiguous
    /// block, folio (as mapped there) and table span holding a mapped slot, and of every VMA.
    public private(set) var boundaries: [UInt64]
    /// The units larger than a page, in address order.
    public private(set) var units: [Unit]
    /// The format of the tree.
    public let format: Format

    /// The landmarks of `space`, whose operations worked in `window`.
    public init(_ space: AddressSpace, window: AddressRange) {
        self.init(space, runs: ModelComparison.treeRuns(space), window: window)
    }

    /// The landmarks of `space`, whose operations worked in `window`, its tree counted in `census`;
    /// `runs` is scratch storage for its terminal slots.
    init(_ space: AddressSpace, window: AddressRange, census: inout CoverageCensus?, runs: inout [PageRun]) {
        ModelComparison.treeRuns(space, into: &runs)
        self.init(space, runs: runs, window: window)
        census?.recordTree(space, runs: runs, units: units)
    }

    /// The landmarks of `space`, whose terminal slots are `runs` (``ModelComparison/treeRuns(_:)``).
    public init(_ space: AddressSpace, runs: [PageRun], window: AddressRange) {
        let format = space.format
        self.format = format
        var boundaries: [UInt64]? = [0, format.top, window.start, window.end]
        units = Self.scan(space, runs: runs, boundaries: &boundaries)
        // VMA boundaries: where a walk must cut its runs and its depth -1 holes begin and end.
        for vma in space.vmas?.vmas ?? [] { boundaries? += [vma.range.start, vma.range.end] }
        var sorted = boundaries!.filter { $0 <= format.top }
        sorted.sort()
        var unique: [UInt64] = []
        unique.reserveCapacity(sorted.count)
        for boundary in sorted where unique.last != boundary { unique.append(boundary) }
        self.boundaries = unique
    }

    /// The units larger than a page among `runs`, the terminal slots of `space`, in address order.
    public static func units(of space: AddressSpace, runs: [PageRun]) -> [Unit] {
        var boundaries: [UInt64]? = nil
        return scan(space, runs: runs, boundaries: &boundaries)
    }

    /// The units among `runs`, in address order, and (when `boundaries` is not nil) their
    /// boundaries: where a stretch of slots continuing one another begins and ends (not every
    /// PTE of a folio mapped by PTEs), and every block, folio and table edge.
    private static func scan(_ space: AddressSpace, runs: [PageRun], boundaries: inout [UInt64]?) -> [Unit] {
        let format = space.format
        let collecting = boundaries != nil
        let memory = space.memory
        var units: [Unit] = []
        var lastBlock: (start: UInt64, level: Level)?
        var lastFolio: Folio?
        var previous: PageRun?
        let spans = format.levels.filter { !$0.isFolded }.map(\.entrySize)
        let pteTableSpan = format.geometry(.pte).entrySize &* UInt64(format.geometry(.pte).entryCount)
        var lastTables = spans.map { _ in UInt64.max }
        for run in runs {
            let start = format.address(ofPage: run.start), end = format.address(ofPage: run.end)
            let level = run.record.level
            // Whether the run's frames continue the run before's (a unit starting here is chained).
            var chained = false
            if let previous, previous.end == run.start, case .present(let pfn, _) = run.record.content, !memory.isZeroFrame(pfn),
               case .present(let next, _) = previous.record.content.advanced(by: previous.count), next == pfn {
                chained = true
            }
            defer { previous = run }
            if chained, let previous, level == .pte, !run.record.inHugepd, !previous.record.inHugepd, previous.record.level == .pte,
               case .present(let pfn, let attributes) = run.record.content, case .present(_, let before) = previous.record.content,
               Format.alignDown(start, pteTableSpan) == Format.alignDown(start &- format.pageSize, pteTableSpan),
               let folio = memory.folio(containing: pfn), folio.pfn != pfn {
                let differing = attributes.symmetricDifference(before)
                if !differing.isEmpty, Unit.steppable.isSuperset(of: differing) {
                    units.append(Unit(range: AddressRange(start: start &- format.pageSize, end: end), level: .pte, shape: .step,
                                      differing: differing))
                }
            }
            if collecting {
                let continues = previous.map { $0.end == run.start && $0.record.advanced(by: $0.count) == run.record } ?? false
                if !continues {
                    if let previous { boundaries?.append(format.address(ofPage: previous.end)) }
                    boundaries?.append(start)
                }
                for (index, span) in spans.enumerated() where span > end - start {
                    let table = Format.alignDown(start, span)
                    guard table != lastTables[index] else { continue }
                    lastTables[index] = table
                    boundaries? += [table, min(table &+ span, format.top)]
                }
                if case .present(let pfn, _) = run.record.content, !memory.isZeroFrame(pfn), lastFolio?.contains(pfn) != true,
                   let folio = memory.folio(containing: pfn) {
                    lastFolio = folio
                    let before = format.address(ofPage: pfn - folio.pfn), after = format.address(ofPage: folio.endPFN - pfn)
                    if before <= start { boundaries?.append(start - before) }
                    if after <= format.top - start { boundaries?.append(start + after) }
                }
            }
            if run.count > 1 {
                let shape: Unit.Shape
                if run.record.inHugepd { shape = .hugepd }
                else if case .nonPresent = run.record.content { shape = .nonPresent }
                else { shape = .leaf }
                units.append(Unit(range: AddressRange(start: start, end: end), level: level, shape: shape, chained: chained))
            }
            if run.record.contiguous {
                let size = format.geometry(level).blockSize
                let block = Format.alignDown(start, size)
                if lastBlock?.start != block || lastBlock?.level != level {
                    lastBlock = (block, level)
                    boundaries? += [block, block + size]
                    let shape: Unit.Shape = youngDirtyDiffer(space, block: block, level: level) ? .mixedBlock : .block
                    units.append(Unit(range: AddressRange(start: block, end: block + size), level: level, shape: shape,
                                      chained: chained && block == start))
                }
            }
        }
        if let previous { boundaries?.append(format.address(ofPage: previous.end)) }
        return units.sorted { ($0.range.start, $0.range.end) < ($1.range.start, $1.range.end) }
    }

    /// Whether the entries of the contiguous block at `block` differ in young or dirty.
    static func youngDirtyDiffer(_ space: AddressSpace, block: UInt64, level: Level) -> Bool {
        let geometry = space.format.geometry(level)
        var seen: LeafAttributes?
        for index in 0..<UInt64(geometry.contiguousEntries) {
            guard case .leaf(_, let attributes) = space.translate(block + index * geometry.entrySize).entry else { continue }
            let youngDirty = attributes.intersection([.young, .dirty])
            if let seen, seen != youngDirty { return true }
            seen = youngDirty
        }
        return false
    }

    /// One of `units` (not empty), kind first: a kind of unit (level and shape) drawn uniformly,
    /// then a unit of that kind, so that a block among the sixteen PMD leaves it holds is drawn
    /// as often as they are together (stratified, not in proportion to how many there are).
    func pickUnit(_ units: [Unit], _ choices: inout ChoiceSequence) -> Unit {
        var kinds: [(Level, Unit.Shape)] = []
        for unit in units where !kinds.contains(where: { $0 == (unit.level, unit.shape) }) { kinds.append((unit.level, unit.shape)) }
        let kind = choices.pick(kinds)
        return choices.pick(units.filter { $0.level == kind.0 && $0.shape == kind.1 })
    }

    /// A page-aligned address at one of the landmarks, a page either side, or strictly inside one
    /// of the units (below the top).
    public func address(_ choices: inout ChoiceSequence) -> UInt64 {
        let page = format.pageSize
        var address: UInt64
        if !units.isEmpty, choices.chance(oneIn: 3) {
            let unit = pickUnit(units, &choices).range
            address = unit.start + (1 + choices.draw(below: format.pages(in: unit.size) - 1)) * page
        } else {
            address = choices.pick(boundaries)
            switch choices.weighted([(4, 0), (1, 1), (1, 2)]) {
            case 1: address &+= page
            case 2: address &-= page
            default: break
            }
        }
        return address < format.top ? address : format.top - page
    }

    /// A range from a landmark address to a later boundary (or a page either side of it), to a
    /// page strictly inside a later unit, a few of the window's granules on, the window's end or
    /// the top; or exactly one unit, half the time from the page before it when that page's frames
    /// run on into it (a batch that meets the unit in the middle of a chain, not at its start).
    /// With `endInside`, always the range to a page strictly inside a later unit.
    public func range(_ choices: inout ChoiceSequence, arena: Arena, endInside: Bool = false) -> AddressRange {
        let page = format.pageSize
        if !units.isEmpty, choices.chance(oneIn: 3), !endInside {
            let unit = pickUnit(units, &choices)
            var range = unit.range
            if choices.chance(oneIn: 2), unit.chained { range.start -= page }
            return range
        }
        let start = address(&choices)
        var end: UInt64
        switch endInside ? 4 : choices.weighted([(4, 0), (2, 1), (1, 2), (1, 3), (2, 4)]) {
        case 0:
            var first = boundaries.partitioningIndex { $0 > start }
            if first == boundaries.count { first -= 1 }
            end = boundaries[first + Int(choices.draw(below: UInt64(min(6, boundaries.count - first))))]
            switch choices.weighted([(4, 0), (1, 1), (1, 2)]) {
            case 1: end &+= page
            case 2: end &-= page
            default: break
            }
        case 1: end = start + UInt64(choices.draw(in: 1...4)) * choices.pick(arena.granules)
        case 2: end = arena.range.end
        case 3: end = format.top
        default:
            let later = units.filter { $0.range.end > start + 2 * page }
            guard !later.isEmpty else { end = start + page; break }
            let unit = pickUnit(later, &choices).range
            let first = max(unit.start, start) + page
            end = first + choices.draw(below: (unit.end - first) / page) * page
        }
        return AddressRange(start: start, end: min(max(end, start + page), format.top))
    }
}

extension Array {
    /// The index of the first element for which `belongs` holds, all before it failing (the array
    /// must be partitioned so).
    func partitioningIndex(where belongs: (Element) -> Bool) -> Int {
        var low = 0, high = count
        while low < high {
            let middle = (low + high) / 2
            if belongs(self[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
