import PageTable
import Generators

/// An address space built for a benchmark and the range its walks cover.
struct Workload {
    /// The workload's name, e.g. `dense-4k`.
    var name: String
    /// The built tree.
    var space: AddressSpace
    /// What the walks cover.
    var range: AddressRange
    /// How many pages the range maps (the ns-per-page divisor).
    var mappedPages: UInt64

    /// The workloads on `format`, each built deterministically.
    /// Throws the model's refusal when `format` cannot hold them (no PMD leaves, or a space too
    /// small for the base address).
    static func all(on format: Format, scale: UInt64) throws(PageTableError) -> [Workload] {
        var workloads = [
            try onePage(format),
            try dense4K(format, pages: 4096 * scale),
            try folios64K(format, count: 256 * scale, contiguous: false),
            try folios64K(format, count: 256 * scale, contiguous: false, reversed: true),
            try thp2M(format, count: 8 * scale),
            try thpPTEMapped(format, count: 8 * scale),
            try thpSplitPartial(format, count: 8 * scale),
            try mixSwapMigration(format, count: 256 * scale),
        ]
        if format.hasContiguousEntries { workloads.insert(try folios64K(format, count: 256 * scale, contiguous: true), at: 2) }
        if format.top >= 1 << 47 { workloads += try sparse(format, mappings: 300) }
        return workloads
    }

    private static let base: UInt64 = 1 << 30

    private static func build(_ format: Format, _ operations: [Operation]) throws(PageTableError) -> AddressSpace {
        var space = AddressSpace(format: format)
        for operation in operations { try space.apply(operation) }
        return space
    }

    private static func folio(_ address: UInt64, order: Int, leaf: Level = .pte, contiguous: Bool = false) -> Operation {
        .map(address: address, source: .folio(kind: .anonymous, order: order, firstPage: 0, pageCount: 1 << UInt64(order)),
             writable: true, shape: MapShape(leafLevel: leaf, contiguous: contiguous))
    }

    /// One base page, walked alone: one slot a level, so the walk is nearly all its fixed cost
    /// (what a short `walk_page_range()`, a `follow_page_mask()` of one address, pays).
    static func onePage(_ format: Format) throws(PageTableError) -> Workload {
        Workload(name: "one-page", space: try build(format, [folio(base, order: 0)]),
                 range: AddressRange(start: base, end: base + format.pageSize), mappedPages: 1)
    }

    /// Base pages, one order-0 folio each, back to back.
    static func dense4K(_ format: Format, pages: UInt64) throws(PageTableError) -> Workload {
        let operations = (0..<pages).map { folio(base + $0 * format.pageSize, order: 0) }
        return Workload(name: "dense-4k", space: try build(format, operations),
                        range: AddressRange(start: base, end: base + pages * format.pageSize), mappedPages: pages)
    }

    /// 64 KiB folios mapped by PTEs, as contiguous blocks or not; allocated in address order (frames
    /// ascending with addresses, as a fresh allocator hands them out), or `reversed` (frames descending).
    static func folios64K(_ format: Format, count: UInt64, contiguous: Bool, reversed: Bool = false) throws(PageTableError) -> Workload {
        let size: UInt64 = 64 << 10
        let order = ((64 << 10) >> format.pageShift).trailingZeroBitCount
        let slots = reversed ? Array((0..<count).reversed()) : Array(0..<count)
        let operations = slots.map { folio(base + $0 * size, order: order, contiguous: contiguous) }
        let name = contiguous ? "64k-folios-cont" : reversed ? "64k-folios-reversed" : "64k-folios"
        return Workload(name: name, space: try build(format, operations),
                        range: AddressRange(start: base, end: base + count * size), mappedPages: count * size / format.pageSize)
    }

