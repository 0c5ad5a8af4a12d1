import PageTable

/// One contiguous block as a walker sees it: its slots in one table, and young and dirty ORed across them.
struct ContiguousBlock {
    /// The index of the block's first entry in its table.
    let first: Int
    /// How many entries the block has.
    let count: Int
    /// Young and dirty ORed across every entry of the block.
    let youngDirty: LeafAttributes

    /// Reads the block holding `index` of `table` (whose word, already read, is `word`), reading each
    /// other entry of the block exactly once.
    init<R: TableReader>(_ reader: R, format: Format, table: TableHandle, index: Int, word: UInt64, level: Level) {
        count = format.geometry(level).contiguousEntries
        first = index & ~(count - 1)
        var bits = Self.youngDirty(of: word, format: format, level: level)
        for mate in first..<first + count where mate != index {
            bits.formUnion(Self.youngDirty(of: reader.read(table, mate), format: format, level: level))
        }
        youngDirty = bits
    }

    /// A block's entries are present leaves (the fold rule), so their bits are read directly.
    @inline(__always)
    private static func youngDirty(of word: UInt64, format: Format, level: Level) -> LeafAttributes {
        format.youngAndDirty(ofLeaf: word)
    }
}
