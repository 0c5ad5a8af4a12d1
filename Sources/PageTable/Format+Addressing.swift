extension Format {
    /// The index of `address` in a table of `level` (0 for a folded level).
    @inlinable public func index(of address: UInt64, at level: Level) -> Int {
        let g = levels[level.depth]
        return Int(truncatingIfNeeded: (address >> UInt64(g.shift)) & ((1 << UInt64(g.indexBits)) - 1))
    }

    /// The index of `address` in a hugepd table whose directory entry sits at `level`.
    @inlinable public func hugepdIndex(of address: UInt64, at level: Level) -> Int {
        let g = levels[level.depth]
        let pageShift = UInt64(g.hugepdPageShift!)
        return Int(truncatingIfNeeded: (address >> pageShift) & ((1 << (UInt64(g.shift) - pageShift)) - 1))
    }

    /// The table indices of `address` at every real level, root first, as `pgd:3 pud:0 pmd:17 pte:511`.
    public func indexPath(of address: UInt64) -> String {
        realLevels.map { "\($0):\(index(of: address, at: $0))" }.joined(separator: " ")
    }

    /// Rounds `address` down to a multiple of `size` (a power of two).
    @inlinable public static func alignDown(_ address: UInt64, _ size: UInt64) -> UInt64 { address & ~(size &- 1) }

    /// The end of the aligned `size`-byte span holding `address`, clamped to `end`, overflow-safe.
    ///
    /// This is Linux's `pXd_addr_end()`: the boundary is compared as `boundary - 1 < end - 1`.
    @inlinable public static func spanEnd(_ address: UInt64, size: UInt64, clampedTo end: UInt64) -> UInt64 {
        let boundary = (address & ~(size &- 1)) &+ size
        return boundary &- 1 < end &- 1 ? boundary : end
    }

    /// Whether `address` is a multiple of the base page size.
    @inlinable public func isPageAligned(_ address: UInt64) -> Bool { address & (pageSize - 1) == 0 }

    /// The virtual page number of `address`.
    @inlinable public func pageNumber(_ address: UInt64) -> UInt64 { address >> UInt64(pageShift) }

    /// The address of virtual page `page`.
    @inlinable public func address(ofPage page: UInt64) -> UInt64 { page << UInt64(pageShift) }

    /// How many base pages `bytes` holds.
    @inlinable public func pages(in bytes: UInt64) -> UInt64 { bytes >> UInt64(pageShift) }

    /// How many base pages one entry at `level` maps (for a hugepd table, use ``hugepdPages(at:)``).
    @inlinable public func pages(at level: Level) -> UInt64 { 1 << UInt64(levels[level.depth].shift - pageShift) }

    /// How many base pages one entry of a hugepd table under `level` maps.
    @inlinable public func hugepdPages(at level: Level) -> UInt64 {
        1 << UInt64(levels[level.depth].hugepdPageShift! - pageShift)
    }
}
