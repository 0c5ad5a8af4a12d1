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
///
/// What the callbacks produce goes to `emit`, which the walk passes to every callback that may
/// produce something, as `walk->private` reaches every callback in Linux: the callbacks keep no
/// visitor of their own (a kept visitor must escape, which cost an allocation a walk).
public protocol PageWalkOps {
    /// What the callbacks emit (`Never` for callbacks that only record).
    associatedtype Output = Never
    /// A non-none entry at a directory level: a table, a hugepd pointer, a leaf or a non-present entry.
    ///
    /// `range` is the entry's span clipped to the walk; a leaf's pfn is that of the slot's first page.
    mutating func directoryEntry(_ entry: Entry, level: Level, range: AddressRange, slotStart: UInt64,
                                 table: TableHandle, _ emit: (Output) -> Void) -> WalkAction
    /// A PTE or a hugepd page (`pte_entry`), none ones included, clipped to the walk; a leaf reports
    /// young and dirty ORed across its contiguous block and the pfn of the slot's first page.
    mutating func pteEntry(_ entry: Entry, level: Level, inHugepd: Bool, range: AddressRange, slotStart: UInt64,
                           table: TableHandle, _ emit: (Output) -> Void)
    /// A none entry at a directory level (`pte_hole`), clipped to the walk.
    mutating func hole(_ range: AddressRange, level: Level, _ emit: (Output) -> Void)
    /// A hole at depth -1 (`pte_hole(start, end, -1, walk)`): a gap between VMAs, or a VMA the
    /// default `test_walk` skips. The default ignores it.
    mutating func vmaHole(_ range: AddressRange, _ emit: (Output) -> Void)
    /// `test_walk`: whether to walk `vma`'s part `range` of the walk. The default is
    /// `walk_page_test()`'s: a `VM_PFNMAP` VMA is reported as a depth -1 hole and skipped.
    mutating func testWalk(_ vma: VMA, range: AddressRange, _ emit: (Output) -> Void) -> VMATest
    /// `pre_vma`: called before a VMA's part is walked; false aborts the walk (a non-zero return),
    /// without `post_vma`. The default walks on.
    mutating func preVMA(_ vma: VMA, range: AddressRange) -> Bool
    /// `post_vma`: called after a VMA's part was walked. The default does nothing.
    mutating func postVMA(_ vma: VMA, _ emit: (Output) -> Void)
    /// Whether the callbacks have a `hugetlb_entry`: a hugetlb VMA is walked huge page by huge
    /// page only then, and otherwise not at all (nothing reported). The default has none.
    var hasHugetlbEntry: Bool { get }
    /// Whether a hugetlb VMA is walked as any other (the unified view), its leaves reaching
    /// `directoryEntry`/`pteEntry`. The default does not.
    var walksHugetlbAsLeaves: Bool { get }
    /// `hugetlb_entry`: one huge page of a hugetlb VMA (its part of the walk), the entry
    /// `huge_ptep_get()` returns, at its hstate's level. The default does nothing.
    mutating func hugetlbEntry(_ entry: Entry, level: Level, range: AddressRange, _ emit: (Output) -> Void)
}

/// What `test_walk` decides for one VMA (its return value: 0, positive, negative).
public enum VMATest: Sendable {
    /// Walk the VMA (0).
    case walk
    /// Skip it and go on with the next (a positive value).
    case skip
    /// Stop the whole walk (a negative value, an error).
    case abort
}

extension PageWalkOps {
    /// Ignores the hole.
    public mutating func vmaHole(_ range: AddressRange, _ emit: (Output) -> Void) {}

    /// `walk_page_test()` without `ops->test_walk`: a `VM_PFNMAP` VMA is one depth -1 hole, then skipped.
    public mutating func testWalk(_ vma: VMA, range: AddressRange, _ emit: (Output) -> Void) -> VMATest {
        guard vma.flags.contains(.pfnmap) else { return .walk }
        vmaHole(range, emit)
        return .skip
    }

    /// Walks on.
    public mutating func preVMA(_ vma: VMA, range: AddressRange) -> Bool { true }

    /// Does nothing.
    public mutating func postVMA(_ vma: VMA, _ emit: (Output) -> Void) {}

    /// No `hugetlb_entry`.
    public var hasHugetlbEntry: Bool { false }

    /// Hugetlb VMAs are hugetlb VMAs.
    public var walksHugetlbAsLeaves: Bool { false }

    /// Does nothing.
    public mutating func hugetlbEntry(_ entry: Entry, level: Level, range: AddressRange, _ emit: (Output) -> Void) {}
}
