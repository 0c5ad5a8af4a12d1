import PageTable
import Oracle

/// What a campaign reached on one format, counted in cells: the generator's coverage target.
///
/// Cells, each a name:
/// - `entry LEVEL [hugepd] [contiguous] KIND`: a terminal slot of that kind in a checked tree
///   (``EntryCensus``), e.g. `entry pmd migration-write`, `entry pte contiguous leaf`;
/// - `attribute LEVEL [hugepd] [no-]ATTR`: a present leaf of an ordinary folio with or without
///   writable, young, dirty, soft-dirty, uffd-wp or exec; `swap-flag LEVEL FLAG`: a non-present
///   entry carrying exclusive, soft-dirty, uffd-wp, young or dirty;
/// - `walk start-at|start-inside|end-inside UNIT`, `lookup inside UNIT`: a walk range starting at or
///   strictly inside, or ending strictly inside, a unit larger than a page (``Landmarks/Unit``: `pmd
///   leaf`, `pte block`, `pte mixed-block`, `pmd hugepd`, `pmd non-present`), and a lookup strictly
///   inside one; `folios chain-into UNIT`: a folio walk that covers a present unit and enters it
///   from the page before, whose frame is the one before the unit's first (folios allocated and
///   mapped one after another: a batch meets the unit in the middle of a chain of frames);
/// - `folios across ATTR [merge]`: a folio walk that ignores ATTR (young, dirty, soft-dirty,
///   writable) over a step (``Landmarks/Unit/Shape/step``: two neighbouring PTEs of one folio that
///   differ in ATTR, perhaps with other step bits), with and without `merge`: a batch runs
///   across, keeping its first entry's attributes or ORing them; `folios cut ATTR`: a folio walk
///   that compares ATTR (any of those, uffd-wp, exec) over a step in it: the batch must end there;
/// - `query entries|folios|lookup FLAG` for every flag a query set, and `query VIEW -` for none;
/// - `refused walk empty|reversed|unaligned-start|unaligned-end|past-top`, `refused lookup past-top`:
///   the typed errors every design must return;
/// - `address lookup-unaligned`, `address walk-to-top`, `address walk-across LEVEL-table` (a walk
///   range spanning two tables of that level): how addresses sit;
/// - in trees with VMAs: `vma hole gap` and `vma hole pfnmap` (an entry walk that must report a
///   depth -1 hole for a gap or a `VM_PFNMAP` VMA), `vma lookup outside` (a lookup in no VMA),
///   `vma run-cut` (a folio walk across a VMA boundary with one folio's consecutive pages on both
///   sides: a run the walk must cut), `vma block-across` (a contiguous block across a VMA boundary),
///   `vma hugetlb page` (an entry walk, per huge page, over a mapped huge page of a hugetlb VMA).
///
/// Trees and units are counted at every step a case is checked at (before its first operation and
/// after each), not only its last.
public struct CoverageCensus: Sendable {
    private enum Relation: String, Hashable, Sendable {
        case startAt = "walk start-at", startInside = "walk start-inside", endInside = "walk end-inside", lookupInside = "lookup inside"
        case chainInto = "folios chain-into"
    }

    private enum Cell: Hashable, Sendable {
        case entry(EntryCensus)
        case attribute(Level, inHugepd: Bool, name: String, set: Bool)
        case swapFlag(Level, inHugepd: Bool, name: String)
        case unit(Relation, Level, Landmarks.Unit.Shape)
        case named(String)

        var name: String {
            switch self {
            case .entry(let entry): "entry \(entry)"
            case .attribute(let level, let inHugepd, let name, let set): "attribute \(level)\(inHugepd ? " hugepd" : "") \(set ? "" : "no-")\(name)"
            case .swapFlag(let level, let inHugepd, let name): "swap-flag \(level)\(inHugepd ? " hugepd" : "") \(name)"
            case .unit(let relation, let level, let shape): "\(relation.rawValue) \(level) \(shape.rawValue)"
            case .named(let name): name
            }
        }
    }

    private var cells: [Cell: Int] = [:]

    /// How often each cell was reached, by name.
    public var counts: [String: Int] {
        var counts: [String: Int] = [:]
        for (cell, count) in cells { counts[cell.name, default: 0] += count }
        return counts
    }

    /// An empty census.
    public init() {}

