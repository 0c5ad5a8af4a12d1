import PageTable

/// A flat map from virtual page number to ``PageRecord``: the abstract model's memory.
///
/// Stored as sorted, non-overlapping runs whose records advance page by page, so that a 1 GiB
/// leaf costs one run, yet every query and update is defined page by page. Unmapped pages have
/// no record. A run never crosses a folio boundary: runs are only created from one source.
public struct PageMap: Hashable, Sendable {
    /// The runs, sorted by start, never overlapping.
    public private(set) var runs: [PageRun] = []

    /// Creates an empty map.
    public init() {}

    /// The index of the first run that ends after `page`.
    private func firstIndex(endingAfter page: UInt64) -> Int {
        var low = 0, high = runs.count
        while low < high {
            let mid = (low + high) / 2
            if runs[mid].end <= page { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// The record of `page`, or nil when nothing maps it.
    public func record(at page: UInt64) -> PageRecord? {
        let index = firstIndex(endingAfter: page)
        guard index < runs.count, runs[index].start <= page else { return nil }
        return runs[index].record.advanced(by: page - runs[index].start)
    }

    /// The runs overlapping `pages`, clipped to it.
    public func runs(in pages: Range<UInt64>) -> [PageRun] {
        var result: [PageRun] = []
        var index = firstIndex(endingAfter: pages.lowerBound)
        while index < runs.count, runs[index].start < pages.upperBound {
            let run = runs[index]
            let lower = max(run.start, pages.lowerBound), upper = min(run.end, pages.upperBound)
            result.append(PageRun(start: lower, count: upper - lower, record: run.record.advanced(by: lower - run.start)))
            index += 1
        }
        return result
    }

    /// The first mapped page at or after `page`, or nil.
    public func firstMappedPage(atOrAfter page: UInt64) -> UInt64? {
        let index = firstIndex(endingAfter: page)
        return index < runs.count ? max(runs[index].start, page) : nil
    }

    /// Splits the run holding `page` so that a run starts there.
    private mutating func cut(at page: UInt64) {
        let index = firstIndex(endingAfter: page)
        guard index < runs.count, runs[index].start < page else { return }
        let run = runs[index]
        let left = page - run.start
        runs[index].count = left
        runs.insert(PageRun(start: page, count: run.count - left, record: run.record.advanced(by: left)), at: index + 1)
    }

    /// Replaces whatever maps `pages` with `newRuns`, which must lie inside `pages`, sorted.
    public mutating func replace(_ pages: Range<UInt64>, with newRuns: [PageRun]) {
        guard !pages.isEmpty else { return }
        cut(at: pages.lowerBound)
        cut(at: pages.upperBound)
        let lower = firstIndex(endingAfter: pages.lowerBound)
        var upper = lower
        while upper < runs.count, runs[upper].start < pages.upperBound { upper += 1 }
        runs.replaceSubrange(lower..<upper, with: newRuns.filter { $0.count > 0 })
    }

    /// Maps every page of `pages` with records advancing from `record`.
    public mutating func assign(_ pages: Range<UInt64>, _ record: PageRecord) {
        replace(pages, with: [PageRun(start: pages.lowerBound, count: UInt64(pages.count), record: record)])
    }

    /// Unmaps every page of `pages`.
    public mutating func remove(_ pages: Range<UInt64>) { replace(pages, with: []) }

    /// Rewrites each mapped run inside `pages` with `change`, which returns nil to unmap it.
    ///
    /// `change` sees the run's first record and must change every page of it alike.
    public mutating func update(_ pages: Range<UInt64>, _ change: (PageRecord) -> PageRecord?) {
        let changed = runs(in: pages).compactMap { run -> PageRun? in
            change(run.record).map { PageRun(start: run.start, count: run.count, record: $0) }
        }
        replace(pages, with: changed)
    }
}
