import PageTable

extension AbstractModel {
    /// Applies `operation` page by page; throws the same errors as the tree, changing nothing.
    public mutating func apply(_ operation: Operation) throws(PageTableError) {
        try operation.validate(for: format)
        try performClipped(operation)
    }

    /// Applies a validated operation, hugetlb VMAs already cut out of it.
    package mutating func perform(_ operation: Operation) throws(PageTableError) {
        switch operation {
        case .map(let address, let source, let writable, let shape):
            try checkInsideOneVMA(AddressRange(start: address, end: address + source.pageCount * format.pageSize), what: "a map")
            try map(at: page(address), source: source, writable: writable, shape: shape)
            if vmas != nil, memory.mapsAnonymousFolio(source) {
                vmas!.prepareAnonVMA(covering: AddressRange(start: address, end: address + format.pageSize))
            }
        case .unmap(let range): unmap(pages(range))
        case .protect(let range, let protection): protect(pages(range), protection)
        case .split(let address):
            if let unit = unit(at: page(address)), unit.isLarge { split(unit) }
        case .collapse(let address, let level):
            if collapsible(at: address, level: level) { collapse(at: page(address), level: level) }
        case .fold(let address): fold(at: page(address))
        case .unfold(let address):
            if let unit = unit(at: page(address)), unit.record.contiguous { split(unit) }
        case .swapOut(let range): swapOut(pages(range))
        case .swapIn(let range): try swapIn(pages(range))
        case .startMigration(let range): startMigration(pages(range))
        case .finishMigration(let range): finishMigration(pages(range))
        case .convert(let range, let kind): try convert(pages(range), to: kind)
        case .installMarker(let range, let kind):
            for piece in markerPieces(range) { installMarker(pages(piece), kind) }
        case .uffdWriteProtect(let range, let protect): uffdWriteProtect(pages(range), protect: protect)
        case .age(let range): age(pages(range))
        case .dirty(let range): dirty(pages(range))
        case .clearSoftDirty(let range):
            clearSoftDirty(pages(range))
            if format.supportsSoftDirty { vmas?.clearSoftDirty(meeting: range) }
        case .move(let range, let destination):
            try checkInsideOneVMA(AddressRange(start: destination, end: destination + range.size), what: "a move's destination")
            move(pages(range), to: page(destination))
        case .reclaim: break
        case .mmap, .munmap, .mprotect, .madvise:
            var copy = self
            try copy.applyVMAOperation(operation)
            self = copy
        }
    }

    private func page(_ address: UInt64) -> UInt64 { format.pageNumber(address) }
    private func pages(_ range: AddressRange) -> Range<UInt64> { page(range.start)..<page(range.end) }

    private mutating func map(at page: UInt64, source: MapSource, writable: Bool, shape: MapShape) throws(PageTableError) {
        let content = try memory.content(for: source, writable: writable, format: format)
        let range = page..<page + source.pageCount
        switch content {
        case .nothing: return
        case .zeroPages:
            unmap(range)
            placeZeroPages(range, maxLevel: shape.leafLevel)
        case .pages(let pages):
            unmap(range)
            place(pages, at: page, count: source.pageCount, maxLevel: shape.leafLevel, contiguous: shape.contiguous,
                  hugepd: shape.hugepd ? .anyLevel : .never)
        }
    }

    /// The zero page over `range`, as the tree maps it: the huge zero folio by PMD leaves at each
    /// PMD-aligned span it covers when `maxLevel` allows PMD leaves, the zero page elsewhere.
    private mutating func placeZeroPages(_ range: Range<UInt64>, maxLevel: Level, attributes: LeafAttributes = EntryRules.zeroPage) {
        let pmdPages = format.pages(at: .pmd)
        let huge = maxLevel <= .pmd && format.leafLevels.contains(.pmd)
        var page = range.lowerBound
        while page < range.upperBound {
            let next = huge ? min(page / pmdPages * pmdPages + pmdPages, range.upperBound) : range.upperBound
            if huge, next - page == pmdPages, let folio = memory.hugeZero(order: format.geometry(.pmd).shift - format.pageShift) {
                place(.present(pfn: folio.pfn, attributes: attributes), at: page, count: pmdPages, maxLevel: .pmd, contiguous: false, hugepd: .never)
            } else {
                place(.present(pfn: PhysicalMemory.zeroPFN, attributes: attributes), at: page, count: next - page, maxLevel: .pte,
                      contiguous: false, hugepd: .never)
            }
            page = next
        }
    }

    private mutating func unmap(_ range: Range<UInt64>) {
        ensureBoundary(range.lowerBound)
        ensureBoundary(range.upperBound)
        pages.remove(range)
    }