    /// The attributes a step's entries may differ in, by census name (``Landmarks/Unit/steppable``).
    private static let steps: [(LeafAttributes, String)] = [(.young, "young"), (.dirty, "dirty"), (.softDirty, "soft-dirty"),
                                                            (.writable, "writable"), (.uffdWP, "uffd-wp"), (.executable, "exec")]

    /// The leaf attributes counted clear as well as set (a leaf starts writable and young).
    private static let countedClear: LeafAttributes = [.writable, .young]

    /// The leaf attributes counted.
    private static let attributes: [(LeafAttributes, String)] = LeafAttributes.named.filter {
        [.writable, .young, .dirty, .softDirty, .uffdWP, .executable].contains($0.0)
    }

    /// Counts the cells of `testCase`: its queries against the tree before its first operation and
    /// after each one, as a campaign checks them.
    public mutating func record(_ testCase: TestCase) {
        var space = AddressSpace(format: testCase.format)
        var trees: [[Landmarks.Unit]] = []
        var vmaTrees: [AddressSpace] = []
        trees.append(recordTree(space, runs: ModelComparison.treeRuns(space)))
        for operation in testCase.operations {
            guard (try? space.apply(operation)) != nil else { break }
            trees.append(recordTree(space, runs: ModelComparison.treeRuns(space)))
            if space.vmas != nil { vmaTrees.append(space) }
        }
        record(testCase.queries, format: testCase.format, units: trees, vmaTrees: vmaTrees)
    }

    /// Counts the cells of `queries`, checked against trees whose units (one list per tree) are
    /// `units`, each tree already counted with ``recordTree(_:runs:)``, and against `vmaTrees`, the
    /// trees among them that have VMAs.
    mutating func record(_ queries: [WalkQuery], format: Format, units: [[Landmarks.Unit]], vmaTrees: [AddressSpace] = []) {
        for query in queries { recordQuery(query, format: format) }
        for treeUnits in units where !treeUnits.isEmpty { recordUnits(treeUnits, queries: queries, format: format) }
        for space in vmaTrees { recordVMAQueries(queries, in: space) }
    }

    /// Counts how `queries` meet the VMAs of `space`.
    private mutating func recordVMAQueries(_ queries: [WalkQuery], in space: AddressSpace) {
        guard let vmas = space.vmas else { return }
        let page = space.format.pageSize
        for query in queries {
            switch query {
            case .entries(let range, let flags):
                guard (try? range.validated(for: space.format)) != nil, !flags.contains(.skipNone) else { continue }
                vmas.forEachPiece(in: range) { piece, vma in
                    if vma == nil { count(.named("vma hole gap")) } else if vma!.flags.contains(.pfnmap) { count(.named("vma hole pfnmap")) }
                    // A huge page of a hugetlb VMA walked per huge page (at most 64 looked at).
                    if let shape = vma?.hugetlb, !flags.contains(.unifiedHugetlb) {
                        var page = Format.alignDown(piece.start, shape.size)
                        for _ in 0..<64 where page < piece.end {
                            if space.unit(containing: page) != nil { count(.named("vma hugetlb page")); break }
                            page += shape.size
                        }
                    }
                }
            case .folios(let range, _):
                guard (try? range.validated(for: space.format)) != nil else { continue }
                for vma in vmas.vmas where range.start < vma.range.start && vma.range.start < range.end {
                    let before = ReferenceWalk.lookupPage(space, vma.range.start - page), after = ReferenceWalk.lookupPage(space, vma.range.start)
                    if let before, let after, before.folio == after.folio, before.pfn + 1 == after.pfn { count(.named("vma run-cut")) }
                }
            case .lookup(let address, _):
                if address < space.format.top, vmas.vma(containing: address) == nil { count(.named("vma lookup outside")) }
            }
        }
    }

    private mutating func count(_ cell: Cell, _ times: Int = 1) { cells[cell, default: 0] += times }

    /// Counts `slots` terminal slots like `record` (an ``EntryCensus`` `entry`).
    private mutating func count(_ record: PageRecord, _ entry: EntryCensus, slots: Int) {
        if case .marker(let bits) = entry.kind {
            // A marker with several bits counts under each.
            for (bit, _) in MarkerBits.named where bits.contains(bit) {
                var single = entry
                single.kind = .marker(bit)
                count(.entry(single), slots)
            }
        } else {
            count(.entry(entry), slots)
        }
        switch record.content {
        case .present(_, let attributes) where entry.kind == .leaf:
            for (attribute, name) in Self.attributes where attributes.contains(attribute) || Self.countedClear.contains(attribute) {
                count(.attribute(record.level, inHugepd: record.inHugepd, name: name, set: attributes.contains(attribute)), slots)
            }
        case .nonPresent(let swap):
            for (flag, name) in SwapFlags.named where swap.flags.contains(flag) {
                count(.swapFlag(record.level, inHugepd: record.inHugepd, name: name), slots)
            }
        default: break
        }
    }

