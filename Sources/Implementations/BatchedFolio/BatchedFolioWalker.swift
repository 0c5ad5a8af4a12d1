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
/// Raced, each PTE table is batched under its lock (`pte_offset_map_lock()`), as Linux's callers of
/// `folio_pte_batch()` do; when the lock fails the PMD changed, and its slot is read again.
///
/// Departures: directory levels are walked recursively to reach PTE tables (Linux's callers batch
/// one PTE table at a time), and directory leaves and hugepd pages join runs through the same
/// batching rule.
public struct BatchedFolioWalker: FolioWalkBody {
    /// `batched` (or the mutant's name when a fault is injected).
    public let name: String
    /// The injected fault; `.none` for the shipped design.
    package let fault: Fault

    /// Creates the design.
    public init() { self.init(fault: .none) }

    /// Creates the design with `fault` injected (a mutant).
    package init(fault: Fault) {
        self.fault = fault
        name = fault.designName(shipped: "batched")
    }

    /// The folio walk (`folio_walk_start()` and `folio_pte_batch()`'s view): the body, specialised here for WalkCheck's readers.
    public func walkFolios<R: TableReader>(_ reader: R, range: AddressRange, flags: FolioWalkFlags,
                                           _ visit: (FolioRun) -> Void) throws(PageTableError) {
        if fault == .batchAcrossVMA { return try walkFoliosAcrossVMAEnds(reader, range: range, flags: flags, visit) }
        try walkFoliosOpened(reader, range: range, flags: flags, visit)
    }

    /// The folio walk with `reader`.
    public func walkFoliosBody<R: TableReader>(_ reader: R, range: AddressRange, flags: FolioWalkFlags,
                                        _ visit: (FolioRun) -> Void) throws(PageTableError) {
        let format = reader.format
        let range = try range.validated(for: format)
        var builderFlags = flags
        if fault == .zeroPageReported { builderFlags.insert(.includeZeroPage) }
        if fault == .migrationWithoutFlag { builderFlags.insert(.includeMigration) }
        if fault == .mergeSkipped { builderFlags.remove(.mergeIgnored) }
        var walk = Walk(reader: reader, format: format, flags: flags, fault: fault,
                        rules: PTERules(format: format, flags: flags, fault: fault),
                        builder: FolioRunBuilder(reader, flags: builderFlags))
        walk.directory(reader.root, level: format.rootLevel, start: range.start, end: range.end, visit)
        walk.builder.finish(visit)
    }

