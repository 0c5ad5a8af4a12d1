import PageTable

/// The batched folio walker, in the shape of `folio_walk_start()` plus `folio_pte_batch()`
/// (`mm/pagewalk.c`, `mm/internal.h`): it yields folio runs directly, batching inside each PTE table.
///
/// At a present PTE it finds the folio once, bounds the batch by the table, the range and the
/// folio's end (the 2025 `max_nr` clamp), and extends it while the next PTE maps the next page with
/// the same bits but the ignored ones. A contiguous entry's block is read once for its young and
/// dirty; when the walk ignores young and dirty without merging them, later blocks of the batch
/// are checked by their first entry and the rest skipped, as `pte_batch_hint()` allows. It never
/// materialises per-page items.
///
/// Departures: there is no lock and no VMA, directory levels are walked recursively to reach PTE
/// tables (Linux's callers batch one PTE table at a time), and directory leaves and hugepd pages
/// join runs through the same batching rule.
public struct BatchedFolioWalker: FolioWalkDesign {
    /// `batched` (or the mutant's name when a fault is injected).
    public let name: String
    /// The injected fault; `.none` for the shipped design.
    package let fault: Fault

    /// Creates the design.
    public init() { self.init(fault: .none) }

    /// Creates the design with `fault` injected (a mutant).
    package init(fault: Fault) {
        self.fault = fault
        name = fault == .none ? "batched" : "mutant-\(fault.rawValue)"
    }

    /// The folio walk.
    @_specialize(exported: true, where R == DirectReader)
    public func walkFolios<R: TableReader>(_ reader: R, range: AddressRange, flags: FolioWalkFlags,
                                           _ visit: (FolioRun) -> Void) throws(PageTableError) {
        let format = reader.space.format
        let range = try range.validated(for: format)
        var builderFlags = flags
        if fault == .zeroPageReported { builderFlags.insert(.includeZeroPage) }
        if fault == .migrationWithoutFlag { builderFlags.insert(.includeMigration) }
        if fault == .mergeSkipped { builderFlags.remove(.mergeIgnored) }
        var walk = Walk(reader: reader, format: format, flags: flags, fault: fault,
                        builder: FolioRunBuilder(space: reader.space, flags: builderFlags))
        walk.directory(reader.root, level: .pgd, start: range.start, end: range.end, visit)
        walk.builder.finish(visit)
    }

    struct Walk<R: TableReader> {
        let reader: R
        let format: Format
        let flags: FolioWalkFlags
        let fault: Fault
        var builder: FolioRunBuilder

        mutating func directory(_ table: TableHandle, level: Level, start: UInt64, end: UInt64, _ visit: (FolioRun) -> Void) {
            let size = format.geometry(level).entrySize
            var address = start
            repeat {
                var next = Format.spanEnd(address, size: size, clampedTo: end)
                let index = format.index(of: address, at: level)
                let word = reader.read(table, index)
                let entry = format.decode(word, at: level, address: address)
                switch entry {
                case .none: break
                case .leaf(let pfn, let attributes) where attributes.contains(.contiguous):
                    // A contiguous block of directory leaves: one folio run piece for its part of the range.
                    let block = ContiguousBlock(reader, format: format, table: table, index: index, word: word, level: level)
                    next = Format.spanEnd(address, size: size * UInt64(block.count), clampedTo: end)
                    builder.add(.leaf(pfn: pfn, attributes: attributes.union(block.youngDirty)), range: AddressRange(start: address, end: next),
                                slotStart: Format.alignDown(address, size), level: level, inHugepd: false, table: table, visit)
                case .table(let pfn):
                    guard let child = reader.table(atPFN: pfn) else { break }
                    let lower = format.realLevel(below: level)!
                    if lower == .pte {
                        ptes(child, start: address, end: fault == .noTableClamp ? end : next, visit)
                    } else {
                        directory(child, level: lower, start: address, end: next, visit)
                    }
                case .hugepd(let pfn, let shift):
                    guard let child = reader.table(atPFN: pfn) else { break }
                    hugepd(child, level: level, pageSize: 1 << UInt64(shift), start: address, end: next, visit)
                default:
                    builder.add(entry, range: AddressRange(start: address, end: next), slotStart: Format.alignDown(address, size),
                                level: level, inHugepd: false, table: table, visit)
                }
                address = next
            } while address != end
        }

        mutating func hugepd(_ table: TableHandle, level: Level, pageSize: UInt64, start: UInt64, end: UInt64, _ visit: (FolioRun) -> Void) {
            var address = start
            repeat {
                let next = Format.spanEnd(address, size: pageSize, clampedTo: end)
                let entry = format.decode(reader.read(table, format.hugepdIndex(of: address, at: level)), at: level, inHugepd: true,
                                          address: address)
                builder.add(entry, range: AddressRange(start: address, end: next), slotStart: Format.alignDown(address, pageSize),
                            level: level, inHugepd: true, table: table, visit)
                address = next
            } while address != end
        }

