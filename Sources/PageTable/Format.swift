/// A page-table format: the geometry of its five levels plus the way its entries are encoded.
///
/// Everything else in the package is generic over a `Format` value. The presets in
/// `Format+Presets.swift` follow the Linux configurations named in their documentation.
public struct Format: Hashable, Sendable, CustomStringConvertible {
    /// The short name used on the command line and in corpus files, e.g. `x86-64-4level`.
    public let name: String
    /// The architecture whose entry encoding the format uses.
    public let architecture: Architecture
    /// log2 of the base page size.
    public let pageShift: Int
    /// How many bits a physical frame number may have (`MAX_PHYSMEM_BITS - PAGE_SHIFT`).
    public let pfnBits: Int
    /// The geometry of the five levels, PGD first.
    public let levels: [LevelGeometry]
    /// The level of the root table: the first real level. It is the PGD unless the levels above it
    /// are folded at run time, as riscv Sv39 folds the PGD and P4D onto its top table, whose
    /// entries Linux reads as PUDs (`pgd_none()` and `p4d_none()` are constant false there).
    public let rootLevel: Level
    /// The first address past the top of the address space (`1 << vaBits`).
    public let top: UInt64
    /// For each level, the real level below it (folded ones skipped), nil below the PTE: kept, as
    /// every translation steps through it.
    @usableFromInline let realBelow: [Level?]

    /// The encoding of one's own when ``architecture`` is ``Architecture/custom``; nil otherwise.
    public let customEncoding: CustomEncoding?

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
    }

    /// The format's name.
    public var description: String { name }

    /// The geometry of `level`.
    @inlinable public func geometry(_ level: Level) -> LevelGeometry { levels[level.depth] }

    /// The base page size in bytes.
    public var pageSize: UInt64 { 1 << UInt64(pageShift) }

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
    public var maxFolioOrder: Int {
        let leafShifts = levels.filter(\.allowsLeaf).map { $0.shift + bitWidth(of: $0.contiguousEntries) }
        let hugepdShifts = levels.compactMap(\.hugepdPageShift)
        return (leafShifts + hugepdShifts).max()! - pageShift
    }

    /// Whether any level has contiguous blocks.
    public var hasContiguousEntries: Bool { levels.contains { $0.contiguousEntries > 1 } }

    /// Whether any level may hold a hugepd directory.
    public var hasHugepd: Bool { levels.contains { $0.hugepdPageShift != nil } }

    /// Whether the encoding has a soft-dirty bit (arm64 has none: `CONFIG_HAVE_ARCH_SOFT_DIRTY` is x86, riscv and powerpc only).
    public var supportsSoftDirty: Bool {
        architecture == .custom ? customEncoding!.encoding.supportsSoftDirty : architecture != .arm64
    }

    private func bitWidth(of power: Int) -> Int { power.trailingZeroBitCount }
}