    struct Walk<R: TableReader> {
        let reader: R
        let format: Format
        let flags: FolioWalkFlags
        let fault: Fault
        /// How PTEs are batched, worked out once a walk.
        let rules: PTERules
        var builder: FolioRunBuilder
        /// How far past a batch's folio the next chain is looked for and scanned (`wordBatches`),
        /// kept from table to table: 0 before any chain and after a chain broke, when a folio is
        /// scanned on its own and the PTE past it read; a folio's length once that PTE continued
        /// the chain; twice as far after each stretch. So a layout that breaks the chain at every
        /// folio (frames descending with addresses) reads one PTE past each folio in vain, and a
        /// long chain that ends inside a table is taken in few stretches. While it is not 0, a chain
        /// that fills the rest of a table is scanned at once.
        var chainStretch = 0
        /// Whether the mutant dropped the PTE lock of the table it batches in.
        var unlocked = false

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
                    // Read without a lock: read again until whole (as contpte_ptep_get_lockless()).
                    let block = ContiguousBlock(reader, format: format, table: table, index: index, word: word, level: level,
                                                verifying: address)
                    guard block.settled else { continue }
                    next = Format.spanEnd(address, size: size * UInt64(block.count), clampedTo: end)
                    builder.add(.leaf(pfn: pfn, attributes: attributes.union(block.youngDirty)), range: AddressRange(start: address, end: next),
                                slotStart: Format.alignDown(address, size), level: level, inHugepd: false, table: table, visit)
                case .table(let pfn) where format.realLevel(below: level) == .pte:
                    // Batches are taken under the PTE lock; when it fails, the PMD changed: read it again.
                    guard let child = reader.lockPTETable(atPFN: pfn, parent: table, index, expecting: word) else { continue }
                    ptes(child, start: address, end: fault == .noTableClamp ? end : next, visit)
                    if fault == .reschedUnderLock { reader.mayReschedule() }
                    if !unlocked { reader.unlockPTETable(child) }
                    unlocked = false
                    // Between tables, with nothing held, the walker may sleep (as zap_pmd_range() does).
                    if fault != .reschedUnderLock { reader.mayReschedule() }
                case .table(let pfn):
                    guard let child = reader.table(atPFN: pfn) else { continue }
                    directory(child, level: format.realLevel(below: level)!, start: address, end: next, visit)
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
        /// dirty, when read) is carried over rather than read again. Index and address arithmetic
        /// wraps (`&+`): indices stay inside one table, so it cannot overflow.
        mutating func ptes(_ table: TableHandle, start: UInt64, end: UInt64, _ visit: (FolioRun) -> Void) {
            let pageShift = UInt64(format.pageShift)
            let firstIndex = format.index(of: start, at: .pte)
            let lastIndex = firstIndex &+ Int(truncatingIfNeeded: (end &- start) &>> pageShift)
            var index = firstIndex
            // The word at `index` (at `batchEnd` inside a batch) when the batch before already read it.
            var carriedWord: UInt64?
            var carriedBlock: ContiguousBlock?
            while index < lastIndex {
                let address = start &+ UInt64(truncatingIfNeeded: index &- firstIndex) &<< pageShift
                let word = carriedWord ?? reader.read(table, index)
                let firstBlock = carriedBlock
                carriedWord = nil
                carriedBlock = nil
                let entry = format.decode(word, at: .pte, address: address)
                guard case .leaf(let pfn, var attributes) = entry, !attributes.contains(.special),
                      let folio = builder.folio(containing: pfn), folio.kind != .zero
                else {
                    builder.add(entry, range: AddressRange(start: address, end: address &+ (1 &<< pageShift)), slotStart: address,
                                level: .pte, inHugepd: false, table: table, visit)
                    index &+= 1
                    continue
                }
                var batch = WordBatch(index: index, address: address, word: word, pfn: pfn, folio: folio)
                if fault == .batchExtendedUnlocked, !unlocked {
                    reader.unlockPTETable(table)
                    unlocked = true
                }
                var blockEnd = index &+ 1
                // Whether the first block's young and dirty add to its first word's own.
                var blockAddsBits = false
                let contiguous = attributes.contains(.contiguous)
                if contiguous {
                    let block = firstBlock ?? ContiguousBlock(reader, format: format, table: table, index: index, word: word, level: .pte)
                    blockAddsBits = !attributes.isSuperset(of: block.youngDirty)
                    attributes.formUnion(block.youngDirty)
                    blockEnd = block.first &+ block.count
                }
                // A chained folio's first block, completed after the chain's scan stopped inside it.
                var completedBlock: ContiguousBlock?
                var merged = attributes
                var batchEnd = min(blockEnd, batch.end(limit: lastIndex, clampedToFolio: rules.clampToFolio))
                if let pattern = rules.wordPattern, !attributes.contains(.protNone), rules.patternCoversBlocks || !contiguous {
                    // Young and dirty are ignored here, so a block's other entries need no reading. A word
                    // off the pattern is left to the exact loop below (a riscv Svnapot block of the same
                    // folio, for one). Past a first block, blocks are compared every bit: a run's
                    // attributes are its first entry's block's young and dirty ORed, so a later folio
                    // joins a chain only if its whole block is the first word moved on, and the chain
                    // starts only if the first block's OR added nothing to its first word.
                    let firstFolio = batch.index
                    let scanned = wordBatches(table, &batch, attributes: attributes, scanFrom: batchEnd, limit: lastIndex,
                                              pattern: contiguous ? BatchPattern(mask: .max, stride: pattern.stride) : pattern,
                                              chained: !contiguous || !blockAddsBits, visit)
                    batchEnd = scanned.end
                    carriedWord = scanned.mismatch
                    if contiguous, batch.index != firstFolio {
                        // The chain entered this folio, and its scan stopped: when the stop is inside the
                        // folio's first block, the block was not the first word moved on throughout, and
                        // its young and dirty (the run's, `contpte_ptep_get()`'s OR) are read here.
                        completedBlock = chainedFolioBlock(of: batch, table: table, scannedTo: batchEnd, stopWord: carriedWord)
                        if let block = completedBlock { attributes.formUnion(block.youngDirty) }
                    }
                }
                let maxEnd = batch.end(limit: lastIndex, clampedToFolio: rules.clampToFolio)
                while batchEnd < maxEnd {
                    if batchEnd < blockEnd {
                        // Inside a block already checked: its entries differ from its first only in pfn.
                        batchEnd &+= 1
                        continue
                    }
                    let nextWord = carriedWord ?? reader.read(table, batchEnd)
                    carriedWord = nil
                    let nextAddress = batch.address &+ UInt64(truncatingIfNeeded: batchEnd &- batch.index) &<< pageShift
                    guard case .leaf(let nextPFN, var next) = format.decode(nextWord, at: .pte, address: nextAddress) else {
                        carriedWord = nextWord
                        break
                    }
                    var nextBlock: ContiguousBlock?
                    if next.contains(.contiguous) {
                        if rules.mayHint {
                            // The rest of this entry's block (a scan comparing every bit may stop inside one).
                            blockEnd = (batchEnd & ~(rules.blockEntries &- 1)) &+ rules.blockEntries
                        } else {
                            let block = ContiguousBlock(reader, format: format, table: table, index: batchEnd, word: nextWord, level: .pte)
                            next.formUnion(block.youngDirty)
                            blockEnd = block.first &+ block.count
                            nextBlock = block
                        }
                    } else {
                        blockEnd = batchEnd &+ 1
                    }
                    guard nextPFN == batch.pfn &+ UInt64(truncatingIfNeeded: batchEnd &- batch.index),
                          next.subtracting(rules.ignored) == attributes.subtracting(rules.ignored)
                    else {
                        carriedWord = nextWord
                        // The next batch starts inside a block read already: its young and dirty are carried, not read again.
                        carriedBlock = nextBlock ?? completedBlock.flatMap { batchEnd < $0.first &+ $0.count ? $0 : nil }
                        break
                    }
                    merged.formUnion(next)
                    batchEnd &+= 1
                }
                emit(batch, end: batchEnd, attributes: rules.merge ? attributes.union(merged.intersection(.mergedByBatch)) : attributes, visit)
                index = batchEnd
            }
        }

