import PageTable

/// The two-space iterator for fork's copy: the flat iterator's shape (one cursor, up, sideways
/// and down, no recursion) over two address spaces at once — the open question of the iterator
/// proposal ("how to express `copy_pt_range`, where we need to iterate two mms at the same time").
/// The cursor holds, for each level it stands in, the parent's table and the child's table at the
/// same position; going down a parent pointer allocates the child's table (`pte_alloc()`), so
/// both stacks move together. At the PTE level it copies folio batches (`copy_present_ptes()`).
public struct PairIterator: WriterDesign {
    /// `pair-iterator` (or the mutant's name when a fault is injected).
    public let name: String
    /// The injected fault; `.none` for the shipped design.
    package let fault: Fault

    /// Creates the design.
    public init() { self.init(fault: .none) }

    /// Creates the design with `fault` injected (a mutant).
    package init(fault: Fault) {
        self.fault = fault
        name = fault.designName(shipped: "pair-iterator")
    }

    /// It performs copies only.
    public func serves(_ operation: WriterOperation) -> Bool { operation.isCopy }

    /// One level the cursor stands in: the two tables, the slot index and the table's first address.
    struct Frame {
        var parent: TableID
        var child: TableID
        var level: Level
        var base: UInt64
        var index: Int
    }

    /// Copies the whole parent into the child, one cursor step at a time.
    public func write(_ view: inout WriterView) {
        guard case .copy(let options) = view.operation else { return }
        var skip: CopyShortcut = []
        if fault == .cowParentWritable { skip.insert(.parentWriteProtect) }
        if fault == .anonExclusiveKept { skip.insert(.anonExclusiveClear) }
        let format = view.format
        var stack: [Frame] = []
        stack.reserveCapacity(SlotPath.capacity)
        stack.append(Frame(parent: view.root(), child: view.root(.destination), level: format.rootLevel, base: 0, index: 0))
        while var frame = stack.last {
            let geometry = format.geometry(frame.level)
            guard frame.index < geometry.entryCount else {
                stack.removeLast()  // up
                continue
            }
            let slot = SlotRef(table: frame.parent, index: frame.index)
            let address = frame.base + UInt64(frame.index) * geometry.entrySize
            if frame.level == .pte {
                frame.index += WriterSteps.copyPTEBatch(&view, table: frame.parent, childTable: frame.child, index: frame.index,
                                                        end: geometry.entryCount, base: frame.base, options: options, skip: skip,
                                                        clampToFolio: fault != .writeBatchPastFolio, format: format)
                stack[stack.count - 1] = frame  // sideways
                continue
            }
            var step = 1
            switch format.decode(view.word(slot), at: frame.level, address: address) {
            case .none:
                break
            case .table(let pfn):
                let lower = format.realLevel(below: frame.level)!
                let childSlot = SlotRef(table: frame.child, index: frame.index)
                let childTable = view.allocateTable(under: childSlot, level: lower, base: address, in: .destination)
                stack[stack.count - 1].index += 1
                stack.append(Frame(parent: view.table(atPFN: pfn)!, child: childTable, level: lower, base: address, index: 0))  // down
                continue
            case .hugepd(let pfn, let shift):
                let table = view.table(atPFN: pfn)!
                let pageSize: UInt64 = 1 << UInt64(shift)
                for index in 0..<Int(geometry.entrySize / pageSize) where view.word(SlotRef(table: table, index: index)) != 0 {
                    let terminal = WriterTerminal(slot: SlotRef(table: table, index: index), count: 1, level: frame.level, inHugepd: true,
                                                  address: address + UInt64(index) * pageSize, slotSize: pageSize)
                    _ = WriterSteps.copyTerminal(&view, terminal, options: options, skip: skip)
                }
            case .leaf(_, let attributes):
                let count = attributes.contains(.contiguous) ? geometry.contiguousEntries : 1
                let terminal = WriterTerminal(slot: slot, count: count, level: frame.level, inHugepd: false, address: address,
                                              slotSize: geometry.entrySize)
                guard WriterSteps.copyTerminal(&view, terminal, options: options, skip: skip) else { continue }  // split: again
                step = count
            case .nonPresent:
                let terminal = WriterTerminal(slot: slot, count: 1, level: frame.level, inHugepd: false, address: address,
                                              slotSize: geometry.entrySize)
                guard WriterSteps.copyTerminal(&view, terminal, options: options, skip: skip) else { continue }
            }
            stack[stack.count - 1].index += step  // sideways
        }
    }
}
