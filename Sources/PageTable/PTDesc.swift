/// The descriptor of one page-table page (Linux's `struct ptdesc`): what the page is and who owns it.
public struct PTDesc: Hashable, Sendable {
    /// Whether the page is in use as a table or back on the free list.
    public enum State: Hashable, Sendable {
        /// Allocated and (if the tree is consistent) reachable from the root exactly once.
        case live
        /// Freed; no entry may point to it.
        case free
    }

    /// The level of the entries the table holds (for a hugepd table, the level of its directory entry).
    public internal(set) var level: Level
    /// The page shift of a hugepd table's entries, or nil for an ordinary table.
    public internal(set) var hugepdPageShift: Int?
    /// The address space that owns the table (`pt_mm`).
    public internal(set) var owner: Int
    /// The first virtual address the table maps.
    public internal(set) var base: UInt64
    /// How many of its entries are not none.
    public internal(set) var nonNoneCount: Int
    /// Live or free.
    public internal(set) var state: State
    /// How many entries the table holds.
    public let entryCount: Int
    /// Where its words start in ``TableMemory/words``.
    public let storageOffset: Int
}
