import PageTable

/// The abstract model: what every virtual page maps, updated by the same operations as the tree
/// but without any tables. The oracle checks the tree against it after every operation.
///
/// It keeps its own ``PhysicalMemory`` and swap-slot counter, which allocate exactly as the tree's do
/// when the two agree on what an operation touches.
public struct AbstractModel: Hashable, Sendable {
    /// The format whose geometry decides the shapes pages are mapped with.
    public let format: Format
    /// The page map.
    public internal(set) var pages = PageMap()
    /// The model's own frames and folios.
    public internal(set) var memory = PhysicalMemory()
    /// The next swap slot swap-out hands out.
    public internal(set) var nextSwapSlot: UInt64 = 1
    /// The VMAs, kept by the same code as the tree's.
    public package(set) var vmas: VMAMap?

    /// Creates a model of an empty address space.
    public init(format: Format) { self.format = format }

    /// A unit of the model: the pages one entry or one block maps, and its first page's record.
    struct Unit {
        var pages: Range<UInt64>
        var record: PageRecord
        var isLarge: Bool { record.contiguous || record.inHugepd || record.level != .pte }
    }

    /// The page count of the unit a page with `record` belongs to.
    func unitPages(_ record: PageRecord) -> UInt64 {
        if record.inHugepd { return format.hugepdPages(at: record.level) }
        let geometry = format.geometry(record.level)
        return format.pages(at: record.level) * UInt64(record.contiguous ? geometry.contiguousEntries : 1)
    }

    /// The unit holding `page`, or nil when nothing maps it.
    func unit(at page: UInt64) -> Unit? {
        guard let record = pages.record(at: page) else { return nil }
        let size = unitPages(record)
        let start = page / size * size
        guard let first = pages.record(at: start) else {
            preconditionFailure("model unit at page \(start) has an unmapped first page")
        }
        return Unit(pages: start..<start + size, record: first)
    }

    /// The units that map pages in `range`, in order; the first and last may stick out of it.
    func units(in range: Range<UInt64>) -> [Unit] {
        var found: [Unit] = []
        var page = range.lowerBound
        while page < range.upperBound {
            if let unit = unit(at: page) {
                found.append(unit)
                page = unit.pages.upperBound
            } else {
                page = min(pages.firstMappedPage(atOrAfter: page) ?? range.upperBound, range.upperBound)
            }
        }
        return found
    }

    /// Splits a unit one step, as the tree does.
    mutating func split(_ unit: Unit) {
        if unit.record.contiguous {
            pages.update(unit.pages) { var record = $0; record.contiguous = false; return record }
        } else if unit.record.inHugepd {
            convertHugepd(level: unit.record.level, holding: unit.pages.lowerBound)
        } else {
            let lower = format.realLevel(below: unit.record.level)!
            let content = AddressSpace.splitContent(unit.record.content, memory: memory)
            if content != unit.record.content {
                pages.assign(unit.pages, PageRecord(content: content, level: lower))
            } else {
                pages.update(unit.pages) { var record = $0; record.level = lower; return record }
            }
        }
    }

    /// Maps every hugepd page of the directory at `level` holding `page` as PTEs.
    mutating func convertHugepd(level: Level, holding page: UInt64) {
        let size = format.pages(at: level)
        let start = page / size * size
        pages.update(start..<start + size) { record in
            guard record.inHugepd, record.level == level else { return record }
            var converted = record
            converted.level = .pte
            converted.inHugepd = false
            return converted
        }
    }

    /// Splits units until `page` starts one.
    mutating func ensureBoundary(_ page: UInt64) {
        guard page > 0, page < format.pages(in: format.top) else { return }
        while let unit = unit(at: page), unit.pages.lowerBound != page { split(unit) }
    }

    /// Splits the selected large units in `range` until they are plain PTEs.
    mutating func flatten(_ range: Range<UInt64>, where select: (Unit) -> Bool) {
        var page = range.lowerBound
        while page < range.upperBound {
            guard let unit = unit(at: page) else {
                page = min(pages.firstMappedPage(atOrAfter: page) ?? range.upperBound, range.upperBound)
                continue
            }
            if unit.isLarge, select(unit) {
                split(unit)
            } else {
                page = unit.pages.upperBound
            }
        }
    }

    /// The span of pages one entry at `level` holding `page` covers.
    func span(of level: Level, holding page: UInt64) -> Range<UInt64> {
        let size = format.pages(at: level)
        return page / size * size..<page / size * size + size
    }

    /// Whether a hugepd table at `level` may hold `page` (the tree's rule, stated on pages).
    func canHostHugepd(at page: UInt64, level target: Level) -> Bool {
        for run in pages.runs(in: span(of: target, holding: page)) {
            if !(run.record.inHugepd && run.record.level == target) { return false }
        }
        for geometry in format.levels where geometry.hugepdPageShift != nil && geometry.level < target {
            if hasHugepdPages(at: geometry.level, holding: page) { return false }
        }
        return true
    }

    private func hasHugepdPages(at level: Level, holding page: UInt64) -> Bool {
        pages.runs(in: span(of: level, holding: page)).contains { $0.record.inHugepd && $0.record.level == level }
    }

    /// Installs `count` pages of `content` from `page` with the greedy placement rule.
    ///
    /// Consecutive placements of the same shape are assigned as one run; with hugepd allowed each
    /// placement is assigned at once, because the next one's hosting test reads the map.
    mutating func place(_ content: PageContent, at page: UInt64, count: UInt64, maxLevel: Level,
                        contiguous: Bool, hugepd: HugepdUse) {
        var page = page, remaining = count, content = content
        var pending: PageRun?
        let candidates = format.placementCandidates(maxLevel: maxLevel, contiguous: contiguous, hugepd: hugepd)
        while remaining > 0 {
            let here = page
            let placement = format.placement(among: candidates, at: format.address(ofPage: here), pages: remaining, content: content,
                                             memory: memory, canHostHugepd: { canHostHugepd(at: here, level: $0) })
            let placed = format.pages(of: placement)
            let record: PageRecord
            switch placement {
            case .leaf(let level, let entries):
                for geometry in format.levels where geometry.hugepdPageShift != nil && geometry.level < level {
                    if hasHugepdPages(at: geometry.level, holding: page) { convertHugepd(level: geometry.level, holding: page) }
                }
                record = PageRecord(content: content, level: level, contiguous: entries > 1)
            case .hugepd(let level):
                record = PageRecord(content: content, level: level, inHugepd: true)
            }
            if let run = pending, run.end == page, run.record.advanced(by: run.count) == record, hugepd == .never {
                pending?.count += placed
            } else {
                if let run = pending { pages.assign(run.start..<run.end, run.record) }
                pending = PageRun(start: page, count: placed, record: record)
                if hugepd != .never { pages.assign(page..<page + placed, record); pending = nil }
            }
            page += placed
            remaining -= placed
            content = content.advanced(by: placed)
        }
        if let run = pending { pages.assign(run.start..<run.end, run.record) }
    }
}
