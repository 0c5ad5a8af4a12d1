/// Options of a folio walk: which attribute differences do not break a run, and what else to report.
///
/// The ignore flags mirror `folio_pte_batch()`'s: without `FPB_RESPECT_DIRTY` dirty is ignored, and so on.
public struct FolioWalkFlags: NamedOptions, Hashable, Sendable {
    /// The raw bits.
    public let rawValue: UInt8
    /// Creates flags from raw bits.
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// Young does not break a run (folio_pte_batch always ignores it).
    @inlinable public static var ignoreYoung: FolioWalkFlags { FolioWalkFlags(rawValue: 1 << 0) }
    /// Dirty does not break a run (no `FPB_RESPECT_DIRTY`).
    @inlinable public static var ignoreDirty: FolioWalkFlags { FolioWalkFlags(rawValue: 1 << 1) }
    /// Soft-dirty does not break a run (no `FPB_RESPECT_SOFT_DIRTY`).
    @inlinable public static var ignoreSoftDirty: FolioWalkFlags { FolioWalkFlags(rawValue: 1 << 2) }
    /// Writable does not break a run (no `FPB_RESPECT_WRITE`).
    @inlinable public static var ignoreWritable: FolioWalkFlags { FolioWalkFlags(rawValue: 1 << 3) }
    /// Report zero-page mappings (`FW_ZEROPAGE`).
    @inlinable public static var includeZeroPage: FolioWalkFlags { FolioWalkFlags(rawValue: 1 << 4) }
    /// Report migration entries (`FW_MIGRATION`).
    @inlinable public static var includeMigration: FolioWalkFlags { FolioWalkFlags(rawValue: 1 << 5) }
    /// Report writable, young and dirty ORed across the run (`FPB_MERGE_WRITE | FPB_MERGE_YOUNG_DIRTY`);
    /// without it, and always for soft-dirty, a run reports its first page's.
    @inlinable public static var mergeIgnored: FolioWalkFlags { FolioWalkFlags(rawValue: 1 << 6) }

    /// The `folio_pte_batch()` default: young, dirty, soft-dirty and writable all ignored.
    public static let batchDefault: FolioWalkFlags = [.ignoreYoung, .ignoreDirty, .ignoreSoftDirty, .ignoreWritable]

    /// The attributes these flags let differ inside a run.
    @inlinable public var ignoredAttributes: LeafAttributes {
        var ignored: LeafAttributes = []
        if contains(.ignoreYoung) { ignored.insert(.young) }
        if contains(.ignoreDirty) { ignored.insert(.dirty) }
        if contains(.ignoreSoftDirty) { ignored.insert(.softDirty) }
        if contains(.ignoreWritable) { ignored.insert(.writable) }
        return ignored
    }

    /// The flags and their corpus names.
    public static let named: [(FolioWalkFlags, String)] = [
        (.ignoreYoung, "ignore-young"), (.ignoreDirty, "ignore-dirty"), (.ignoreSoftDirty, "ignore-soft-dirty"),
        (.ignoreWritable, "ignore-writable"), (.includeZeroPage, "zero-page"), (.includeMigration, "migration"),
        (.mergeIgnored, "merge"),
    ]
}

/// A maximal run of consecutive pages of one folio, mapped in one table with equal attributes
/// (the contiguous bit among them: a run never mixes block and plain entries).
public struct FolioRun: Hashable, Sendable, CustomStringConvertible {
    /// The addresses the run covers, inside the walk's range.
    public var range: AddressRange
    /// The folio the pages belong to.
    public var folio: FolioID
    /// The index in the folio of the page at `range.start`.
    public var firstPage: UInt64
    /// The run's attributes, as `ptep_get()` returns its first entry: equal across the run except
    /// ignored ones, which are the first page's (young and dirty ORed across its block), but for
    /// writable, young and dirty, ORed across the run with ``FolioWalkFlags/mergeIgnored``.
    public var attributes: LeafAttributes
    /// The level of the entries that map the run.
    ///
    /// (Stored after the attributes, so that the level, `inHugepd` and `migration`, which a walker
    /// reporting a chain of folios rewrites unchanged before every call, lie side by side.)
    public var level: Level
    /// Whether the entries sit in a hugepd table.
    public var inHugepd: Bool
    /// The migration kind for a run of migration entries (`FW_MIGRATION`), nil for present pages.
    public var migration: SwapKind?

    /// Creates a run.
    @inlinable public init(range: AddressRange, folio: FolioID, firstPage: UInt64, level: Level, inHugepd: Bool,
                attributes: LeafAttributes, migration: SwapKind? = nil) {
        self.range = range
        self.folio = folio
        self.firstPage = firstPage
        self.level = level
        self.inHugepd = inHugepd
        self.attributes = attributes
        self.migration = migration
    }

    /// `[start, end) folio#3 +16 pte attrs`.
    public var description: String {
        "\(range) \(folio) +\(firstPage) \(level)\(inHugepd ? " hugepd" : "") \(attributes)\(migration.map { " \($0)" } ?? "")"
    }
}
