import PageTable

/// The folio-batched writer, in Linux's shape since folio batching: the shared level loop
/// (``WriterWalk``) hands it PTE ranges, and it treats each run of a large folio's pages as one
/// batch (`folio_pte_batch()`): `zap_present_folio_ptes()` clears the batch and reports it once
/// (v6.9), `change_pte_range()` reads the batch with `modify_prot_start_ptes()` — young and dirty
/// ORed across it — and writes it back with `modify_prot_commit_ptes()` (v6.17), and
/// `copy_present_ptes()` copies the batch (v6.9). Set-entries writes the order's entry or block.
public struct BatchedWriter: WriterDesign {
    /// `folio-batched` (or the mutant's name when a fault is injected).
    public let name: String
    /// The injected fault; `.none` for the shipped design.
    package let fault: Fault

    /// Creates the design.
    public init() { self.init(fault: .none) }

    /// Creates the design with `fault` injected (a mutant).
    package init(fault: Fault) {
        self.fault = fault
        name = fault.designName(shipped: "folio-batched")
    }

    /// It performs every writer operation.
    public func serves(_ operation: WriterOperation) -> Bool { true }

    /// Performs `view.operation` a folio batch at a time.
    public func write(_ view: inout WriterView) {
        WriterWalk.perform(&view, zap: { Zap(dropMarkers: $0, fault: fault) }, protect: { Protect(protection: $0) },
                           copy: { Copy(options: $0) }, keepPartialBlocks: fault == .contiguousBitKeptOnPartialChange)
    }

    /// `zap_pte_range()` → `zap_present_ptes()`, batched by folio.
    struct Zap: WriterBody {
        let dropMarkers: Bool
        let fault: Fault
        mutating func directoryTerminal(_ view: inout WriterView, _ terminal: WriterTerminal) -> Bool {
            WriterSteps.zapTerminal(&view, terminal)
            return true
        }
        mutating func pteEntries(_ view: inout WriterView, table: TableID, from: Int, to: Int, base: UInt64, destination: TableID?) {
            let format = view.format
            var index = from
            while index < to {
                let slot = SlotRef(table: table, index: index)
                let word = view.word(slot)
                let address = base + UInt64(index) * format.pageSize
                guard word != 0 else {
                    index += 1
                    continue
                }
                guard case .leaf(let pfn, let attributes) = format.decode(word, at: .pte, address: address) else {
                    WriterSteps.zapPTE(&view, slot, address: address, dropMarkers: dropMarkers, format: format)
                    index += 1
                    continue
                }
                // The small-folio path first, as zap_present_ptes() keeps it (one lookup, no batch).
                let normal = view.normalFolio(pfn, attributes: attributes)
                guard let folio = normal, folio.pageCount > 1 else {
                    WriterSteps.zapPresentPTE(&view, slot, pfn: pfn, attributes: attributes, folio: normal)
                    index += 1
                    continue
                }
                // get_and_clear_full_ptes(): young and dirty ORed across the batch.
                let count = WriterSteps.batchLength(view, table: table, from: index, to: to, word: word, pfn: pfn, folio: folio,
                                                    ignoring: [.young, .dirty, .softDirty, .writable], format: format)
                var merged = attributes.intersection([.young, .dirty])
                for offset in 0..<count {
                    let batchSlot = SlotRef(table: table, index: index + offset)
                    merged.formUnion(format.youngAndDirty(ofLeaf: view.word(batchSlot)))
                    view.setWord(batchSlot, 0)
                }
                if !(fault == .rssMissedForBatch && count > 1) { view.ledger.addRSS(-count, for: folio.kind) }
                view.ledger.addPageMaps(-1, pfn: pfn, count: fault == .mapcountOffByBatch && count > 1 ? count - 1 : count)
                view.ledger.addReferences(-count, to: folio.id)
                WriterView.zapMarks(attributes.union(merged), folio: folio, hugetlb: false, into: &view.ledger)
                index += count
            }
        }
    }

    /// `change_pte_range()` with `modify_prot_start_ptes()` / `modify_prot_commit_ptes()` batches
    /// (soft-dirty and write respected, `FPB_RESPECT_SOFT_DIRTY | FPB_RESPECT_WRITE`).
    struct Protect: WriterBody {
        let protection: Protection
        mutating func directoryTerminal(_ view: inout WriterView, _ terminal: WriterTerminal) -> Bool {
            WriterSteps.protectTerminal(&view, terminal, protection)
        }
        mutating func pteEntries(_ view: inout WriterView, table: TableID, from: Int, to: Int, base: UInt64, destination: TableID?) {
            let format = view.format
            var index = from
            while index < to {
                let slot = SlotRef(table: table, index: index)
                let word = view.word(slot)
                let address = base + UInt64(index) * format.pageSize
                guard case .leaf(let pfn, let attributes) = format.decode(word, at: .pte, address: address),
                      !(protection == .none && attributes.contains(.contiguous)) else {
                    if WriterSteps.protectPTE(&view, slot, address: address, protection, format: format) { index += 1 }
                    continue
                }
                guard let folio = view.normalFolio(pfn, attributes: attributes), folio.pageCount > 1 else {
                    WriterSteps.protectPresentPTE(&view, slot, pfn: pfn, attributes: attributes, protection, format: format)
                    index += 1
                    continue
                }
                let count = WriterSteps.batchLength(view, table: table, from: index, to: to, word: word, pfn: pfn, folio: folio,
                                                    ignoring: [.young, .dirty], format: format)
                var merged = attributes.intersection([.young, .dirty])
                for offset in 1..<max(count, 1) {
                    merged.formUnion(format.youngAndDirty(ofLeaf: view.word(SlotRef(table: table, index: index + offset))))
                }
                let changed = EntryRules.protected(attributes.subtracting([.young, .dirty]).union(merged), protection, isZeroPage: false)
                for offset in 0..<count {
                    view.setWord(SlotRef(table: table, index: index + offset),
                                 format.encode(.leaf(pfn: pfn + UInt64(offset), attributes: changed), at: .pte))
                }
                index += count
            }
        }
    }

    /// `copy_pte_range()` with `copy_present_ptes()` batches.
    struct Copy: WriterBody {
        let options: CopyOptions
        mutating func directoryTerminal(_ view: inout WriterView, _ terminal: WriterTerminal) -> Bool {
            WriterSteps.copyTerminal(&view, terminal, options: options)
        }
        mutating func pteEntries(_ view: inout WriterView, table: TableID, from: Int, to: Int, base: UInt64, destination: TableID?) {
            guard let destination else { return }
            let format = view.format
            var index = from
            while index < to {
                index += WriterSteps.copyPTEBatch(&view, table: table, childTable: destination, index: index, end: to, base: base,
                                                  options: options, format: format)
            }
        }
    }
}