    /// 2 MiB THPs mapped by PMD leaves.
    static func thp2M(_ format: Format, count: UInt64) throws(PageTableError) -> Workload {
        let size = format.geometry(.pmd).entrySize
        let order = format.geometry(.pmd).shift - format.pageShift
        let operations = (0..<count).map { folio(base + $0 * size, order: order, leaf: .pmd) }
        return Workload(name: "thp-pmd", space: try build(format, operations),
                        range: AddressRange(start: base, end: base + count * size), mappedPages: count * size / format.pageSize)
    }

    /// 2 MiB THPs mapped by PTEs (each PMD leaf split): the PTE-mapped THPs Linux's zap and fork
    /// batching was measured on.
    static func thpPTEMapped(_ format: Format, count: UInt64) throws(PageTableError) -> Workload {
        let size = format.geometry(.pmd).entrySize
        let order = format.geometry(.pmd).shift - format.pageShift
        let operations: [Operation] = (0..<count).map { folio(base + $0 * size, order: order, leaf: .pmd) } + (0..<count).map { .split(base + $0 * size) }
        return Workload(name: "thp-pte", space: try build(format, operations),
                        range: AddressRange(start: base, end: base + count * size), mappedPages: count * size / format.pageSize)
    }

    /// THPs split into PTEs with every other 64 KiB unmapped.
    static func thpSplitPartial(_ format: Format, count: UInt64) throws(PageTableError) -> Workload {
        let size = format.geometry(.pmd).entrySize
        let order = format.geometry(.pmd).shift - format.pageShift
        var operations: [Operation] = (0..<count).map { folio(base + $0 * size, order: order, leaf: .pmd) }
        for thp in 0..<count {
            operations.append(.split(base + thp * size))
            for chunk in stride(from: UInt64(0), to: size, by: 128 << 10) {
                let start = base + thp * size + chunk
                operations.append(.unmap(AddressRange(start: start, end: start + (64 << 10))))
            }
        }
        return Workload(name: "thp-split-partial", space: try build(format, operations),
                        range: AddressRange(start: base, end: base + count * size), mappedPages: count * size / format.pageSize / 2)
    }

    /// 64 KiB folios, a quarter swapped out and a quarter under migration.
    static func mixSwapMigration(_ format: Format, count: UInt64) throws(PageTableError) -> Workload {
        var workload = try folios64K(format, count: count, contiguous: false)
        var space = workload.space
        let size: UInt64 = 64 << 10
        for index in 0..<count {
            let start = base + index * size
            let chunk = AddressRange(start: start, end: start + size)
            if index % 4 == 1 { try space.apply(.swapOut(chunk)) }
            if index % 4 == 2 { try space.apply(.startMigration(chunk)) }
        }
        workload.name = "swap-migration-mix"
        workload.space = space
        workload.mappedPages = count * size / format.pageSize / 2
        return workload
    }

    /// A few hundred small mappings scattered over the first 1 TiB, walked over that TiB and over
    /// the whole 47-bit user half: the same populated tables in a range 128 times larger.
    static func sparse(_ format: Format, mappings: Int) throws(PageTableError) -> [Workload] {
        var random = SplitMix64(seed: 47)
        let window: UInt64 = 1 << 40
        var operations: [Operation] = []
        var pages: UInt64 = 0
        for _ in 0..<mappings {
            let order = Int(random.next() % 5)
            let size = format.pageSize << UInt64(order)
            let address = Format.alignDown(random.next() % (window - size), size)
            operations.append(folio(address, order: order))
            pages += 1 << UInt64(order)
        }
        let space = try build(format, operations)
        let mapped = { (range: AddressRange) -> UInt64 in
            ModelPages.count(space, in: range)
        }
        let narrow = AddressRange(start: 0, end: window)
        let wide = AddressRange(start: 0, end: min(format.top, 1 << 47))
        return [Workload(name: "sparse-1tib", space: space, range: narrow, mappedPages: mapped(narrow)),
                Workload(name: "sparse-47bit", space: space, range: wide, mappedPages: mapped(wide))]
    }
}