    private mutating func protect(_ range: Range<UInt64>, _ protection: Protection) {
        ensureBoundary(range.lowerBound)
        ensureBoundary(range.upperBound)
        if protection == .none {
            for unit in units(in: range) where unit.record.contiguous { split(unit) }
        }
        let memory = self.memory
        pages.update(range) { record in
            var changed = record
            switch record.content {
            case .present(let pfn, let attributes):
                changed.content = .present(pfn: pfn, attributes: EntryRules.protected(attributes, protection, isZeroPage: memory.isZeroFrame(pfn)))
            case .nonPresent(let entry):
                changed.content = .nonPresent(EntryRules.protected(entry, anonymous: memory.folio(containing: entry.offset)?.kind == .anonymous))
            }
            return changed
        }
    }

    private mutating func uffdWriteProtect(_ range: Range<UInt64>, protect: Bool) {
        ensureBoundary(range.lowerBound)
        ensureBoundary(range.upperBound)
        let format = self.format
        pages.update(range) { record in
            guard let content = EntryRules.uffdWriteProtected(record.content, protect: protect, format: format) else { return nil }
            var changed = record
            changed.content = content
            return changed
        }
    }

    private mutating func collapse(at page: UInt64, level: Level) {
        let span = span(of: level, holding: page)
        let pieces = units(in: span)
        let size = format.pages(at: level)
        guard let first = pieces.first, first.pages.lowerBound == span.lowerBound,
              case .present(let base, let firstAttributes) = first.record.content,
              base % size == 0, memory.isWithinOneFolio(pfn: base, count: size)
        else { return }
        let ignored: LeafAttributes = [.young, .dirty]
        var merged = firstAttributes
        var expected = span.lowerBound
        for piece in pieces {
            guard piece.pages.lowerBound == expected, !piece.record.inHugepd, piece.record.level > level,
                  case .present(let pfn, let attributes) = piece.record.content,
                  pfn == base + (piece.pages.lowerBound - span.lowerBound),
                  attributes.isDisjoint(with: [.protNone, .special, .uffdWP]),
                  attributes.subtracting(ignored) == firstAttributes.subtracting(ignored)
            else { return }
            merged.formUnion(attributes.intersection(ignored))
            expected = piece.pages.upperBound
        }
        guard expected == span.upperBound else { return }
        pages.assign(span, PageRecord(content: .present(pfn: base, attributes: merged), level: level))
    }

    private mutating func fold(at page: UInt64) {
        guard let record = pages.record(at: page), !record.inHugepd, !record.contiguous,
              case .present(let pfn, let attributes) = record.content,
              !attributes.contains(.protNone), !attributes.contains(.special)
        else { return }
        let count = format.geometry(record.level).contiguousEntries
        guard count > 1 else { return }
        let step = format.pages(at: record.level)
        let blockPages = step * UInt64(count)
        let blockStart = page / blockPages * blockPages
        guard pfn >= page - blockStart else { return }
        let base = pfn - (page - blockStart)
        guard base % blockPages == 0, memory.isWithinOneFolio(pfn: base, count: blockPages) else { return }
        let ignored: LeafAttributes = [.young, .dirty]
        var merged = attributes
        for offset in 0..<UInt64(count) {
            guard let mate = pages.record(at: blockStart + offset * step), mate.level == record.level,
                  !mate.inHugepd, !mate.contiguous,
                  case .present(let matePFN, let mateAttributes) = mate.content,
                  matePFN == base + offset * step,
                  mateAttributes.subtracting(ignored) == attributes.subtracting(ignored)
            else { return }
            merged.formUnion(mateAttributes.intersection(ignored))
        }
        pages.assign(blockStart..<blockStart + blockPages,
                     PageRecord(content: .present(pfn: base, attributes: merged), level: record.level, contiguous: true))
    }

    private mutating func swapOut(_ range: Range<UInt64>) {
        ensureBoundary(range.lowerBound)
        ensureBoundary(range.upperBound)
        let memory = self.memory
        flatten(range) { !$0.record.inHugepd && memory.kind(of: $0.record.content) == .anonymous }
        for run in pages.runs(in: range) where !run.record.inHugepd {
            switch memory.kind(of: run.record.content) {
            case .anonymous:
                guard case .present(_, let attributes) = run.record.content else { continue }
                let entry = EntryRules.swapEntry(slot: nextSwapSlot, for: attributes, format: format)
                pages.assign(run.start..<run.end, PageRecord(content: .nonPresent(entry), level: .pte))
                nextSwapSlot += run.count
            case .file: pages.remove(run.start..<run.end)
            case .zero, nil: continue
            }
        }
    }