    /// Whether two contents of the same census entry fall in the same attribute or flag cells.
    private static func sameCells(_ one: PageContent, _ other: PageContent) -> Bool {
        switch (one, other) {
        case (.present(_, let a), .present(_, let b)): a == b
        case (.nonPresent(let a), .nonPresent(let b)): a.flags == b.flags
        default: false
        }
    }

    /// Counts the entry cells of one tree, whose terminal slots are `runs`, and returns its units.
    @discardableResult
    mutating func recordTree(_ space: AddressSpace, runs: [PageRun], units known: [Landmarks.Unit]? = nil) -> [Landmarks.Unit] {
        // Neighbouring slots mostly fall in the same cells: counted together, hashed once.
        var pending: (record: PageRecord, entry: EntryCensus, slots: Int)?
        let memory = space.memory
        for run in runs {
            let entry = EntryCensus(run.record, memory: memory)
            if let last = pending, last.entry == entry, Self.sameCells(last.record.content, run.record.content) {
                pending!.slots += 1
                continue
            }
            if let last = pending { count(last.record, last.entry, slots: last.slots) }
            pending = (run.record, entry, 1)
        }
        if let last = pending { count(last.record, last.entry, slots: last.slots) }
        if let vmas = space.vmas {
            for vma in vmas.vmas where vma.range.start > 0 {
                if let unit = space.unit(containing: vma.range.start), unit.contiguous, unit.span.start < vma.range.start {
                    count(.named("vma block-across"))
                }
            }
        }
        return known ?? Landmarks.units(of: space, runs: runs)
    }

    /// Counts how `queries` meet the units of one tree.
    private mutating func recordUnits(_ units: [Landmarks.Unit], queries: [WalkQuery], format: Format) {
        let page = format.pageSize
        for query in queries {
            switch query {
            case .entries(let range, _), .folios(let range, _):
                guard (try? range.validated(for: format)) != nil else { continue }
                for unit in units where unit.shape == .step {
                    // A folio walk over the step: its batch runs across what it ignores, and ends at what it compares.
                    guard case .folios(_, let flags) = query, range.start <= unit.range.start, unit.range.end <= range.end else { continue }
                    for (attribute, name) in Self.steps where unit.differing.contains(attribute) {
                        if flags.ignoredAttributes.contains(attribute) {
                            count(.named("folios across \(name)\(flags.contains(.mergeIgnored) ? " merge" : "")"))
                        } else {
                            count(.named("folios cut \(name)"))
                        }
                    }
                }
                for unit in units where unit.shape != .step {
                    if unit.range.start == range.start { count(.unit(.startAt, unit.level, unit.shape)) }
                    if unit.range.start < range.start && range.start < unit.range.end { count(.unit(.startInside, unit.level, unit.shape)) }
                    if unit.range.start < range.end && range.end < unit.range.end { count(.unit(.endInside, unit.level, unit.shape)) }
                    if case .folios = query, unit.chained && range.start < unit.range.start && unit.range.end <= range.end {
                        count(.unit(.chainInto, unit.level, unit.shape))
                    }
                }
            case .lookup(let address, _):
                for unit in units where unit.shape != .step && unit.range.contains(address) && Format.alignDown(address, page) > unit.range.start {
                    count(.unit(.lookupInside, unit.level, unit.shape))
                }
            }
        }
    }

    /// The cells of a query that do not depend on the tree: its flags, refusal and addresses.
    private mutating func recordQuery(_ query: WalkQuery, format: Format) {
        switch query {
        case .entries(let range, let flags):
            recordFlags("entries", flags)
            recordRange(range, format: format)
        case .folios(let range, let flags):
            recordFlags("folios", flags)
            recordRange(range, format: format)
        case .lookup(let address, let flags):
            recordFlags("lookup", flags)
            if address >= format.top { count(.named("refused lookup past-top")) }
            else if !format.isPageAligned(address) { count(.named("address lookup-unaligned")) }
        }
    }

