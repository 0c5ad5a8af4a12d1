/// The geometry of one level in a format: how many address bits it indexes and what it may hold.
public struct LevelGeometry: Hashable, Sendable {
    /// The level this geometry describes.
    public let level: Level
    /// log2 of the bytes one entry of this level spans.
    public let shift: Int
    /// How many address bits index a table of this level; 0 means the level is folded.
    public let indexBits: Int
    /// Whether a present leaf (a huge page at a directory level) may sit at this level.
    public let allowsLeaf: Bool
    /// How many aligned entries form a contiguous block (arm64 PTE_CONT, riscv Svnapot); 1 when none.
    public let contiguousEntries: Int
    /// The page shift of a hugepd directory that may sit at this level, if the format has one here.
    public let hugepdPageShift: Int?

    /// Creates the geometry of one level.
    public init(level: Level, shift: Int, indexBits: Int, allowsLeaf: Bool,
                contiguousEntries: Int = 1, hugepdPageShift: Int? = nil) {
        self.level = level
        self.shift = shift
        self.indexBits = indexBits
        self.allowsLeaf = allowsLeaf
        self.contiguousEntries = contiguousEntries
        self.hugepdPageShift = hugepdPageShift
    }

    /// Whether the level is folded: it has one entry, which is its parent's entry itself.
    @inlinable public var isFolded: Bool { indexBits == 0 }

    /// How many entries a table of this level holds (1 for a folded level).
    @inlinable public var entryCount: Int { 1 << indexBits }

    /// The bytes one entry of this level spans.
    @inlinable public var entrySize: UInt64 { 1 << UInt64(shift) }

    /// The bytes one contiguous block of this level spans (the entry size when there is no hint).
    @inlinable public var blockSize: UInt64 { entrySize &* UInt64(contiguousEntries) }

    /// The number of entries in a hugepd table at this level, if the level has a hugepd directory.
    @inlinable public var hugepdEntryCount: Int? { hugepdPageShift.map { 1 << (shift - $0) } }
}