        /// One PTE table: batches of consecutive pages of one folio.
        ///
        /// The entry that ends a batch starts the next one: its word (and its block's young and
        /// dirty, when read) is carried over rather than read again.
        mutating func ptes(_ table: TableHandle, start: UInt64, end: UInt64, _ visit: (FolioRun) -> Void) {
            let pageShift = UInt64(format.pageShift)
            var ignored = flags.ignoredAttributes
            switch fault {
            case .attributeChangeIgnored: ignored.formUnion([.writable, .softDirty])
            case .youngDirtyCompared: ignored.subtract([.young, .dirty])
            case .youngDirtyIgnored: ignored.formUnion([.young, .dirty])
            default: break
            }
            let mayHint = fault == .hintWithoutPermission || (ignored.isSuperset(of: [.young, .dirty]) && !flags.contains(.mergeIgnored))
            // The contiguous bit is a hint about the table, not an attribute of the pages: never compared.
            ignored.insert(.contiguous)
            // Word batching needs young and dirty ignored (a block's entries differ in them) and no merge.
            let wordPattern = ignored.isSuperset(of: [.young, .dirty]) && !flags.contains(.mergeIgnored)
                ? format.batchPattern(ignoring: ignored) : nil
            let contiguousBit: UInt64 = format.architecture == .arm64 ? 1 << 52 : 0
            let blockEntries = format.geometry(.pte).contiguousEntries
            let firstIndex = format.index(of: start, at: .pte)
            let lastIndex = firstIndex + Int((end - start) >> pageShift)
            var index = firstIndex
            var carried: (index: Int, word: UInt64, block: ContiguousBlock?)?
            while index < lastIndex {
                let address = start + UInt64(index - firstIndex) << pageShift
                let word = carried?.index == index ? carried!.word : reader.read(table, index)
                let carriedBlock = carried?.index == index ? carried!.block : nil
                carried = nil
                let entry = format.decode(word, at: .pte, address: address)
                guard case .leaf(let pfn, var attributes) = entry, !attributes.contains(.special),
                      let folio = builder.folio(containing: pfn), folio.kind != .zero
                else {
                    builder.add(entry, range: AddressRange(start: address, end: address + (1 << pageShift)), slotStart: address,
                                level: .pte, inHugepd: false, table: table, visit)
                    index += 1
                    continue
                }
                // The batch may not pass the table, the range or the folio's end (the max_nr clamp).
                let maxEnd = fault == .noFolioClamp ? lastIndex : min(lastIndex, index + Int(folio.pfn + folio.pageCount - pfn))
                var blockEnd = index + 1
                if attributes.contains(.contiguous) {
                    let block = carriedBlock ?? ContiguousBlock(reader, format: format, table: table, index: index, word: word, level: .pte)
                    attributes.formUnion(block.youngDirty)
                    blockEnd = block.first + block.count
                }
                var merged = attributes
                var batchEnd = index + 1
                if let pattern = wordPattern, !attributes.contains(.protNone), !(format.architecture == .riscv64 && attributes.contains(.contiguous)) {
                    // The fast loop of folio_pte_batch(): raw words, ignored bits masked, one stride a page.
                    // Young and dirty are ignored here, so a block's other entries need no reading.
                    batchEnd = min(max(batchEnd, blockEnd), maxEnd)
                    var expected = (word & pattern.mask) &+ UInt64(batchEnd - index) &* pattern.stride
                    while batchEnd < maxEnd {
                        let next = reader.read(table, batchEnd)
                        guard next & pattern.mask == expected else {
                            // Not the next word of the pattern: the exact loop below decides (a riscv
                            // Svnapot block of the same folio, for one, stores its base pfn).
                            carried = (batchEnd, next, nil)
                            break
                        }
                        let step = mayHint && next & contiguousBit != 0 ? min(blockEntries, maxEnd - batchEnd) : 1
                        batchEnd += step
                        expected &+= UInt64(step) &* pattern.stride
                    }
                }
                do {
                while batchEnd < maxEnd {
                    if batchEnd < blockEnd {
                        // Inside a block already checked: its entries differ from its first only in pfn.
                        batchEnd += 1
                        continue
                    }
                    let nextWord = carried?.index == batchEnd ? carried!.word : reader.read(table, batchEnd)
                    carried = nil
                    let nextAddress = address + UInt64(batchEnd - index) << pageShift
                    guard case .leaf(let nextPFN, var next) = format.decode(nextWord, at: .pte, address: nextAddress) else {
                        carried = (batchEnd, nextWord, nil)
                        break
                    }
                    var nextBlock: ContiguousBlock?
                    if next.contains(.contiguous) {
                        if mayHint {
                            blockEnd = batchEnd + blockEntries
                        } else {
                            let block = ContiguousBlock(reader, format: format, table: table, index: batchEnd, word: nextWord, level: .pte)
                            next.formUnion(block.youngDirty)
                            blockEnd = block.first + block.count
                            nextBlock = block
                        }
                    } else {
                        blockEnd = batchEnd + 1
                    }
                    guard nextPFN == pfn + UInt64(batchEnd - index), next.subtracting(ignored) == attributes.subtracting(ignored) else {
                        carried = (batchEnd, nextWord, nextBlock)
                        break
                    }
                    merged.formUnion(next)
                    batchEnd += 1
                }
                }
                let merge = flags.contains(.mergeIgnored) && fault != .mergeSkipped
                let reported = merge ? merged.intersection(ignored).union(attributes) : attributes
                // A batch is a run as it stands: the loop above decided where it ends.
                builder.finish(visit)
                visit(FolioRun(range: AddressRange(start: address, end: address + UInt64(batchEnd - index) << pageShift),
                               folio: folio.id, firstPage: pfn - folio.pfn, level: .pte, inHugepd: false,
                               attributes: reported.subtracting(.contiguous)))
                index = batchEnd
            }
        }
    }
}