    private mutating func recordFlags<Flags: NamedOptions>(_ view: String, _ flags: Flags) {
        if flags.isEmpty { count(.named("query \(view) -")) }
        for (flag, name) in Flags.named where flags.contains(flag) { count(.named("query \(view) \(name)")) }
    }

    private mutating func recordRange(_ range: AddressRange, format: Format) {
        do { _ = try range.validated(for: format) } catch {
            let refusal: String
            switch error {
            case .unalignedAddress(_, _, let role): refusal = role == "range start" ? "unaligned-start" : "unaligned-end"
            case .emptyRange: refusal = range.start > range.end ? "reversed" : "empty"
            default: refusal = "past-top"
            }
            count(.named("refused walk \(refusal)"))
            return
        }
        if range.end == format.top { count(.named("address walk-to-top")) }
        for geometry in format.levels where !geometry.isFolded && geometry.level != format.rootLevel {
            let table = geometry.entrySize * UInt64(geometry.entryCount)
            if Format.alignDown(range.start, table) != Format.alignDown(range.end - 1, table) {
                count(.named("address walk-across \(geometry.level)-table"))
            }
        }
    }

    /// Adds `other`'s counts to this census.
    public mutating func merge(_ other: CoverageCensus) { cells.merge(other.cells, uniquingKeysWith: +) }

    /// The cells of ``reachable(on:)`` this census has not reached.
    public func missing(on format: Format) -> [String] {
        let counts = counts
        return Self.reachable(on: format).filter { counts[$0, default: 0] == 0 }
    }

    /// The census of the first `cases` cases a campaign seeded with `seed` draws on `format`
    /// (``CaseStream``), without running any design.
    public static func generated(on format: Format, cases: Int, seed: UInt64, maxOperations: Int = 12) -> CoverageCensus {
        var stream = CaseStream(generator: CaseGenerator(format: format, maxOperations: maxOperations), seed: seed)
        for index in 0..<cases { _ = stream.next(index: index) }
        return stream.census
    }

