import Testing
import PageTable
import Oracle
import KernelTruth

/// The importer and the export on snapshots made by hand, so that every kind pagemap reports is
/// checked on any machine: a machine without swap never shows swap entries, and none shows
/// hwpoison or device entries on demand. Values are pagemap's (Documentation/admin-guide/mm/
/// pagemap.rst: bits 0-4 swap type, 5-54 offset; 57 uffd-wp; 58 guard) and kpageflags'
/// (KPF_HEAD 15, KPF_TAIL 16, KPF_ANON 12).
@Suite struct KernelImportTests {
    static let head: UInt64 = 1 << 15, tail: UInt64 = 1 << 16, anon: UInt64 = 1 << 12
    static let base: UInt64 = 0x7f00_0000_0000

    /// An order-4 anonymous folio at frame 0x1000 over 16 pages, uffd-wp on its pages 4-7; then a
    /// swap entry, a migration entry of an order-0 file folio at 0x2000, and a uffd-wp + guard marker.
    static let pages: [KernelPage] = {
        var pages: [KernelPage] = (0..<16).map { index in
            KernelPage(address: base + UInt64(index) << 12, present: true, softDirty: true, uffdWP: (4..<8).contains(index),
                       pfn: 0x1000 + UInt64(index), flags: (index == 0 ? head : tail) | anon)
        }
        pages.append(KernelPage(address: base + 16 << 12, present: false, swapped: true, softDirty: true, swapType: 0, swapOffset: 9))
        pages.append(KernelPage(address: base + 17 << 12, present: false, swapped: true, swapType: 25, swapOffset: 0x2000))
        pages.append(KernelPage(address: base + 18 << 12, present: false, swapped: true, guardRegion: true, uffdWP: true,
                                swapType: 31, swapOffset: 5))
        return pages
    }()

    static func flags(_ pfn: UInt64) -> UInt64 {
        switch pfn {
        case 0x1000: head | anon
        case 0x1001..<0x1010: tail | anon
        case 0x2000: 0  // a page-cache page
        default: 0
        }
    }

    static let snapshot = KernelSnapshot(pages: pages, vmas: [KernelVMA(range: AddressRange(start: base, end: base + 19 << 12), rss: 0, anonHugePages: 0)])

    @Test func everyKindPagemapShowsIsImported() throws {
        let imported = try KernelImporter.importSnapshot(Self.snapshot) { pfn in Self.flags(pfn) }
        #expect(imported.unimportable.isEmpty)
        #expect(TreeInvariants.violations(in: imported.space).isEmpty)
        let items = try ReferenceWalk.entries(in: imported.space, range: AddressRange(start: Self.base, end: Self.base + 19 << 12))
        #expect(items[5].entry == .leaf(pfn: 0x1005, attributes: [.user, .young, .softDirty, .uffdWP]))
        #expect(items[16].entry == .nonPresent(SwapEntry(kind: .swap(type: 0), offset: 9, flags: [.exclusive, .softDirty])))
        #expect(items[17].entry == .nonPresent(SwapEntry(kind: .migrationRead, offset: 0x2000)))
        #expect(items[18].entry == .nonPresent(.marker([.uffdWP, .guardRegion])))
        // The batches: uffd-wp breaks the folio's run at 4 and 8 (the kernel's data alone says so).
        #expect(GroundTruth.expectedRuns(Self.snapshot, imported, over: Self.snapshot.vmas[0].range).map(\.range.size) == [4 << 12, 4 << 12, 8 << 12])
    }

    @Test func theExportRebuildsTheImportedTree() throws {
        let imported = try KernelImporter.importSnapshot(Self.snapshot) { pfn in Self.flags(pfn) }
        let saved = CorpusExport.corpusCase(Self.snapshot, imported, note: "by hand")
        var rebuilt = AddressSpace(format: .x86_64_4level)
        for operation in saved.testCase.operations { try rebuilt.apply(operation) }
        let difference = try ShapeComparison.firstDifference(imported.space, rebuilt, in: AddressRange(start: Self.base, end: Self.base + 19 << 12))
        #expect(difference == nil, "\(difference ?? "")")
    }

