/// A walker design: something WalkCheck checks against the oracle and benchmarks.
public protocol WalkDesign: Sendable {
    /// The design's name in reports and on the command line.
    var name: String { get }
    /// Whether its walks go VMA by VMA themselves, as `walk_page_range()` does; when false (the
    /// default), the opened entry points of ``EntryWalkBody`` and ``FolioWalkBody`` run the
    /// design's body once per VMA piece of a space with VMAs.
    var walksVMAsItself: Bool { get }
}

extension WalkDesign {
    /// Designs leave the VMA loop to the opened entry points unless they say otherwise.
    public var walksVMAsItself: Bool { false }
}

/// A design that performs the entry walk (see SEMANTICS.md).
public protocol EntryWalkDesign: WalkDesign {
    /// Visits every terminal slot of `range` in ascending order, as the entry walk defines them.
    func walkEntries<R: TableReader>(_ reader: R, range: AddressRange, flags: EntryWalkFlags,
                                     _ visit: (EntryWalkItem) -> Void) throws(PageTableError)
}

/// A design that performs the folio walk.
public protocol FolioWalkDesign: WalkDesign {
    /// Visits every folio run of `range` in ascending order, as the folio walk defines them.
    func walkFolios<R: TableReader>(_ reader: R, range: AddressRange, flags: FolioWalkFlags,
                                    _ visit: (FolioRun) -> Void) throws(PageTableError)
}

/// A design that performs the single-address lookup.
public protocol LookupDesign: WalkDesign {
    /// What the walk finds at `address`.
    func lookup<R: TableReader>(_ reader: R, address: UInt64, flags: LookupFlags) throws(PageTableError) -> LookupResult
}

extension EntryWalkDesign {
    /// The entry walk of `range` in `space` as an array, read directly.
    public func entries(in space: AddressSpace, range: AddressRange, flags: EntryWalkFlags = []) throws(PageTableError) -> [EntryWalkItem] {
        var items: [EntryWalkItem] = []
        try walkEntries(DirectReader(space), range: range, flags: flags) { items.append($0) }
        return items
    }
}

extension FolioWalkDesign {
    /// The folio walk of `range` in `space` as an array, read directly.
    public func folios(in space: AddressSpace, range: AddressRange, flags: FolioWalkFlags = .batchDefault) throws(PageTableError) -> [FolioRun] {
        var runs: [FolioRun] = []
        try walkFolios(DirectReader(space), range: range, flags: flags) { runs.append($0) }
        return runs
    }
}

/// A page-table writer design (SEMANTICS.md, "Writers"): zap, change protection, copy or
/// set-entries, as `zap_pte_range()`, `change_pte_range()`, `copy_pte_range()` and
/// `set_vpte_at()` perform them.
public protocol WriterDesign: Sendable {
    /// The design's name in reports and on the command line.
    var name: String { get }
    /// Whether it performs `operation` (a copy-only design serves copies alone).
    func serves(_ operation: WriterOperation) -> Bool
    /// Performs `view.operation` through `view`, reporting its accounting in `view.ledger`.
    func write(_ view: inout WriterView)
}
