import PageTable

/// What a directory-entry callback tells the recursive walker to do next (`walk->action`).
public enum WalkAction: Sendable {
    /// Descend into the entry's table (`ACTION_SUBTREE`, the default).
    case subtree
    /// Skip the entry's subtree (`ACTION_CONTINUE`).
    case skipSubtree
    /// Read the entry again and retry (`ACTION_AGAIN`).
    case again
}

/// The callbacks of a recursive walk, as `struct mm_walk_ops`: one for non-none directory entries,
/// one for every PTE (none included) and hugepd page, one for holes at directory levels.
public protocol PageWalkOps {
    /// A non-none entry at a directory level: a table, a hugepd pointer, a leaf or a non-present entry.
    ///
    /// `range` is the entry's span clipped to the walk; a leaf's pfn is that of the slot's first page.
    mutating func directoryEntry(_ entry: Entry, level: Level, range: AddressRange, slotStart: UInt64,
                                 table: TableHandle) -> WalkAction
    /// A PTE or a hugepd page (`pte_entry`), none ones included, clipped to the walk; a leaf reports
    /// young and dirty ORed across its contiguous block and the pfn of the slot's first page.
    mutating func pteEntry(_ entry: Entry, level: Level, inHugepd: Bool, range: AddressRange, slotStart: UInt64,
                           table: TableHandle)
    /// A none entry at a directory level (`pte_hole`), clipped to the walk.
    mutating func hole(_ range: AddressRange, level: Level)
}
