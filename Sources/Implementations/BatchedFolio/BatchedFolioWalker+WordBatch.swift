import PageTable

extension BatchedFolioWalker {
    /// A batch being built in a PTE table: its first entry (index, address, word, pfn) and its folio.
    struct WordBatch {
        var index: Int
        var address: UInt64
        var word: UInt64
        var pfn: UInt64
        var folio: Folio

        /// Where the batch must stop: the table's or the range's end (`limit`), or its folio's end
        /// (the `max_nr` clamp), whichever comes first.
        @inline(__always)
        func end(limit: Int, clampedToFolio: Bool) -> Int {
            clampedToFolio ? min(limit, index &+ Int(truncatingIfNeeded: folio.endPFN &- pfn)) : limit
        }

        /// The batch of `folio` starting at `end`, the first entry after this one's: its word is this
        /// batch's first moved on by the pages between.
        @inline(__always)
        func following(at end: Int, folio: Folio, stride: UInt64, pageShift: UInt64) -> WordBatch {
            let pages = UInt64(truncatingIfNeeded: end &- index)
            return WordBatch(index: end, address: address &+ pages &<< pageShift, word: word(at: end, stride: stride),
                             pfn: pfn &+ pages, folio: folio)
        }

        /// The word the entry at `index` holds if it continues this batch's first exactly, every
        /// bit, the pfn moved on by `stride` a page.
        @inline(__always)
        func word(at index: Int, stride: UInt64) -> UInt64 {
            word &+ UInt64(truncatingIfNeeded: index &- self.index) &* stride
        }

        /// The masked word the entry at `index` holds if it follows this batch by `pattern` (the
        /// ignored bits cleared first, so they may differ from the first entry's).
        @inline(__always)
        func patternWord(at index: Int, _ pattern: BatchPattern) -> UInt64 {
            (word & pattern.mask) &+ UInt64(truncatingIfNeeded: index &- self.index) &* pattern.stride
        }

        /// The run this batch reports up to `end`: its pages of its folio, with `attributes`.
        @inline(__always)
        func run(end: Int, attributes: LeafAttributes, pageShift: UInt64) -> FolioRun {
            let pages = UInt64(truncatingIfNeeded: end &- index)
            return FolioRun(range: AddressRange(start: address, end: address &+ pages &<< pageShift), folio: folio.id,
                            firstPage: pfn &- folio.pfn, level: .pte, inHugepd: false, attributes: attributes)
        }
    }
}