        /// The first block of `batch`'s folio, which a chain entered and whose scan stopped at `stop`
        /// (the word there, `stopWord`, read when the scan read it), or nil when the stop is past the
        /// block. The entries before the stop are the batch's first word moved on, every bit; those
        /// after it are read here, once, for the young and dirty the run takes from its first
        /// entry's block (`contpte_ptep_get()`).
        private func chainedFolioBlock(of batch: WordBatch, table: TableHandle, scannedTo stop: Int, stopWord: UInt64?) -> ContiguousBlock? {
            let count = rules.blockEntries
            let first = batch.index & ~(count &- 1)
            guard stop < first &+ count else { return nil }
            var bits = format.youngAndDirty(ofLeaf: batch.word)
            var next = stop
            if let stopWord {
                bits.formUnion(format.youngAndDirty(ofLeaf: stopWord))
                next &+= 1
            }
            while next < first &+ count {
                bits.formUnion(format.youngAndDirty(ofLeaf: reader.read(table, next)))
                next &+= 1
            }
            return ContiguousBlock(first: first, count: count, youngDirty: bits)
        }

        /// The batches of the word-pattern path, from `batch` on: the fast loop of `folio_pte_batch()`
        /// over it and, when `chained`, each time it reaches its folio's end with the next folio in
        /// frame order starting there and the next PTE being the batch's first word moved on by whole
        /// pages (so every other bit, and every attribute, equal), the batch reported and the next
        /// folio's started without decoding. Returns where the scan of the last batch (left in
        /// `batch`, not reported: the exact loop may extend it) ended, and the word that stopped it,
        /// if one was read.
        ///
        /// Once a folio's next PTE has continued its word into the next folio (`chainStretch` not 0),
        /// a chain of folios is scanned as one: the folios that follow one another in frame
        /// order are found in the folio array (no table reads), and their PTEs compared with the
        /// batch's first word moved on page by page, every bit, in one scan. Up to the first word
        /// that differs, every folio boundary meets the chain's rule, so those folios are reported
        /// without a read or a compare of their own. A word that differs only in ignored bits (or
        /// carries the hint) is a stop, not an end: the scan goes on with the pattern to its folio's end.
        @inline(never)
        private mutating func wordBatches(_ table: TableHandle, _ batch: inout WordBatch, attributes: LeafAttributes,
                                          scanFrom first: Int, limit: Int, pattern: BatchPattern, chained: Bool,
                                          _ visit: (FolioRun) -> Void) -> BatchScan {
            // The batch is kept in locals and written back once: the loop runs once a folio.
            var current = batch
            defer {
                batch = current
                builder.remember(current.folio)
            }
            // The folio array alone: a copy of the whole memory (three arrays) cost a retain and a
            // release of each a call, which a layout that breaks the chain pays a folio.
            let folios = builder.memory.folios
            let pageShift = UInt64(format.pageShift)
            let everyBit = BatchPattern(mask: .max, stride: pattern.stride)
            var scanStart = first
            // A run the builder holds (from unbatched entries) goes before this batch, so the
            // batches below are reported without asking again.
            builder.finish(visit)
            while true {
                var end = current.end(limit: limit, clampedToFolio: rules.clampToFolio)
                // Right after a chain broke (or before any chain), the folio is scanned on its own
                // below, and the chain is looked for only once the next folio's first PTE has continued
                // it: a layout that breaks the chain at every folio (frames descending with addresses)
                // then costs a scan of each folio and one read past it, not a failed chain scan.
                if chainStretch != 0, chained, rules.clampToFolio, end < limit {
                    var stretchEnd = limit
                    var chainEnd = Self.chainEnd(of: current, limit: limit, builder.memory)
                    if chainEnd < limit {
                        // The chain ends inside the table: scanned a stretch at a time, the rest of
                        // the table at once only when the chain fills it.
                        let stretch = chainStretch
                        chainStretch = min(stretch &* 2, Self.longestStretch)
                        stretchEnd = min(limit, end &+ stretch)
                        chainEnd = min(chainEnd, stretchEnd)
                    }
                    if chainEnd > end {
                        let exact = reader.scanBatch(table, from: scanStart, to: chainEnd,
                                                     expecting: current.word(at: scanStart, stride: pattern.stride), everyBit)
                        // Every boundary before the stop continues the batch's word: the chain holds there.
                        // (The mutant's off-by-one: a stop at a folio's first PTE taken as inside the folio.)
                        let through = fault == .chainPastStop && exact.mismatch != nil ? exact.end &+ 1 : exact.end
                        if end < through {
                            current = reportChain(current, end: end, through: through, attributes: attributes,
                                                  stride: pattern.stride, folios, visit)
                            end = current.end(limit: limit, clampedToFolio: true)
                        }
                        guard let word = exact.mismatch else {
                            // The stretch's end: the chain may go on (if not, the step below finds out).
                            if chainEnd == stretchEnd, stretchEnd < limit {
                                scanStart = chainEnd
                                continue
                            }
                            return exact
                        }
                        // At a folio's first PTE that does not continue the word, or off the pattern: the chain broke.
                        guard exact.end < end, word & pattern.mask == current.patternWord(at: exact.end, pattern) else {
                            chainStretch = 0
                            return exact
                        }
                        // Inside a folio, on the pattern: the step exactScan would take there.
                        scanStart = exact.end &+ (word & pattern.hintBit == 0 ? 1 : min(pattern.blockEntries, end &- exact.end))
                    }
                }
                let scanned = reader.scanBatch(table, from: scanStart, to: end, expecting: current.patternWord(at: scanStart, pattern), pattern)
                guard scanned.mismatch == nil, chained, scanned.end < limit else { return scanned }
                let next = reader.read(table, scanned.end)
                let following = current.folio.id.rawValue &+ 1
                guard next == current.word(at: scanned.end, stride: pattern.stride), following < folios.count,
                      folios[following].startsBackToBack(at: current.folio.endPFN)
                else {
                    chainStretch = 0
                    // The chain broke, but when the next PTE starts a batch exactly as this one did
                    // (a folio elsewhere in frame order, mapped with the same attributes), the batch
                    // is reported and the next one scanned here, as the table loop would after a
                    // decode of its own: a layout that breaks the chain at every folio pays neither
                    // this call nor the table loop's set-up a folio.
                    guard let started = batchStarting(at: scanned.end, word: next, after: current, attributes: attributes) else {
                        return BatchScan(end: scanned.end, mismatch: next)
                    }
                    report(current, end: scanned.end, attributes: attributes, visit)
                    current = started
                    scanStart = scanned.end &+ 1
                    continue
                }
                // The chain goes on: from here it is looked for beyond one folio.
                if chainStretch == 0 { chainStretch = scanned.end &- current.index }
                report(current, end: scanned.end, attributes: attributes, visit)
                current = current.following(at: scanned.end, folio: folios[following], stride: pattern.stride, pageShift: pageShift)
                scanStart = scanned.end &+ 1
            }
        }