    private mutating func swapIn(_ range: Range<UInt64>) throws(PageTableError) {
        let swapped = pages.runs(in: range).filter { if case .nonPresent(let entry) = $0.record.content, case .swap = entry.kind { true } else { false } }
        var frames = memory
        for run in swapped {
            for _ in run.start..<run.end {
                guard frames.allocateFolio(order: 0, kind: .anonymous) != nil else { throw .outOfMemory("no order-0 folio left for swap-in") }
            }
        }
        for run in swapped {
            guard case .nonPresent(let entry) = run.record.content else { continue }
            var first: UInt64?
            for _ in run.start..<run.end {
                guard let folio = memory.allocateFolio(order: 0, kind: .anonymous) else { continue }
                first = first ?? folio.pfn
            }
            // Order-0 folios come from a bump allocator: their frames are consecutive.
            pages.assign(run.start..<run.end, PageRecord(content: .present(pfn: first!, attributes: EntryRules.swappedIn(entry)), level: .pte))
        }
    }

    private mutating func startMigration(_ range: Range<UInt64>) {
        ensureBoundary(range.lowerBound)
        ensureBoundary(range.upperBound)
        let memory = self.memory
        flatten(range) { unit in
            guard let kind = memory.kind(of: unit.record.content), kind != .zero else { return false }
            return unit.record.contiguous || (!unit.record.inHugepd && unit.record.level < .pmd)
        }
        let format = self.format
        pages.update(range) { record in
            guard let kind = memory.kind(of: record.content), kind != .zero,
                  case .present(let pfn, let attributes) = record.content else { return record }
            var changed = record
            changed.content = .nonPresent(SwapEntry(kind: EntryRules.migrationKind(attributes, anonymous: kind == .anonymous),
                                                    offset: pfn, flags: EntryRules.migrationFlags(attributes, format: format)))
            return changed
        }
    }

    private mutating func finishMigration(_ range: Range<UInt64>) {
        ensureBoundary(range.lowerBound)
        ensureBoundary(range.upperBound)
        pages.update(range) { record in
            guard case .nonPresent(let entry) = record.content, entry.kind.isMigration else { return record }
            var changed = record
            changed.content = .present(pfn: entry.offset, attributes: EntryRules.restoredAttributes(entry))
            return changed
        }
    }

    /// Whether `convert` turns the unit holding `record` into non-present entries (the tree's rule).
    private static func converts(_ record: PageRecord, to conversion: ConversionKind, _ memory: PhysicalMemory) -> Bool {
        guard let kind = memory.kind(of: record.content), !record.inHugepd, case .present(_, let attributes) = record.content else { return false }
        switch conversion {
        case .devicePrivate: return kind == .anonymous
        case .deviceExclusive: return kind == .anonymous && attributes.contains(.writable)
        case .hwpoison: return kind == .anonymous || kind == .file
        }
    }

    private mutating func convert(_ range: Range<UInt64>, to conversion: ConversionKind) throws(PageTableError) {
        ensureBoundary(range.lowerBound)
        ensureBoundary(range.upperBound)
        // A device-private PMD leaf the range covers stays a PMD (v6.18's device-private THPs).
        func whole(_ unit: Unit) -> Bool {
            conversion == .devicePrivate && unit.record.level == .pmd && !unit.record.contiguous && !unit.record.inHugepd
                && range.contains(unit.pages.lowerBound) && unit.pages.upperBound <= range.upperBound
        }
        let memory = self.memory
        flatten(range) { Self.converts($0.record, to: conversion, memory) && !whole($0) }
        let converting = units(in: range).filter { Self.converts($0.record, to: conversion, memory) }
        if conversion == .devicePrivate {
            var frames = self.memory
            for unit in converting {
                guard frames.allocateSpecial(count: UInt64(unit.pages.count)) != nil else {
                    throw .outOfMemory("no device frames left for device-private entries")
                }
            }
        }
        for unit in converting {
            guard case .present(let pfn, let attributes) = unit.record.content else { continue }
            let entry: SwapEntry
            switch conversion {
            case .devicePrivate:
                guard let devicePFN = self.memory.allocateSpecial(count: UInt64(unit.pages.count)) else { continue }
                entry = EntryRules.devicePrivate(attributes, devicePFN: devicePFN, format: format)
            case .deviceExclusive:
                guard let exclusive = EntryRules.deviceExclusive(attributes, pfn: pfn, format: format) else { continue }
                entry = exclusive
            case .hwpoison:
                entry = SwapEntry(kind: .hwpoison, offset: pfn)
            }
            pages.assign(unit.pages, PageRecord(content: .nonPresent(entry), level: unit.record.level))
        }
    }

