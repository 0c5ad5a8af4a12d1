import PageTable
import Generators

/// Writes an imported kernel state as a corpus case: operations that rebuild the same shape (the
/// same folios, orders, PMD and PTE mappings, zero pages and guard markers; new frame numbers), and
/// an entry and a folio walk over every VMA.
public enum CorpusExport {
    /// The case; `note` becomes its comment line.
    public static func corpusCase(_ snapshot: KernelSnapshot, _ imported: KernelImporter.Imported, note: String) -> CorpusCase {
        let space = imported.space
        let pageSize: UInt64 = 4096
        var maps: [Operation] = [], trims: [Operation] = [], others: [Operation] = []
        // Folios, by the virtual address their first page would have: map whole, then unmap what the kernel does not map.
        var mappedBy: [Int: [UInt64]] = [:]
        for page in snapshot.pages where page.present && !page.isZeroPage {
            guard let folio = space.memory.folio(containing: page.pfn) else { continue }
            mappedBy[folio.id.rawValue, default: []].append(page.address)
        }
        for id in mappedBy.keys.sorted() {
            let folio = space.memory.folios[id]
            let addresses = mappedBy[id]!
            let first = addresses[0]
            let firstPFN = snapshot.pages.first { $0.address == first }!.pfn
            let base = first - (firstPFN - folio.pfn) * pageSize
            let huge = snapshot.pages.contains { $0.huge && addresses.contains($0.address) }
            maps.append(.map(address: base, source: .folio(kind: folio.kind, order: folio.order, firstPage: 0, pageCount: folio.pageCount),
                             writable: true, shape: MapShape(leafLevel: huge ? .pmd : .pte)))
            let mapped = Set(addresses)
            var page = base
            while page < base + folio.pageCount * pageSize {
                guard !mapped.contains(page) else { page += pageSize; continue }
                var end = page + pageSize
                while end < base + folio.pageCount * pageSize, !mapped.contains(end) { end += pageSize }
                trims.append(.unmap(AddressRange(start: page, end: end)))
                page = end
            }
        }
        for page in snapshot.pages {
            if page.present && page.isZeroPage {
                others.append(.map(address: page.address, source: .zeroPage(pageCount: 1), writable: false, shape: MapShape()))
            }
            if page.guardRegion { others.append(.installMarker(AddressRange(start: page.address, end: page.address + pageSize), .guardRegion)) }
        }
        let queries = snapshot.vmas.flatMap { [WalkQuery.entries($0.range, []), .folios($0.range, .batchDefault)] }
        var saved = CorpusCase(testCase: TestCase(format: .x86_64_4level, operations: maps + trims + others, queries: queries))
        saved.firstDifference = note
        return saved
    }
}
