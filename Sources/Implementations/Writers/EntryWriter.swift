import PageTable

/// The per-entry writer, in the shape of `walk_page_range()` with `pXd_entry` callbacks: the
/// shared level loop (``WriterWalk``) hands it every PTE, one at a time, and every directory
/// terminal; it zaps, changes protection, copies (its PTE callback writes the child's entry in the
/// child's table, allocated on the way down) and sets entries one slot at a time. Linux's writers
/// before folio batching (v6.8 and earlier for zap and fork, v6.16 for mprotect) had this shape.
public struct EntryWriter: WriterDesign {
    /// `per-entry` (or the mutant's name when a fault is injected).
    public let name: String
    /// The injected fault; `.none` for the shipped design.
    package let fault: Fault

    /// Creates the design.
    public init() { self.init(fault: .none) }

    /// Creates the design with `fault` injected (a mutant).
    package init(fault: Fault) {
        self.fault = fault
        name = fault.designName(shipped: "per-entry")
    }

    /// It performs every writer operation.
    public func serves(_ operation: WriterOperation) -> Bool { true }

    /// Performs `view.operation` entry by entry.
    public func write(_ view: inout WriterView) {
        WriterWalk.perform(&view, zap: { Zap(dropMarkers: $0) }, protect: { Protect(protection: $0) },
                           copy: { Copy(options: $0, skip: fault == .swapCountNotDuplicated ? .swapDuplicate : []) })
    }

    /// `zap_pte_range()` entry by entry.
    struct Zap: WriterBody {
        let dropMarkers: Bool
        mutating func directoryTerminal(_ view: inout WriterView, _ terminal: WriterTerminal) -> Bool {
            WriterSteps.zapTerminal(&view, terminal)
            return true
        }
        mutating func pteEntries(_ view: inout WriterView, table: TableID, from: Int, to: Int, base: UInt64, destination: TableID?) {
            let format = view.format
            for index in from..<to {
                WriterSteps.zapPTE(&view, SlotRef(table: table, index: index), address: base + UInt64(index) * format.pageSize,
                                   dropMarkers: dropMarkers, format: format)
            }
        }
    }

    /// `change_pte_range()` entry by entry (its shape before v6.17's batching).
    struct Protect: WriterBody {
        let protection: Protection
        mutating func directoryTerminal(_ view: inout WriterView, _ terminal: WriterTerminal) -> Bool {
            WriterSteps.protectTerminal(&view, terminal, protection)
        }
        mutating func pteEntries(_ view: inout WriterView, table: TableID, from: Int, to: Int, base: UInt64, destination: TableID?) {
            let format = view.format
            var index = from
            while index < to {
                if WriterSteps.protectPTE(&view, SlotRef(table: table, index: index), address: base + UInt64(index) * format.pageSize,
                                          protection, format: format) {
                    index += 1
                }
            }
        }
    }

    /// `copy_pte_range()` entry by entry (its shape before v6.9's batching).
    struct Copy: WriterBody {
        let options: CopyOptions
        let skip: CopyShortcut
        mutating func directoryTerminal(_ view: inout WriterView, _ terminal: WriterTerminal) -> Bool {
            WriterSteps.copyTerminal(&view, terminal, options: options, skip: skip)
        }
        mutating func pteEntries(_ view: inout WriterView, table: TableID, from: Int, to: Int, base: UInt64, destination: TableID?) {
            guard let destination else { return }
            let format = view.format
            for index in from..<to {
                WriterSteps.copyPTE(&view, SlotRef(table: table, index: index), into: SlotRef(table: destination, index: index),
                                    address: base + UInt64(index) * format.pageSize, options: options, skip: skip, format: format)
            }
        }
    }
}
