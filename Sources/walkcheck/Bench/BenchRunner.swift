import PageTable
import Oracle
import Implementations

/// One design (or the floor) measured on one workload and view.
struct Measurement {
    var workload: String
    var format: String
    var view: String
    var design: String
    var nanosecondsPerWalk: Double
    var mappedPages: UInt64
    var reads: Int
    var footprint: Int
    var allocationsPerWalk: Double?

    var nanosecondsPerPage: Double { nanosecondsPerWalk / Double(max(1, mappedPages)) }
}

/// Times walks: the median of repeated runs in one process after a warm-up, each run's result
/// checked against the oracle's before it is discarded, so the optimiser cannot delete the work.
struct BenchRunner {
    var repetitions = 11
    var minimumRun: Duration = .milliseconds(5)

    /// The median nanoseconds of one call of `body`, which must return `expected` every time.
    func medianNanoseconds(expected: UInt64, _ body: () -> UInt64) -> Double {
        let clock = ContinuousClock()
        var iterations = 1
        while true {
            let started = clock.now
            for _ in 0..<iterations { check(body(), expected) }
            if clock.now - started >= minimumRun || iterations >= 1 << 20 { break }
            iterations *= 2
        }
        var samples: [Double] = []
        for _ in 0..<repetitions {
            let started = clock.now
            for _ in 0..<iterations { check(body(), expected) }
            let elapsed = clock.now - started
            samples.append((Double(elapsed.components.seconds) * 1e18 + Double(elapsed.components.attoseconds)) / 1e9 / Double(iterations))
        }
        samples.sort()
        return samples[samples.count / 2]
    }

    @inline(never)
    private func check(_ result: UInt64, _ expected: UInt64) {
        precondition(result == expected, "a walk returned \(result), expected \(expected): the benchmark is broken")
    }

    /// The allocations one call of `body` makes, counted by the malloc counter.
    func allocations(_ body: () -> UInt64) -> Double {
        _ = body()
        let before = MallocCount.current
        for _ in 0..<8 { _ = body() }
        return Double(MallocCount.current - before) / 8
    }

    /// Measures the entry-walk designs, the folio-walk designs and the floor on `workload`.
    func measure(_ workload: Workload, designs: [String]) -> [Measurement] {
        let space = workload.space
        let range = workload.range
        let reader = DirectReader(space)
        let footprint = (try? ReferenceWalk.footprintSlots(of: space, range: range)) ?? []
        let offsets = footprint.map { space.tables.descriptor($0.table).storageOffset + $0.index }.sorted()
        let words = space.tables.words
        let wordSum = offsets.reduce(UInt64(0)) { $0 &+ words[$1] }
        let folioPages = ((try? ReferenceWalk.folios(in: space, range: range)) ?? []).reduce(UInt64(0)) { $0 + $1.range.size }
        var results: [Measurement] = []
        func record(_ view: String, _ design: String, _ ns: Double, reads: Int, allocations: Double?) {
            results.append(Measurement(workload: workload.name, format: space.format.name, view: view, design: design,
                                       nanosecondsPerWalk: ns, mappedPages: workload.mappedPages, reads: reads,
                                       footprint: footprint.count, allocationsPerWalk: allocations))
        }
        let floor = { () -> UInt64 in
            var sum: UInt64 = 0
            for offset in offsets { sum &+= words[offset] }
            return sum
        }
        record("words", "floor", medianNanoseconds(expected: wordSum, floor), reads: offsets.count, allocations: allocations(floor))

        func entries<D: EntryWalkDesign>(_ design: D) {
            guard designs.isEmpty || designs.contains(design.name) else { return }
            let walk = { () -> UInt64 in
                var covered: UInt64 = 0
                try! design.walkEntries(reader, range: range, flags: []) { covered &+= $0.range.end &- $0.range.start }
                return covered
            }
            let log = CountingReader<DirectReader>.Log()
            try! design.walkEntries(CountingReader(reader, log: log), range: range, flags: []) { _ in }
            record("entries", design.name, medianNanoseconds(expected: range.size, walk), reads: log.count, allocations: allocations(walk))
        }
        func folios<D: FolioWalkDesign>(_ design: D) {
            guard designs.isEmpty || designs.contains(design.name) else { return }
            let walk = { () -> UInt64 in
                var covered: UInt64 = 0
                try! design.walkFolios(reader, range: range, flags: .batchDefault) { covered &+= $0.range.end &- $0.range.start }
                return covered
            }
            let log = CountingReader<DirectReader>.Log()
            try! design.walkFolios(CountingReader(reader, log: log), range: range, flags: .batchDefault) { _ in }
            record("folios", design.name, medianNanoseconds(expected: folioPages, walk), reads: log.count, allocations: allocations(walk))
        }
        entries(RecursiveWalker())
        entries(FlatIteratorWalker())
        entries(LookupWalker())
        folios(RecursiveWalker())
        folios(FlatIteratorWalker())
        folios(BatchedFolioWalker())
        folios(LookupWalker())
        return results
    }
}