    /// VMAs come from smaps: an order-4 folio whose middle pages were mprotected read-only lies in
    /// three VMAs (`VmFlags: rd wr` / `rd` / `rd wr`); the import has them, the kernel's batches
    /// (`folio_pte_batch()` stops at a VMA's end) and the oracle's runs over the whole region are
    /// cut at both boundaries, and the exported case rebuilds the same VMAs.
    @Test func vmasAreImportedAndCutTheRuns() throws {
        func vma(_ first: UInt64, _ end: UInt64, _ flags: VMAFlags) -> KernelVMA {
            KernelVMA(range: AddressRange(start: Self.base + first << 12, end: Self.base + end << 12), rss: 0, anonHugePages: 0, flags: flags)
        }
        let vmas = [vma(0, 4, [.read, .write, .softDirty]), vma(4, 8, [.read, .softDirty]), vma(8, 16, [.read, .write, .softDirty])]
        let pages = Array(Self.pages.prefix(16)).map { page in var page = page; page.uffdWP = false; return page }
        let snapshot = KernelSnapshot(pages: pages, vmas: vmas)
        let imported = try KernelImporter.importSnapshot(snapshot) { pfn in Self.flags(pfn) }
        #expect(imported.space.vmas?.vmas.map(\.range) == vmas.map(\.range))
        #expect(TreeInvariants.violations(in: imported.space).isEmpty)
        let region = try #require(snapshot.region)
        #expect(GroundTruth.expectedRuns(snapshot, imported, over: region).map(\.range.size) == [4 << 12, 4 << 12, 8 << 12])
        #expect(try ReferenceWalk.folios(in: imported.space, range: region).map(\.range.size) == [4 << 12, 4 << 12, 8 << 12])
        let saved = CorpusExport.corpusCase(snapshot, imported, note: "by hand")
        var rebuilt = AddressSpace(format: .x86_64_4level)
        for operation in saved.testCase.operations { try rebuilt.apply(operation) }
        #expect(rebuilt.vmas?.vmas.map { [$0.range.start, $0.range.end] } == vmas.map { [$0.range.start, $0.range.end] })
        #expect(try ShapeComparison.firstDifference(imported.space, rebuilt, in: region) == nil)
    }

    /// A hugetlb VMA (smaps `VmFlags: … ht`, `KernelPageSize: 2048 kB`) is imported with its
    /// hstate, its PAGE_IS_HUGE pages as a PMD leaf, and the exported case rebuilds both; its
    /// walk is one item per huge page.
    @Test func aHugetlbVMAIsImportedWithItsHstate() throws {
        let base: UInt64 = 0x7f00_0020_0000
        let pages = (0..<512).map { index in
            KernelPage(address: base + UInt64(index) << 12, present: true, softDirty: true, pfn: 0x40000 + UInt64(index),
                       flags: (index == 0 ? Self.head : Self.tail) | Self.anon, huge: true)
        }
        var vma = KernelVMA(range: AddressRange(start: base, end: base + 2 << 20), rss: 0, anonHugePages: 0,
                            flags: [.read, .write, .softDirty], inode: 7, hugetlb: true)
        vma.kernelPageSize = 2 << 20
        vma.hugetlbBytes = 2 << 20
        let snapshot = KernelSnapshot(pages: pages, vmas: [vma])
        let imported = try KernelImporter.importSnapshot(snapshot) { pfn in
            switch pfn {
            case 0x40000: Self.head | Self.anon
            case 0x40001..<0x40200: Self.tail | Self.anon
            default: 0
            }
        }
        #expect(imported.unimportable.isEmpty)
        #expect(imported.space.vmas?.vmas.first?.hugetlb == Format.x86_64_4level.hugetlbShape(shift: 21))
        #expect(TreeInvariants.violations(in: imported.space).isEmpty)
        let items = try ReferenceWalk.entries(in: imported.space, range: vma.range)
        #expect(items.count == 1 && items[0].level == .pmd)
        let saved = CorpusExport.corpusCase(snapshot, imported, note: "by hand")
        var rebuilt = AddressSpace(format: .x86_64_4level)
        for operation in saved.testCase.operations { try rebuilt.apply(operation) }
        #expect(rebuilt.vmas?.vmas.first?.hugetlb == imported.space.vmas?.vmas.first?.hugetlb)
        #expect(try ShapeComparison.firstDifference(imported.space, rebuilt, in: vma.range) == nil)
        #expect(GroundTruth.disagreements(snapshot, imported, designs: shippedDesigns).isEmpty)
    }

    /// hwpoison (type 24) and device entries (28-30) are reported, never imported as none.
    @Test(arguments: [UInt8(24), 28, 29, 30])
    func unimportableKindsAreReported(type: UInt8) throws {
        let snapshot = KernelSnapshot(pages: [KernelPage(address: Self.base, present: false, swapped: true, swapType: type, swapOffset: 0x3000)],
                                      vmas: [])
        let imported = try KernelImporter.importSnapshot(snapshot) { _ in 0 }
        #expect(imported.unimportable.count == 1 && imported.unimportable[0].contains("swap type \(type)"))
    }
}