        /// The batch the PTE at `index` holding `word` starts, when the table loop would start one
        /// there with `attributes` unchanged: a present, plain (not contiguous) leaf with exactly the
        /// attributes of the batch before (`previous`), of a folio that is not the zero page. Nil
        /// otherwise, and the table loop decides.
        ///
        /// A word that differs from the batch's first only in its frame bits has its attributes, and
        /// its pfn is read from those bits (``Format/pteFrameField``); any other word is decoded.
        @inline(__always)
        private mutating func batchStarting(at index: Int, word: UInt64, after previous: WordBatch,
                                            attributes: LeafAttributes) -> WordBatch? {
            guard !attributes.contains(.contiguous) else { return nil }
            let address = previous.address &+ UInt64(truncatingIfNeeded: index &- previous.index) &<< UInt64(format.pageShift)
            let pfn: UInt64
            if rules.frameField != 0, (word ^ previous.word) & ~rules.frameField == 0 {
                pfn = (word & rules.frameField) &>> rules.frameShift
            } else {
                guard case .leaf(let decodedPFN, let decoded) = format.decode(word, at: .pte, address: address), decoded == attributes
                else { return nil }
                pfn = decodedPFN
            }
            guard let folio = builder.folio(containing: pfn), folio.kind != .zero else { return nil }
            return WordBatch(index: index, address: address, word: word, pfn: pfn, folio: folio)
        }

