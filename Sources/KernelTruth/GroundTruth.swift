import PageTable
import Oracle

/// Compares what the kernel reports with what the oracle and each design compute on the imported
/// model: Rss and AnonHugePages per VMA (the kernel's own walk_page_range() in smaps), folio runs
/// against compound pages, guard regions against markers, PMD mappings against PMD leaves.
public enum GroundTruth {
    /// Every disagreement, described; empty when kernel, oracle and designs agree.
    public static func disagreements(_ snapshot: KernelSnapshot, _ imported: KernelImporter.Imported, designs: DesignSet) -> [String] {
        let space = imported.space
        var problems: [String] = []
        // Design versus oracle on every VMA and on the whole region across them, both views.
        for range in snapshot.comparedRanges {
            for query in [WalkQuery.entries(range, []), .folios(range, .batchDefault)] {
                problems += Conformance.check(designs, in: space, query: query).map { "\($0)" }
            }
        }
        // Kernel versus oracle and every design: Rss and AnonHugePages per VMA.
        for vma in snapshot.vmas {
            var computed: [(String, (rss: UInt64, anonHuge: UInt64))] = []
            if let items = try? ReferenceWalk.entries(in: space, range: vma.range) { computed.append(("oracle", memory(items, space))) }
            if let runs = try? ReferenceWalk.folios(in: space, range: vma.range) { computed.append(("oracle folios", memory(runs, space))) }
            for design in designs.entryWalkers {
                var items: [EntryWalkItem] = []
                try? design.walkEntries(DirectReader(space), range: vma.range, flags: []) { items.append($0) }
                computed.append((design.name, memory(items, space)))
            }
            for design in designs.folioWalkers {
                var runs: [FolioRun] = []
                try? design.walkFolios(DirectReader(space), range: vma.range, flags: .batchDefault) { runs.append($0) }
                computed.append(("\(design.name) folios", memory(runs, space)))
            }
            // smaps counts a hugetlb VMA's pages in Private_Hugetlb/Shared_Hugetlb, not in Rss.
            let rss = vma.hugetlb ? vma.hugetlbBytes : vma.rss
            for (name, figures) in computed where figures.rss != rss || !vma.hugetlb && figures.anonHuge != vma.anonHugePages {
                problems.append("VMA \(vma.range): kernel Rss \(vma.rss >> 10) kB AnonHugePages \(vma.anonHugePages >> 10) kB, "
                                + "\(name) \(figures.rss >> 10) kB / \(figures.anonHuge >> 10) kB")
            }
        }
        // Folio runs against compound pages: each run's frames are the kernel's, inside one compound page.
        let pfnAt = Dictionary(snapshot.pages.filter { $0.present }.map { ($0.address, $0.pfn) }, uniquingKeysWith: { first, _ in first })
        for vma in snapshot.vmas {
            for run in (try? ReferenceWalk.folios(in: space, range: vma.range)) ?? [] {
                let folio = space.memory.folios[run.folio.rawValue]
                let pages = run.range.size >> 12
                guard run.firstPage + pages <= folio.pageCount else {
                    problems.append("run \(run) passes the end of compound page 0x\(String(folio.pfn, radix: 16)) (order \(folio.order))")
                    continue
                }
                for page in 0..<pages where pfnAt[run.range.start + page << 12] != folio.pfn + run.firstPage + page {
                    problems.append("run \(run): page \(page) is pfn 0x\(String(pfnAt[run.range.start + page << 12] ?? 0, radix: 16)) in pagemap")
                    break
                }
                if let kernel = imported.folioOf[folio.pfn + run.firstPage], kernel.head != folio.pfn || kernel.order != folio.order {
                    problems.append("run \(run): the kernel's compound page is 0x\(String(kernel.head, radix: 16)) order \(kernel.order)")
                }
            }
        }
        // Run boundaries: the batches Linux's folio_pte_batch() makes, derived from the kernel's own
        // report, against the oracle's runs and every design's, run by run.
        problems += runBoundaries(snapshot, imported, designs: designs)
        // Guard regions are guard markers; PAGE_IS_HUGE pages sit in PMD leaves.
        for page in snapshot.pages {
            guard let item = try? ReferenceWalk.lookup(in: space, address: page.address) else { continue }
            let marker: Bool = { if case .nonPresent(let entry) = item.entry { entry.markerBits == .guardRegion } else { false } }()
            if page.guardRegion != marker { problems.append("page 0x\(String(page.address, radix: 16)): kernel guard \(page.guardRegion), model \(item.entry)") }
            if page.huge, item.level != .pmd { problems.append("page 0x\(String(page.address, radix: 16)) is PAGE_IS_HUGE but maps at \(item.level)") }
        }
        return problems
    }

