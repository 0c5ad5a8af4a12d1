/// A page-table entry decoded from its 64-bit word: what a walker learns from one slot.
public enum Entry: Hashable, Sendable, CustomStringConvertible {
    /// The slot is empty (`pXd_none`).
    case none
    /// The slot points to a table of the next real level, held in frame `pfn`.
    case table(pfn: UInt64)
    /// The slot points to a hugepd table in frame `pfn` whose entries map pages of `1 << pageShift` bytes.
    case hugepd(pfn: UInt64, pageShift: Int)
    /// A present leaf mapping frame `pfn` (for the slot's first byte) with `attributes`; PROT_NONE leaves included.
    case leaf(pfn: UInt64, attributes: LeafAttributes)
    /// A non-present entry: swap, migration, device, hwpoison or marker.
    case nonPresent(SwapEntry)

    /// Whether the entry is none.
    @inlinable public var isNone: Bool { if case .none = self { true } else { false } }

    /// Whether the entry ends the walk down the tree: anything but a table or hugepd pointer.
    @inlinable public var isTerminal: Bool {
        switch self {
        case .table, .hugepd: false
        default: true
        }
    }

    /// The entry as reports print it.
    public var description: String {
        switch self {
        case .none: "none"
        case .table(let pfn): "table pfn 0x\(String(pfn, radix: 16))"
        case .hugepd(let pfn, let shift): "hugepd pfn 0x\(String(pfn, radix: 16)) shift \(shift)"
        case .leaf(let pfn, let attributes): "leaf pfn 0x\(String(pfn, radix: 16)) \(attributes)"
        case .nonPresent(let entry): entry.description
        }
    }
}
