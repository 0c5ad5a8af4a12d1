/// A page-table format: the geometry of its five levels plus the way its entries are encoded.
///
/// Everything else in the package is generic over a `Format` value. The presets in
/// `Format+Presets.swift` follow the Linux configurations named in their documentation.
public struct Format: Hashable, Sendable, CustomStringConvertible {
    /// What a format is, held by reference: a walk copies its format into its state, and copying
    /// the name, the two arrays and the encoding (a retain and a release each) was a large part of
    /// a short walk's fixed cost (BENCHMARKS.md, "Step 13"). Immutable, so sharing it is safe.
    @usableFromInline final class Storage: Sendable {
        @usableFromInline let name: String
        @usableFromInline let architecture: Architecture
        @usableFromInline let pageShift: Int
        @usableFromInline let pfnBits: Int
        @usableFromInline let levels: [LevelGeometry]
        @usableFromInline let rootLevel: Level
        @usableFromInline let top: UInt64
        @usableFromInline let realBelow: [Level?]
        @usableFromInline let customEncoding: CustomEncoding?
        @usableFromInline let maxFolioOrder: Int

        init(name: String, architecture: Architecture, pageShift: Int, pfnBits: Int, levels: [LevelGeometry],
             customEncoding: CustomEncoding?) {
            self.name = name
            self.architecture = architecture
            self.customEncoding = customEncoding
            self.pageShift = pageShift
            self.pfnBits = pfnBits
            self.levels = levels
            rootLevel = levels.first { !$0.isFolded }!.level
            top = 1 << UInt64(levels[0].shift + levels[0].indexBits)
            realBelow = Level.all.map { level in
                var next = level.below
                while let candidate = next, levels[candidate.depth].isFolded { next = candidate.below }
                return next
            }
            let leafShifts = levels.filter(\.allowsLeaf).map { $0.shift + $0.contiguousEntries.trailingZeroBitCount }
            let hugepdShifts = levels.compactMap(\.hugepdPageShift)
            maxFolioOrder = (leafShifts + hugepdShifts).max()! - pageShift
        }
    }

    @usableFromInline let storage: Storage

    /// The short name used on the command line and in corpus files, e.g. `x86-64-4level`.
    @inlinable public var name: String { storage.name }
    /// The architecture whose entry encoding the format uses.
    @inlinable public var architecture: Architecture { storage.architecture }
    /// log2 of the base page size.
    @inlinable public var pageShift: Int { storage.pageShift }
    /// How many bits a physical frame number may have (`MAX_PHYSMEM_BITS - PAGE_SHIFT`).
    @inlinable public var pfnBits: Int { storage.pfnBits }
    /// The geometry of the five levels, PGD first.
    @inlinable public var levels: [LevelGeometry] { storage.levels }
    /// The level of the root table: the first real level. It is the PGD unless the levels above it
    /// are folded at run time, as riscv Sv39 folds the PGD and P4D onto its top table, whose
    /// entries Linux reads as PUDs (`pgd_none()` and `p4d_none()` are constant false there).
    @inlinable public var rootLevel: Level { storage.rootLevel }
    /// The first address past the top of the address space (`1 << vaBits`).
    @inlinable public var top: UInt64 { storage.top }
    /// For each level, the real level below it (folded ones skipped), nil below the PTE: kept, as
    /// every translation steps through it.
    @inlinable var realBelow: [Level?] { storage.realBelow }

    /// The encoding of one's own when ``architecture`` is ``Architecture/custom``; nil otherwise.
    public var customEncoding: CustomEncoding? { storage.customEncoding }

    /// Creates a format; traps on a geometry that does not tile the address space (a programming error).
    public init(name: String, architecture: Architecture, pageShift: Int, pfnBits: Int, levels: [LevelGeometry]) {
        precondition(architecture != .custom, "a format with an encoding of its own is made with Format(validating:encoding:…)")
        self.init(name: name, architecture: architecture, pageShift: pageShift, pfnBits: pfnBits, levels: levels, customEncoding: nil)
    }

    /// Creates a format, with `customEncoding` when `architecture` is ``Architecture/custom``.
    init(name: String, architecture: Architecture, pageShift: Int, pfnBits: Int, levels: [LevelGeometry],
         customEncoding: CustomEncoding?) {
        precondition(levels.count == 5 && levels.map(\.level) == Level.all, "a format lists all five levels")
        precondition(levels[4].shift == pageShift && !levels[4].isFolded, "the PTE level is real and maps base pages")
        for depth in 1..<5 {
            let upper = levels[depth - 1], lower = levels[depth]
            precondition(upper.shift == lower.shift + lower.indexBits, "level \(upper.level) does not sit on \(lower.level)")
        }
        precondition(levels.contains { !$0.isFolded && $0.level != .pte }, "a format has a real level above the PTE")
        storage = Storage(name: name, architecture: architecture, pageShift: pageShift, pfnBits: pfnBits, levels: levels,
                          customEncoding: customEncoding)
    }

    /// Two formats are equal when every part is (the same storage, or equal parts).
    public static func == (lhs: Format, rhs: Format) -> Bool {
        let l = lhs.storage, r = rhs.storage
        return l === r || (l.name == r.name && l.architecture == r.architecture && l.pageShift == r.pageShift
            && l.pfnBits == r.pfnBits && l.levels == r.levels && l.customEncoding == r.customEncoding)
    }

    /// Hashes the parts `==` compares.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(architecture)
        hasher.combine(pageShift)
        hasher.combine(pfnBits)
        hasher.combine(levels)
        hasher.combine(customEncoding)
    }

    /// The format's name.
    public var description: String { name }

    /// The geometry of `level`.
    @inlinable public func geometry(_ level: Level) -> LevelGeometry { levels[level.depth] }

    /// The base page size in bytes.
    @inlinable public var pageSize: UInt64 { 1 << UInt64(pageShift) }

    /// How many bits of virtual address the tree translates.
    public var vaBits: Int { levels[0].shift + levels[0].indexBits }


    /// The levels that have tables of their own, root first.
    public var realLevels: [Level] { levels.filter { !$0.isFolded }.map(\.level) }


    /// The levels at which a present leaf may sit, largest first.
    public var leafLevels: [Level] { levels.filter { $0.allowsLeaf && !$0.isFolded }.map(\.level) }

    /// The real level below `level`, skipping folded ones, or nil below the PTE level.
    @inlinable public func realLevel(below level: Level) -> Level? { realBelow[level.depth] }

    /// The real level above `level`, skipping folded ones, or nil at the root.
    public func realLevel(above level: Level) -> Level? { realLevels.last { $0 < level } }

    /// The largest folio order any leaf of this format can map.
    public var maxFolioOrder: Int { storage.maxFolioOrder }

    /// Whether any level has contiguous blocks.
    public var hasContiguousEntries: Bool { levels.contains { $0.contiguousEntries > 1 } }

    /// Whether any level may hold a hugepd directory.
    public var hasHugepd: Bool { levels.contains { $0.hugepdPageShift != nil } }

    /// Whether the encoding has a soft-dirty bit (arm64 has none: `CONFIG_HAVE_ARCH_SOFT_DIRTY` is x86, riscv and powerpc only).
    public var supportsSoftDirty: Bool {
        architecture == .custom ? customEncoding!.encoding.supportsSoftDirty : architecture != .arm64
    }
}