    private mutating func installMarker(_ range: Range<UInt64>, _ kind: MarkerKind) {
        if kind == .guardRegion { unmap(range) }
        var page = range.lowerBound
        for run in pages.runs(in: range) + [PageRun(start: range.upperBound, count: 0, record: PageRecord(content: .nonPresent(.marker([])), level: .pte))] {
            if run.start > page {
                place(.nonPresent(.marker(kind.bits)), at: page, count: run.start - page, maxLevel: .pte, contiguous: false, hugepd: .never)
            }
            if case .nonPresent(let entry) = run.record.content, let bits = entry.markerBits, run.count > 0 {
                pages.assign(run.start..<run.end, PageRecord(content: .nonPresent(.marker(bits.union(kind.bits), flags: entry.flags)), level: .pte))
            }
            page = run.end
        }
    }

    private mutating func age(_ range: Range<UInt64>) {
        for unit in units(in: range) {
            guard case .present = unit.record.content else { continue }
            pages.update(unit.pages) { $0.withAttributes { $0.subtracting(.young) } }
        }
    }

    private mutating func dirty(_ range: Range<UInt64>) {
        let written: LeafAttributes = format.supportsSoftDirty ? [.dirty, .young, .softDirty] : [.dirty, .young]
        for unit in units(in: range) {
            guard case .present(_, let attributes) = unit.record.content, attributes.contains(.writable),
                  !attributes.contains(.protNone) else { continue }
            pages.update(unit.pages) { $0.withAttributes { $0.union(written) } }
        }
    }

    private mutating func clearSoftDirty(_ range: Range<UInt64>) {
        guard format.supportsSoftDirty else { return }
        for unit in units(in: range) {
            pages.update(unit.pages) { record in
                var changed = record
                changed.content = EntryRules.softDirtyCleared(record.content)
                return changed
            }
        }
    }

    private mutating func move(_ range: Range<UInt64>, to destination: UInt64) {
        ensureBoundary(range.lowerBound)
        ensureBoundary(range.upperBound)
        let moving = units(in: range)
        pages.remove(range)
        unmap(destination..<destination + UInt64(range.count))
        for unit in moving {
            let record = unit.record
            let page = unit.pages.lowerBound - range.lowerBound + destination
            let content = EntryRules.moved(record.content, inHugepd: record.inHugepd, format: format)
            if case .present(let pfn, let attributes) = content, memory.isZeroFrame(pfn) {
                placeZeroPages(page..<page + UInt64(unit.pages.count), maxLevel: record.level, attributes: attributes)
                continue
            }
            place(content, at: page, count: UInt64(unit.pages.count),
                  maxLevel: record.inHugepd ? .pte : record.level, contiguous: record.contiguous,
                  hugepd: record.inHugepd ? .only(record.level) : .never)
        }
    }
}

extension PageRecord {
    /// The record with its present attributes changed by `change` (non-present records unchanged).
    func withAttributes(_ change: (LeafAttributes) -> LeafAttributes) -> PageRecord {
        guard case .present(let pfn, let attributes) = content else { return self }
        var changed = self
        changed.content = .present(pfn: pfn, attributes: change(attributes))
        return changed
    }
}

extension AbstractModel: VMAHost {
    /// The unit mapping `address`: its span, level and shape.
    package func vmaBoundaryUnit(at address: UInt64) -> (span: AddressRange, level: Level, inHugepd: Bool, contiguous: Bool)? {
        unit(at: format.pageNumber(address)).map {
            (AddressRange(start: $0.pages.lowerBound << UInt64(format.pageShift), end: $0.pages.upperBound << UInt64(format.pageShift)),
             $0.record.level, $0.record.inHugepd, $0.record.contiguous)
        }
    }

    /// Whether a page outside `range` is mapped.
    package func hasEntries(outside range: AddressRange) -> Bool {
        let first = format.pageNumber(range.start), last = format.pageNumber(range.end)
        guard let mapped = pages.firstMappedPage(atOrAfter: 0) else { return false }
        return mapped < first || pages.firstMappedPage(atOrAfter: last) != nil
    }

    /// Applies an entry operation through ``apply(_:)``, or, not `clipped`, as it is.
    package mutating func applyEntryOperation(_ operation: Operation, clipped: Bool) throws(PageTableError) {
        guard !clipped else { return try apply(operation) }
        try operation.validate(for: format)
        try perform(operation)
    }
}