        /// The longest stretch of entries a chain is looked for and scanned in at a time: a 4K-page
        /// PTE table's.
        private static var longestStretch: Int { 512 }

        /// Where the chain of folios from `batch`'s ends in the table: each next folio in the array
        /// starting where the one before ends, in frame order (``PhysicalMemory/backToBackEnd(of:)``,
        /// an index kept as folios are allocated), clamped to `limit`. Reads no table.
        ///
        /// Following the folios one by one cost about a quarter of the floor's time on `64k-folios`
        /// though 14 instructions a folio, and a binary search for the last folio took as long
        /// (BENCHMARKS.md).
        @inline(__always)
        private static func chainEnd(of batch: WordBatch, limit: Int, _ memory: PhysicalMemory) -> Int {
            let room = UInt64(truncatingIfNeeded: limit &- batch.index)
            return batch.index &+ Int(truncatingIfNeeded: min(room, memory.backToBackEnd(of: batch.folio.id) &- batch.pfn))
        }

        /// Reports `batch`, which ends at `end`, and each folio after it that ends before `stop`:
        /// the chain ``chainEnd(of:limit:_:)`` found, whose PTEs continue the batch's word through
        /// `stop`. Returns the batch of the folio at `stop` or past it (not reported).
        ///
        /// The loop keeps addresses, not indices, so that little lives across the call of `visit`:
        /// the folio's slot, the run's end and the stop (`limit` needs no clamp here: a folio that
        /// reaches past it reaches past `stop`). The run is updated in place in a temporary
        /// allocation, so the fields a chain does not change are constants to the compiler, not
        /// values reloaded before each call (140 → 136.5 instructions a folio, BENCHMARKS.md).
        @inline(__always)
        private func reportChain(_ batch: WordBatch, end: Int, through stop: Int, attributes: LeafAttributes,
                                 stride: UInt64, _ folios: [Folio], _ visit: (FolioRun) -> Void) -> WordBatch {
            let pageShift = UInt64(format.pageShift)
            let stopAddress = batch.address &+ UInt64(truncatingIfNeeded: stop &- batch.index) &<< pageShift
            var id = batch.folio.id.rawValue
            return withUnsafeTemporaryAllocation(of: FolioRun.self, capacity: 1) { slot in
                let run = slot.baseAddress!
                run.initialize(to: batch.run(end: end, attributes: attributes, pageShift: pageShift))
                return folios.withUnsafeBufferPointer { folios in
                    while true {
                        visit(run.pointee)
                        id &+= 1
                        let start = run.pointee.range.end
                        // The folio's pageCount << pageShift, in one shift.
                        let next = start &+ 1 &<< (UInt64(truncatingIfNeeded: folios[id].order) &+ pageShift)
                        guard next < stopAddress else { break }
                        run.pointee.range = AddressRange(start: start, end: next)
                        run.pointee.folio = FolioID(rawValue: id)
                        run.pointee.firstPage = 0
                    }
                    let index = batch.index &+ Int(truncatingIfNeeded: (run.pointee.range.end &- batch.address) &>> pageShift)
                    return batch.following(at: index, folio: folios[id], stride: stride, pageShift: pageShift)
                }
            }
        }

        /// Reports `batch` up to `end` with `attributes`: a run as it stands, the loops having decided
        /// where it ends. A run the builder holds (from unbatched entries) goes first.
        @inline(__always)
        private mutating func emit(_ batch: WordBatch, end: Int, attributes: LeafAttributes, _ visit: (FolioRun) -> Void) {
            builder.finish(visit)
            report(batch, end: end, attributes: attributes, visit)
        }

        /// Reports `batch` up to `end` with `attributes`, the builder known to hold no run.
        @inline(__always)
        private func report(_ batch: WordBatch, end: Int, attributes: LeafAttributes, _ visit: (FolioRun) -> Void) {
            visit(batch.run(end: end, attributes: attributes, pageShift: UInt64(format.pageShift)))
        }
    }
}