    /// The cells a campaign on `format` can reach, from what the format has and what the model's
    /// operations make (SEMANTICS.md, "Operations"), not from what a run happened to reach.
    ///
    /// - Present leaves at every leaf level; contiguous leaves where the level has blocks; hugepd
    ///   leaves at hugepd levels. The zero page at PTEs, the huge zero page at PMDs that hold leaves.
    ///   Special pages at PTEs and at the next leaf level up (a special map is at most a PMD span
    ///   long). PROT_NONE at every leaf and hugepd level, never in a block (a block never holds PROT_NONE).
    /// - Swap entries, hwpoison, device-exclusive entries and markers at PTEs only; migration entries
    ///   at PTEs, PMDs that hold leaves and hugepd levels; device-private entries at PTEs and
    ///   leaf-holding PMDs.
    /// - Attributes: writable, young, dirty and exec set and clear at every leaf and hugepd level;
    ///   soft-dirty set where the format has it; uffd-wp set at PTE and PMD leaves where the format
    ///   has it (mprotect keeps it on a PUD leaf, but uffd-wp splits one first: there is no
    ///   `pud_mkuffd_wp()`).
    /// - Swap flags: exclusive at PTEs; soft-dirty and uffd-wp where the format has them, at PTEs
    ///   and at PMDs that hold leaves; young and dirty of migration entries at PTEs and leaf PMDs.
    /// - Units: directory leaves, blocks (uniform and mixed) at levels with blocks, hugepd pages,
    ///   and PMD non-present entries; each started at, started inside, ended inside and looked up
    ///   inside; each present one entered by a folio walk from a chain of frames.
    /// - Folio walks across a step in young, dirty and writable, and in soft-dirty where the format
    ///   has it, with and without `merge` (an access, a write, an mprotect or a soft-dirty clear of
    ///   one page of a folio mapped by PTEs); folio walks cut at a step in each of those, in exec,
    ///   and in uffd-wp where the format has it.
    /// - Every query flag and refusal, an unaligned lookup, a walk to the top, and a walk across two
    ///   tables of every level below the root.
    /// - With VMAs: both depth -1 holes, a lookup outside every VMA, a run cut at a VMA boundary,
    ///   and where the format has blocks, a block across a VMA boundary (blocks never split for VMAs).
    public static func reachable(on format: Format) -> [String] {
        var cells: [String] = []
        let leafLevels = format.leafLevels
        let hugepdLevels = format.levels.filter { $0.hugepdPageShift != nil }.map(\.level)
        let blockLevels = format.levels.filter { $0.contiguousEntries > 1 && !$0.isFolded }.map(\.level)
        let pmdLeaf = leafLevels.contains(.pmd)
        let pmdSlots: [String] = (pmdLeaf ? ["pmd"] : []) + hugepdLevels.map { "\($0) hugepd" }
        for level in leafLevels {
            cells += ["entry \(level) leaf", "entry \(level) protnone"]
        }
        for level in blockLevels { cells.append("entry \(level) contiguous leaf") }
        for level in hugepdLevels { cells += ["entry \(level) hugepd leaf", "entry \(level) hugepd protnone"] }
        cells.append("entry pte zero-page")
        if pmdLeaf { cells.append("entry pmd zero-page") }
        // A special map is at most 16 pages or a PMD span long.
        let specialPages = max(16, format.pages(at: .pmd))
        for level in leafLevels where format.pages(at: level) <= specialPages { cells.append("entry \(level) special") }
        for level in hugepdLevels where format.hugepdPages(at: level) <= specialPages { cells.append("entry \(level) hugepd special") }
        cells += ["entry pte swap", "entry pte hwpoison", "entry pte device-exclusive",
                  "entry pte marker uffd-wp", "entry pte marker poisoned", "entry pte marker guard"]
        for slot in ["pte"] + pmdSlots { cells.append("entry \(slot) migration") }
        for slot in ["pte"] + (pmdLeaf ? ["pmd"] : []) { cells.append("entry \(slot) device-private") }

        for slot in leafLevels.map(\.name) + hugepdLevels.map({ "\($0) hugepd" }) {
            cells += ["writable", "no-writable", "young", "no-young", "dirty", "exec"].map { "attribute \(slot) \($0)" }
            if format.supportsSoftDirty { cells.append("attribute \(slot) soft-dirty") }
            if format.supportsUffdWP { cells.append("attribute \(slot) uffd-wp") }
        }
        let swapFlags = format.storableSwapFlags
        for (slot, flags) in [("pte", swapFlags), ("pmd", pmdLeaf ? swapFlags.subtracting(.exclusive) : [])]
            + hugepdLevels.map({ ("\($0) hugepd", swapFlags.intersection(.softDirty)) }) {
            for (flag, name) in SwapFlags.named where flags.contains(flag) { cells.append("swap-flag \(slot) \(name)") }
        }

        var units = leafLevels.filter { $0 != .pte }.map { "\($0) leaf" }
        for level in blockLevels { units += ["\(level) block", "\(level) mixed-block"] }
        units += hugepdLevels.map { "\($0) hugepd" }
        if pmdLeaf { units.append("pmd non-present") }
        for unit in units {
            cells += ["walk start-at \(unit)", "walk start-inside \(unit)", "walk end-inside \(unit)", "lookup inside \(unit)"]
            // A chain of frames runs through present units only.
            if !unit.hasSuffix("non-present") { cells.append("folios chain-into \(unit)") }
        }

        for (attribute, name) in steps where attribute != .softDirty || format.supportsSoftDirty {
            if attribute == .uffdWP && !format.supportsUffdWP { continue }
            if FolioWalkFlags.batchDefault.ignoredAttributes.contains(attribute) { cells += ["folios across \(name)", "folios across \(name) merge"] }
            cells.append("folios cut \(name)")
        }

        cells += ["query entries -"] + EntryWalkFlags.named.map { "query entries \($0.1)" }
        cells += ["query folios -"] + FolioWalkFlags.named.map { "query folios \($0.1)" }
        cells += ["query lookup -"] + LookupFlags.named.map { "query lookup \($0.1)" }
        cells += ["empty", "reversed", "unaligned-start", "unaligned-end", "past-top"].map { "refused walk \($0)" }
        cells += ["refused lookup past-top", "address lookup-unaligned", "address walk-to-top"]
        for geometry in format.levels where !geometry.isFolded && geometry.level != format.rootLevel {
            cells.append("address walk-across \(geometry.level)-table")
        }
        cells += ["vma hole gap", "vma hole pfnmap", "vma lookup outside", "vma run-cut"]
        if !format.hugetlbShapes.isEmpty { cells.append("vma hugetlb page") }
        if !blockLevels.isEmpty { cells.append("vma block-across") }
        return cells
    }
}
