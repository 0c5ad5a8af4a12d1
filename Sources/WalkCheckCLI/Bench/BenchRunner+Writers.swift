import PageTable
import Oracle
import Implementations

extension BenchRunner {
    /// The workloads the writers are timed on: 4 KiB pages, 64 KiB folios (contiguous blocks where
    /// the format has them) and 2 MiB THPs, PMD-mapped and PTE-mapped.
    static let writerWorkloads: Set<String> = ["dense-4k", "64k-folios", "64k-folios-cont", "thp-pmd", "thp-pte"]

    /// Times each writer design on zap, mprotect (read-only) and fork of the whole workload, against
    /// the writers' floor: the tree's words copied (every write starts from a copy of the space) and
    /// every terminal word the range holds read and written once (for fork, written to a second array).
    func measureWriters(_ workload: Workload, designs: [String]) -> [Measurement] {
        let space = workload.space
        let range = workload.range
        let footprint = (try? ReferenceWalk.footprintSlots(of: space, range: range)) ?? []
        let offsets = footprint.map { space.tables.descriptor($0.table).storageOffset + $0.index }.sorted()
        let words = space.tables.words
        var results: [Measurement] = []
        func floor(copying: Bool) -> () -> UInt64 {
            { () -> UInt64 in
                var written = words
                var child = copying ? [UInt64](repeating: 0, count: words.count) : []
                var sum: UInt64 = 0
                for offset in offsets {
                    sum &+= written[offset]
                    if copying { child[offset] = written[offset] & ~2 } else { written[offset] = 0 }
                }
                return sum &+ UInt64(written.count + child.count)
            }
        }
        for (view, operation) in [("zap", WriterOperation.zap(range, dropMarkers: true)), ("mprotect", .changeProtection(range, .readOnly)),
                                  ("fork", .copy(CopyOptions()))] {
            let floorBody = floor(copying: operation.isCopy)
            let floorExpected = floorBody()
            let floorIterations = calibratedIterations(expected: floorExpected, floorBody)
            results.append(Measurement(workload: workload.name, format: space.format.name, view: view, design: "floor",
                                       nanosecondsPerWalk: medianNanoseconds(expected: floorExpected, floorBody), mappedPages: workload.mappedPages,
                                       reads: offsets.count, footprint: footprint.count, allocationsPerWalk: allocations(floorBody)))
            for design in Designs.writers + DesignCatalog.outside.writers where design.serves(operation) && (designs.isEmpty || designs.contains(design.name)) {
                let body = { () -> UInt64 in
                    var view = try! WriterView(space, for: operation)
                    design.write(&view)
                    let source = view.ledger.rss[0], child = view.ledger.rss[1]
                    return UInt64(bitPattern: Int64(source.anon &+ 3 &* source.file &+ 5 &* child.anon &+ 7 &* child.file
                                                    &+ 11 &* view.ledger.references.count))
                }
                let expected = body()
                let timed = pairedMedians(expected: expected, body, floorExpected: floorExpected, floorIterations: floorIterations, floor: floorBody)
                results.append(Measurement(workload: workload.name, format: space.format.name, view: view, design: design.name,
                                           nanosecondsPerWalk: timed.nanoseconds, mappedPages: workload.mappedPages, reads: 0,
                                           footprint: footprint.count, allocationsPerWalk: allocations(body), floorRatio: timed.floorRatio))
            }
        }
        return results
    }
}

extension BenchReport {
    /// Linux's published gains from folio batching (shared notes, section 4): what the per-entry
    /// to folio-batched ratio of the writers' table may be read beside.
    static let linuxWriterGains = """
        Linux's published gains from folio batching (times, per-entry → batched):
          munmap/zap 1 GiB, Xeon Silver 4210R: 16K folios -20%, 64K -37% (0.029207 → 0.018434 s), 2M PTE-mapped -58%
            (D. Hildenbrand, "mm/memory: optimize unmap/zap with PTE-mapped THP", commit 10ebac4f95e7)
          fork 1 GiB, same CPU: 16K -16%, 64K -26% (0.014046 → 0.010444 s), 2M PTE-mapped -30% (same author, "optimize fork() with PTE-mapped THP" v2)
          mprotect ×40 on 1 GiB, Apple M3: PTE-mapped THP 2.1 → 0.65 s, 64K 2 → 0.7 s, 4K 1 → 1.1 s
            (D. Jain, "[PATCH v5 0/7] Optimize mprotect() for large folios")
        """

    /// Per workload and writer view, the folio-batched (or pair-iterator) design's time over the
    /// per-entry one's, from their paired ratios to the floor (each timed in alternation with it,
    /// so the machine's drift between the two designs' runs cancels).
    static func writerGains(_ results: [Measurement]) -> String {
        var lines = ["writers, batched ÷ per-entry time, from their paired ratios to the floor (below 1: batching pays):"]
        let keys = Set(results.filter { ["zap", "mprotect", "fork"].contains($0.view) }.map { "\($0.format) \($0.workload) \($0.view)" }).sorted()
        for key in keys {
            let here = results.filter { "\($0.format) \($0.workload) \($0.view)" == key }
            guard let entry = here.first(where: { $0.design == "per-entry" })?.floorRatio else { continue }
            let others = here.filter { $0.design != "per-entry" && $0.design != "floor" }
            lines.append("  \(key): " + others.map { "\($0.design) \(number(($0.floorRatio ?? .nan) / entry, decimals: 2))" }
                .joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }
}
