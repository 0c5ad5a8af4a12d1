import PageTable
import Oracle
import Implementations
import FloorLoop

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
    /// The median of this design's time over the floor's, timed in alternation; nil for the floor.
    var floorRatio: Double?

    var nanosecondsPerPage: Double { nanosecondsPerWalk / Double(max(1, mappedPages)) }
}

/// Times walks: the median of repeated runs in one process after a warm-up, each run's result
/// checked against the oracle's before it is discarded, so the optimiser cannot delete the work.
struct BenchRunner {
    var repetitions = 11
    var minimumRun: Duration = .milliseconds(5)

    /// The median nanoseconds of one call of `body`, which must return `expected` every time.
    func medianNanoseconds(expected: UInt64, _ body: () -> UInt64) -> Double {
        let iterations = calibratedIterations(expected: expected, body)
        let samples = (0..<repetitions).map { _ in nanoseconds(iterations, expected: expected, body) }
        return median(samples)
    }

    /// The median nanoseconds of one call of `body`, and the median of the ratios to `floor`, each
    /// repetition timing `floor` and then `body`: both see the machine in the same state, which on a
    /// shared machine moves by up to 2× between moments (the floor measured once, earlier, does not).
    func pairedMedians(expected: UInt64, _ body: () -> UInt64, floorExpected: UInt64, floorIterations: Int,
                       floor: () -> UInt64) -> (nanoseconds: Double, floorRatio: Double) {
        let iterations = calibratedIterations(expected: expected, body)
        var samples: [Double] = []
        var ratios: [Double] = []
        for _ in 0..<repetitions {
            let floorSample = nanoseconds(floorIterations, expected: floorExpected, floor)
            let sample = nanoseconds(iterations, expected: expected, body)
            samples.append(sample)
            ratios.append(sample / floorSample)
        }
        return (median(samples), median(ratios))
    }

    /// How many calls of `body` make a timed run of at least `minimumRun` (after that many warm-up calls).
    func calibratedIterations(expected: UInt64, _ body: () -> UInt64) -> Int {
        let minimum = Double(minimumRun.components.seconds) * 1e9 + Double(minimumRun.components.attoseconds) / 1e9
        var iterations = 1
        while nanoseconds(iterations, expected: expected, body) * Double(iterations) < minimum && iterations < 1 << 20 {
            iterations *= 2
        }
        return iterations
    }

    /// Nanoseconds per call over `iterations` calls of `body`.
    private func nanoseconds(_ iterations: Int, expected: UInt64, _ body: () -> UInt64) -> Double {
        let elapsed = ContinuousClock().measure { for _ in 0..<iterations { check(body(), expected) } }
        return (Double(elapsed.components.seconds) * 1e18 + Double(elapsed.components.attoseconds)) / 1e9 / Double(iterations)
    }

    private func median(_ samples: [Double]) -> Double {
        samples.sorted()[samples.count / 2]
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
        func record(_ view: String, _ design: String, _ ns: Double, reads: Int, allocations: Double?, floorRatio: Double? = nil) {
            results.append(Measurement(workload: workload.name, format: space.format.name, view: view, design: design,
                                       nanosecondsPerWalk: ns, mappedPages: workload.mappedPages, reads: reads,
                                       footprint: footprint.count, allocationsPerWalk: allocations, floorRatio: floorRatio))
        }
        let floor = { () -> UInt64 in
            words.withUnsafeBufferPointer { words in
                offsets.withUnsafeBufferPointer { offsets in
                    walkcheck_floor_sum(words.baseAddress, offsets.baseAddress, offsets.count)
                }
            }
        }
        record("words", "floor", medianNanoseconds(expected: wordSum, floor), reads: offsets.count, allocations: allocations(floor))
        // Calibrated once: every design's paired runs time the floor this many calls at a time.
        let floorIterations = calibratedIterations(expected: wordSum, floor)

        func entries<D: EntryWalkDesign>(_ design: D) {
            guard designs.isEmpty || designs.contains(design.name) else { return }
            let walk = { () -> UInt64 in
                var covered: UInt64 = 0
                try! design.walkEntries(reader, range: range, flags: []) { covered &+= $0.range.end &- $0.range.start }
                return covered
            }
            let log = CountingReader<DirectReader>.Log()
            try! design.walkEntries(CountingReader(reader, log: log), range: range, flags: []) { _ in }
            let timed = pairedMedians(expected: range.size, walk, floorExpected: wordSum, floorIterations: floorIterations, floor: floor)
            record("entries", design.name, timed.nanoseconds, reads: log.count, allocations: allocations(walk), floorRatio: timed.floorRatio)
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
            let timed = pairedMedians(expected: folioPages, walk, floorExpected: wordSum, floorIterations: floorIterations, floor: floor)
            record("folios", design.name, timed.nanoseconds, reads: log.count, allocations: allocations(walk), floorRatio: timed.floorRatio)
        }
        entries(RecursiveWalker())
        entries(FlatIteratorWalker())
        entries(LookupWalker())
        folios(RecursiveWalker())
        folios(FlatIteratorWalker())
        folios(BatchedFolioWalker())
        folios(LookupWalker())
        // A package's own designs, timed through their protocol witnesses (specialised for the
        // direct reader only if their module makes the walk `@inlinable` or specialises it).
        for design in DesignCatalog.outside.entryWalkers { entries(design) }
        for design in DesignCatalog.outside.folioWalkers { folios(design) }
        return results
    }
}
