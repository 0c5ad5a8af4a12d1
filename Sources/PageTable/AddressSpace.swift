/// One address space: a radix page table in a given format, its table pages and its physical memory.
///
/// It is a value: copying it snapshots the whole machine. Mutation happens only through
/// ``apply(_:)``, which validates the operation first and leaves the space unchanged when it throws.
public struct AddressSpace: Hashable, Sendable {
    /// The format of the tree.
    public let format: Format
    /// The owner recorded in every table's descriptor (`pt_mm`).
    public let owner: Int
    /// The table pages and their descriptors.
    public internal(set) var tables: TableMemory
    /// The frames, folios, zero page and special frames.
    public internal(set) var memory: PhysicalMemory
    /// The root (PGD) table.
    public let root: TableID
    /// The next swap slot swap-out hands out; slot 0 is never used, as in Linux (the swap header).
    public internal(set) var nextSwapSlot: UInt64 = 1
    /// The VMAs, or nil for a space without them (an IOMMU-style table): the first `mmap` makes
    /// them. A space without VMAs is walked as one range, as Linux walks one without a VMA.
    public package(set) var vmas: VMAMap?

    /// Creates an empty address space: a root table and nothing mapped.
    public init(format: Format, owner: Int = 1) {
        self.format = format
        self.owner = owner
        var tables = TableMemory()
        root = tables.allocate(level: format.rootLevel, hugepdPageShift: nil, entryCount: format.geometry(format.rootLevel).entryCount,
                               owner: owner, base: 0)
        self.tables = tables
        memory = PhysicalMemory()
    }

    /// The frame number of the root table, as a CR3 or TTBR would hold it.
    public var rootPFN: UInt64 { tables.pfn(of: root) }
}
