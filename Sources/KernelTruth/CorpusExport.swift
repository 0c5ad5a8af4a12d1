import PageTable
import Oracle
import Generators

/// Writes an imported kernel state as a corpus case whose operations rebuild the imported tree
/// entry for entry, up to frame numbers (``ShapeComparison``): each stretch of a folio mapped by
/// one kind of entry is one `map` — the folio's first as a new folio of its order, later ones as
/// `map … folio N` of the same folio (a folio mapped at two addresses, a page refaulted into a
/// partly unmapped THP) — then soft-dirty cleared and uffd-wp set where the kernel says, then the
/// markers, swap and migration entries; first of all, an `mmap` for every VMA. Queries: an entry and
/// a folio walk over every VMA, and an entry and a folio walk over the whole region, so that runs
/// meeting at VMA boundaries are checked too.
public enum CorpusExport {
    /// The case; `note` becomes its comment line.
    public static func corpusCase(_ snapshot: KernelSnapshot, _ imported: KernelImporter.Imported, note: String) -> CorpusCase {
        var exporter = Exporter(imported: imported.space)
        exporter.export()
        var queries = snapshot.vmas.flatMap { [WalkQuery.entries($0.range, []), .folios($0.range, .batchDefault)] }
        if let first = snapshot.pages.first, let last = snapshot.pages.last {
            let region = AddressRange(start: first.address, end: last.address + 4096)
            queries += [.entries(region, []), .folios(region, .batchDefault)]
        }
        var saved = CorpusCase(testCase: TestCase(format: imported.space.format, operations: exporter.operations, queries: queries))
        saved.firstDifference = note
        return saved
    }

    /// Builds the operations, applying each to a replay of its own to learn the folio numbers the
    /// replay allocates.
    struct Exporter {
        let imported: AddressSpace
        var replay: AddressSpace
        var operations: [Operation] = []
        /// Imported folio → the replay's folio that stands for it.
        var folios: [FolioID: FolioID] = [:]
        /// Ranges whose present pages are not soft-dirty, and those that are uffd-wp.
        var softDirtyClear: [AddressRange] = [], uffdWP: [AddressRange] = []
        /// A stretch of present pages of one folio being gathered into one map.
        var pending: (range: AddressRange, record: PageRecord, pages: UInt64)?

        init(imported: AddressSpace) {
            self.imported = imported
            replay = AddressSpace(format: imported.format, owner: imported.owner)
        }

        var pageSize: UInt64 { imported.format.pageSize }

        mutating func emit(_ operation: Operation) {
            // Every operation is valid by construction; one that were not would show as a shape difference.
            try? replay.apply(operation)
            operations.append(operation)
        }

        mutating func export() {
            // The VMAs first: every map must land inside one. (mmap sets VM_SOFTDIRTY; a later
            // clear-soft-dirty of pages clears it on their VMA too, which no walk looks at.)
            for vma in imported.vmas?.vmas ?? [] {
                emit(.mmap(vma.range, VMASpec(file: vma.file, pageOffset: vma.pageOffset, flags: vma.flags.subtracting(.softDirty),
                                              hugetlbShift: vma.hugetlb?.shift)))
            }
            var later: [(AddressRange, SwapEntry, Level)] = []
            for run in ModelComparison.treeRuns(imported) {
                let range = AddressRange(start: imported.format.address(ofPage: run.start), end: imported.format.address(ofPage: run.end))
                switch run.record.content {
                case .present(_, let attributes):
                    // A stretch ends at a VMA boundary: one map lands in one VMA.
                    let vmaStart = imported.vmas?.vma(containing: range.start)?.range.start == range.start
                    if let current = pending, !vmaStart, current.range.end == range.start, current.record.advanced(by: current.pages) == run.record,
                       !run.record.contiguous, run.record.level == .pte, sameFolio(current.record.content, run.record.content) {
                        pending = (AddressRange(start: current.range.start, end: range.end), current.record, current.pages + run.count)
                    } else {
                        flush()
                        pending = (range, run.record, run.count)
                    }
                    if !attributes.contains(.softDirty) { Self.append(range, to: &softDirtyClear) }
                    if attributes.contains(.uffdWP) { Self.append(range, to: &uffdWP) }
                case .nonPresent(let entry):
                    flush()
                    later.append((range, entry, run.record.level))
                }
            }
            flush()
            if imported.format.supportsSoftDirty { for range in softDirtyClear { emit(.clearSoftDirty(range)) } }
            for range in uffdWP { emit(.uffdWriteProtect(range, protect: true)) }
            for (range, entry, level) in later { exportNonPresent(entry, at: range, level: level) }
        }

