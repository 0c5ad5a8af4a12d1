import PageTable

/// One contiguous block as a walker sees it: its slots in one table, and young and dirty ORed
/// across them, as `contpte_ptep_get()` (arch/arm64/mm/contpte.c) returns them, or, verified,
/// as `contpte_ptep_get_lockless()` reads them without the lock.
public struct ContiguousBlock {
    /// The index of the block's first entry in its table.
    public let first: Int
    /// How many entries the block has.
    public let count: Int
    /// Young and dirty ORed across every entry of the block.
    public let youngDirty: LeafAttributes
    /// Whether the block was read whole: always, unless verified and found changing.
    public let settled: Bool

    /// Reads the block holding `index` of `table` (whose word, already read, is `word`), reading each
    /// other entry of the block exactly once. `verifying` (a lockless read of the slot for that address) also checks what
    /// `contpte_ptep_get_lockless()` does: every entry a contiguous leaf, frames consecutive, the
    /// same bits but young and dirty; a block that changed under the read is not ``settled``.
    public init<R: TableReader>(_ reader: R, format: Format, table: TableHandle, index: Int, word: UInt64, level: Level,
                                verifying address: UInt64? = nil) {
        count = format.geometry(level).contiguousEntries
        first = index & ~(count - 1)
        var bits = Self.youngDirty(of: word, format: format, level: level)
        var whole = true
        // Two loops, the verification tested once: tested at every entry, it cost a caller that
        // passes it at run time (`flat`, a PTE block or a directory one) 65 instructions an entry.
        if let address {
            for mate in first..<first + count where mate != index {
                let mateWord = reader.read(table, mate)
                bits.formUnion(Self.youngDirty(of: mateWord, format: format, level: level))
                if whole { whole = Self.continues(word, at: index, mateWord, at: mate, format: format, level: level, address: address) }
            }
        } else {
            for mate in first..<first + count where mate != index {
                bits.formUnion(Self.youngDirty(of: reader.read(table, mate), format: format, level: level))
            }
        }
        youngDirty = bits
        settled = whole
    }

    /// A block whose entries the caller read itself: `count` entries from `first`, their young and
    /// dirty ORed into `youngDirty`.
    init(first: Int, count: Int, youngDirty: LeafAttributes) {
        self.first = first
        self.count = count
        self.youngDirty = youngDirty
        settled = true
    }

    /// A block's entries are present leaves (the fold rule), so their bits are read directly.
    @inline(__always)
    private static func youngDirty(of word: UInt64, format: Format, level: Level) -> LeafAttributes {
        format.youngAndDirty(ofLeaf: word)
    }

    /// Whether the block entry `mateWord` in slot `mate` is the entry `word` in slot `index` moved on
    /// to that slot, young and dirty aside: a contiguous leaf of the next frames with the same bits.
    private static func continues(_ word: UInt64, at index: Int, _ mateWord: UInt64, at mate: Int, format: Format, level: Level,
                                  address: UInt64) -> Bool {
        let size = format.geometry(level).entrySize
        let slot = Format.alignDown(address, size)
        let mateAddress = mate > index ? slot + UInt64(mate - index) * size : slot - UInt64(index - mate) * size
        guard case .leaf(let pfn, let attributes) = format.decode(word, at: level, address: slot),
              case .leaf(let matePFN, let mateAttributes) = format.decode(mateWord, at: level, address: mateAddress)
        else { return false }
        let pages = format.pages(at: level)
        let expected = mate > index ? pfn + UInt64(mate - index) * pages : pfn &- UInt64(index - mate) * pages
        return matePFN == expected && mateAttributes.subtracting([.young, .dirty]) == attributes.subtracting([.young, .dirty])
    }
}
