/// A page-table level, numbered as Linux's `mm/pagewalk.c` numbers depth: 0 is the PGD, 4 the PTE.
///
/// Every format has all five levels; a format with fewer hardware levels folds the missing ones,
/// as `include/asm-generic/pgtable-nop4d.h` and its siblings do.
public struct Level: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The depth of the level: 0 (PGD) to 4 (PTE).
    @inlinable public var depth: Int { Int(storedDepth) }
    /// The depth in one byte, so that a level packs next to other small fields (a ``FolioRun``'s).
    @usableFromInline let storedDepth: UInt8

    /// Creates a level from its depth, or returns nil when the depth is not 0...4.
    public init?(depth: Int) {
        guard (0...4).contains(depth) else { return nil }
        storedDepth = UInt8(depth)
    }

    @inlinable init(uncheckedDepth depth: Int) { storedDepth = UInt8(truncatingIfNeeded: depth) }

    /// The page global directory, the root of every tree.
    @inlinable public static var pgd: Level { Level(uncheckedDepth: 0) }
    /// The fourth-level directory (folded on 4-level formats).
    @inlinable public static var p4d: Level { Level(uncheckedDepth: 1) }
    /// The page upper directory.
    @inlinable public static var pud: Level { Level(uncheckedDepth: 2) }
    /// The page middle directory.
    @inlinable public static var pmd: Level { Level(uncheckedDepth: 3) }
    /// The last level, whose entries map base pages.
    @inlinable public static var pte: Level { Level(uncheckedDepth: 4) }

    /// All five levels from the root down.
    public static let all: [Level] = [.pgd, .p4d, .pud, .pmd, .pte]

    /// The Linux name of the level, in lower case (`pgd`, `p4d`, `pud`, `pmd`, `pte`).
    public var name: String { ["pgd", "p4d", "pud", "pmd", "pte"][depth] }

    /// The level's name.
    public var description: String { name }

    /// Parses a level from its Linux name.
    public init?(name: String) {
        guard let depth = ["pgd", "p4d", "pud", "pmd", "pte"].firstIndex(of: name.lowercased()) else { return nil }
        storedDepth = UInt8(depth)
    }

    /// The level below this one, or nil for the PTE level.
    public var below: Level? { depth < 4 ? Level(uncheckedDepth: depth + 1) : nil }

    /// The level above this one, or nil for the PGD level.
    public var above: Level? { depth > 0 ? Level(uncheckedDepth: depth - 1) : nil }

    /// Orders levels from the root down: `.pgd < .pte`.
    @inlinable public static func < (lhs: Level, rhs: Level) -> Bool { lhs.depth < rhs.depth }
}