        /// Whether two present pages lie in one folio (frames back to back may cross into the next).
        func sameFolio(_ lhs: PageContent, _ rhs: PageContent) -> Bool {
            guard case .present(let left, _) = lhs, case .present(let right, _) = rhs else { return false }
            return imported.memory.folio(containing: left)?.id == imported.memory.folio(containing: right)?.id
        }

        /// Maps the gathered stretch of present pages.
        mutating func flush() {
            guard let current = pending, case .present(let pfn, _) = current.record.content else { return }
            pending = nil
            let pages = current.pages, level = current.record.level
            if imported.memory.isZeroFrame(pfn) {
                emit(.map(address: current.range.start, source: .zeroPage(pageCount: pages), writable: false, shape: MapShape(leafLevel: level)))
                return
            }
            guard let folio = imported.memory.folio(containing: pfn) else {
                emit(.map(address: current.range.start, source: .special(pageCount: pages), writable: false, shape: MapShape(leafLevel: level)))
                return
            }
            mapPages(of: folio, from: pfn - folio.pfn, count: pages, at: current.range.start, level: level, writable: false)
        }

        /// Maps `count` pages of the imported `folio` from page `first` at `address`: the folio's
        /// first map allocates its stand-in in the replay, later ones map that stand-in again.
        mutating func mapPages(of folio: Folio, from first: UInt64, count: UInt64, at address: UInt64, level: Level, writable: Bool) {
            let shape = MapShape(leafLevel: level)
            if let standIn = folios[folio.id] {
                emit(.map(address: address, source: .existingFolio(standIn, firstPage: first, pageCount: count), writable: writable, shape: shape))
            } else {
                emit(.map(address: address, source: .folio(kind: folio.kind, order: folio.order, firstPage: first, pageCount: count),
                          writable: writable, shape: shape))
                folios[folio.id] = replay.memory.folios.last!.id
            }
        }

        /// Rebuilds one non-present entry: markers by installing them, a swap entry by swapping out
        /// a page, a migration entry by starting to migrate its page (its flags as the page had them).
        /// An anonymous `migration-read` entry (a page shared by fork) comes back read-exclusive: one
        /// address space has no shared anonymous pages, and the replay's shape shows the difference.
        mutating func exportNonPresent(_ entry: SwapEntry, at range: AddressRange, level: Level) {
            if let bits = entry.markerBits {
                // Guard first: installing a guard marker zaps the range (MADV_GUARD_INSTALL).
                for kind in [MarkerKind.guardRegion, .uffdWP, .poisoned] where bits.contains(kind.bits) { emit(.installMarker(range, kind)) }
                return
            }
            let pageRange = AddressRange(start: range.start, end: range.start + pageSize)
            switch entry.kind {
            case .swap:
                emit(.map(address: range.start, source: .folio(kind: .anonymous, order: 0, firstPage: 0, pageCount: 1), writable: false,
                          shape: MapShape()))
                if !entry.flags.contains(.softDirty), imported.format.supportsSoftDirty { emit(.clearSoftDirty(pageRange)) }
                if entry.flags.contains(.uffdWP) { emit(.uffdWriteProtect(pageRange, protect: true)) }
                emit(.swapOut(pageRange))
            case let kind where kind.isMigration:
                guard let folio = imported.memory.folio(containing: entry.offset) else { return }
                mapPages(of: folio, from: entry.offset - folio.pfn, count: imported.format.pages(in: range.size), at: range.start,
                         level: level, writable: kind == .migrationWrite)
                if !entry.flags.contains(.softDirty), imported.format.supportsSoftDirty { emit(.clearSoftDirty(range)) }
                if entry.flags.contains(.uffdWP) { emit(.uffdWriteProtect(range, protect: true)) }
                // pagemap strips the young and dirty bits of the offset (swp_offset_pfn()): none imported.
                emit(.age(range))
                emit(.startMigration(range))
            default:
                return
            }
        }

        /// Appends `range` to `ranges`, merged with the last one when they touch.
        static func append(_ range: AddressRange, to ranges: inout [AddressRange]) {
            if let last = ranges.last, last.end == range.start { ranges[ranges.count - 1].end = range.end } else { ranges.append(range) }
        }
    }
}
