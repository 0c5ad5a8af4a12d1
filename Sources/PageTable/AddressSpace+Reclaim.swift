extension AddressSpace {
    /// Frees every table (never the root) whose span lies in `range` and that maps nothing, bottom up,
    /// clearing the parent entry of each: PT_RECLAIM's effect, applied to every level.
    mutating func reclaim(_ range: AddressRange) {
        reclaim(below: root, level: format.rootLevel, base: 0, range: range)
    }

    private mutating func reclaim(below table: TableID, level: Level, base: UInt64, range: AddressRange) {
        let geometry = format.geometry(level)
        for index in 0..<geometry.entryCount {
            let slot = SlotRef(table: table, index: index)
            let word = tables.word(slot)
            guard word != 0 else { continue }
            let start = base + UInt64(index) * geometry.entrySize
            let span = AddressRange(start: start, end: start + geometry.entrySize)
            guard span.clamped(to: range) != nil else { continue }
            switch format.decode(word, at: level, address: start) {
            case .table(let pfn):
                let child = tables.table(atPFN: pfn)!
                reclaim(below: child, level: format.realLevel(below: level)!, base: start, range: range)
                if range.contains(span), tables.descriptor(child).nonNoneCount == 0 {
                    tables.setWord(slot, 0)
                    tables.free(child)
                }
            case .hugepd(let pfn, _):
                let child = tables.table(atPFN: pfn)!
                if range.contains(span), tables.descriptor(child).nonNoneCount == 0 {
                    tables.setWord(slot, 0)
                    tables.free(child)
                }
            default: continue
            }
        }
    }
}