    /// One run as the kernel's data gives it: where, which compound page (its head frame), which page of it.
    public struct KernelRun: Hashable, Sendable, CustomStringConvertible {
        /// The addresses.
        public var range: AddressRange
        /// The head frame of the compound page.
        public var head: UInt64
        /// The index in the compound page of the run's first page.
        public var firstPage: UInt64
        /// `[start, end) head 0x… +N`.
        public var description: String { "\(range) compound page 0x\(String(head, radix: 16)) +\(firstPage)" }
    }

    /// The runs a folio walk with the default flags must report over `vma`, from the kernel's data
    /// alone: consecutive present pages (the zero page excluded) stay in one run while the next has
    /// the next frame of the same compound page (kpageflags), the same mapping level (PAGE_IS_HUGE)
    /// and the same uffd-wp bit (pagemap bit 57), and does not start a new 2 MiB span (a new PTE
    /// table, or a new PMD). The walk is one VMA, so a run ends at its end. Writable, young, dirty and
    /// soft-dirty are ignored by the default flags, as `folio_pte_batch()` ignores them; pagemap shows
    /// no write bit, so a walk respecting writable cannot be checked this way.
    public static func expectedRuns(_ snapshot: KernelSnapshot, _ imported: KernelImporter.Imported, over vma: AddressRange) -> [KernelRun] {
        var runs: [KernelRun] = []
        var previous: KernelPage?
        for page in snapshot.pages where vma.contains(page.address) {
            defer { previous = page }
            guard page.present, page.pfn != 0, !page.isZeroPage, let folio = imported.folioOf[page.pfn] else { continue }
            if let before = previous, before.present, !before.isZeroPage, let last = runs.last, last.range.end == page.address,
               before.pfn + 1 == page.pfn, imported.folioOf[before.pfn]?.head == folio.head, before.huge == page.huge,
               before.uffdWP == page.uffdWP, page.address % (2 << 20) != 0, !snapshot.vmas.contains(where: { $0.range.start == page.address }) {
                runs[runs.count - 1].range.end = page.address + 4096
            } else {
                runs.append(KernelRun(range: AddressRange(start: page.address, end: page.address + 4096), head: folio.head,
                                      firstPage: page.pfn - folio.head))
            }
        }
        return runs
    }

    /// Each VMA's folio runs, and the whole region's across its VMAs — the oracle's and every folio
    /// design's — against ``expectedRuns(_:_:over:)``.
    static func runBoundaries(_ snapshot: KernelSnapshot, _ imported: KernelImporter.Imported, designs: DesignSet) -> [String] {
        let space = imported.space
        var problems: [String] = []
        func kernelRuns(_ runs: [FolioRun]) -> [KernelRun] {
            runs.map { KernelRun(range: $0.range, head: space.memory.folios[$0.folio.rawValue].pfn, firstPage: $0.firstPage) }
        }
        for vma in snapshot.comparedRanges {
            let expected = expectedRuns(snapshot, imported, over: vma)
            var computed: [(String, [KernelRun])] = []
            if let runs = try? ReferenceWalk.folios(in: space, range: vma) { computed.append(("oracle", kernelRuns(runs))) }
            for design in designs.folioWalkers {
                var runs: [FolioRun] = []
                try? design.walkFolios(DirectReader(space), range: vma, flags: .batchDefault) { runs.append($0) }
                computed.append((design.name, kernelRuns(runs)))
            }
            for (name, runs) in computed {
                guard let diff = WalkDiff.firstDifference(expected: expected, actual: runs, format: space.format, address: { $0.range.start })
                else { continue }
                let what = vma == snapshot.region ? "region" : "VMA"
                problems.append("\(what) \(vma): \(name)'s runs differ from the kernel's batches (- kernel, + \(name)):\n\(diff)")
            }
        }
        return problems
    }

    /// Rss (present pages backed by a folio, the zero page excluded, as smaps counts) and AnonHugePages
    /// (anonymous PMD leaves) of an entry walk.
    static func memory(_ items: [EntryWalkItem], _ space: AddressSpace) -> (rss: UInt64, anonHuge: UInt64) {
        var rss: UInt64 = 0, anonHuge: UInt64 = 0
        for item in items {
            guard case .leaf(let pfn, let attributes) = item.entry, !attributes.contains(.special) else { continue }
            rss += item.range.size
            if item.level == .pmd, space.memory.folio(containing: pfn)?.kind == .anonymous { anonHuge += item.range.size }
        }
        return (rss, anonHuge)
    }

    /// The same figures from folio runs (the zero page is not reported without asking).
    static func memory(_ runs: [FolioRun], _ space: AddressSpace) -> (rss: UInt64, anonHuge: UInt64) {
        var rss: UInt64 = 0, anonHuge: UInt64 = 0
        for run in runs {
            rss += run.range.size
            if run.level == .pmd, space.memory.folios[run.folio.rawValue].kind == .anonymous { anonHuge += run.range.size }
        }
        return (rss, anonHuge)
    }
}
