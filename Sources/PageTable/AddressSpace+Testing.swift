extension AddressSpace {
    /// Test hook: stores a raw word in `slot` without updating its ptdesc, to build corrupt trees on purpose.
    package mutating func _corruptWord(_ slot: SlotRef, _ word: UInt64) {
        tables._corruptWord(slot, word)
    }

    /// Test hook: uses up every free folio and device frame, so the next allocation fails.
    package mutating func _exhaustFrames() {
        memory.exhaust()
    }
}

extension AddressSpace {
    /// Importer hook: adopts a folio at a real frame (ascending frame order).
    package mutating func _adoptFolio(pfn: UInt64, order: Int, kind: FolioKind) -> Folio? {
        memory.adoptFolio(pfn: pfn, order: order, kind: kind)
    }

    /// Importer hook: adopts the huge zero folio at a real frame (in the same ascending order).
    package mutating func _adoptHugeZero(pfn: UInt64, order: Int) -> Folio? {
        memory.adoptHugeZero(pfn: pfn, order: order)
    }

    /// Importer hook: installs `pages` pages of `content` at `address` (which maps nothing), leaves no
    /// higher than `maxLevel`, by the placement rule every operation uses.
    package mutating func _install(_ content: PageContent, at address: UInt64, pages: UInt64, maxLevel: Level) {
        place(content, at: address, pages: pages, maxLevel: maxLevel, contiguous: false, hugepd: .never)
    }
}
