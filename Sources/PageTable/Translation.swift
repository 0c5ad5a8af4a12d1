/// What a hardware-style walk from the root finds for one address.
public struct Translation: Hashable, Sendable {
    /// The translated address.
    public var address: UInt64
    /// The directory slots read on the way down (each pointing to a table or hugepd table), root first.
    public var path: SlotPath
    /// The terminal slot: none, a leaf or a non-present entry.
    public var slot: SlotRef
    /// The real level of the terminal slot (for a hugepd table, its directory's level).
    public var level: Level
    /// Whether the terminal slot sits in a hugepd table.
    public var inHugepd: Bool
    /// The word stored in the terminal slot.
    public var word: UInt64
    /// The decoded terminal entry; a leaf's pfn is that of the slot's first page.
    public var entry: Entry
    /// The addresses the terminal slot spans.
    public var span: AddressRange
}

extension AddressSpace {
    /// The terminal slot for `address` and the path to it, as a hardware walker (or
    /// `follow_page_mask()`) finds it: the oracle's single-address translation, for a walker author
    /// to compare against; an address at or past the top is refused.
    public func translation(of address: UInt64) throws(PageTableError) -> Translation {
        guard address < format.top else { throw .pastTop(address, top: format.top, format: format.name) }
        return translate(address)
    }

    /// Walks from the root to the terminal slot for `address`, as a hardware walker does.
    ///
    /// Folded levels have no table: the walk steps from a real level to the next real one. A
    /// package internal (the oracle's and the tree's): callers check `address < format.top` first,
    /// as the public walks do; it traps otherwise, or on a pointer to a frame with no live table.
    package func translate(_ address: UInt64) -> Translation {
        precondition(address < format.top, "translate past the top of the address space")
        var path = SlotPath()
        var table = root
        var level = format.rootLevel
        var inHugepd = false
        while true {
            let geometry = format.geometry(level)
            // Format.index(of:at:) and hugepdIndex(of:at:), from the geometry already at hand.
            let shift = inHugepd ? UInt64(geometry.hugepdPageShift!) : UInt64(geometry.shift)
            let bits = inHugepd ? UInt64(geometry.shift) - shift : UInt64(geometry.indexBits)
            let index = Int(truncatingIfNeeded: (address >> shift) & ((1 << bits) - 1))
            let slot = SlotRef(table: table, index: index)
            let word = tables.word(slot)
            let entry = format.decode(word, at: level, inHugepd: inHugepd, address: address)
            switch entry {
            case .table(let pfn) where !inHugepd:
                path.append(slot)
                table = liveTable(atPFN: pfn, from: slot)
                level = format.realLevel(below: level)!
            case .hugepd(let pfn, _) where !inHugepd:
                path.append(slot)
                table = liveTable(atPFN: pfn, from: slot)
                inHugepd = true
            default:
                let size: UInt64 = inHugepd ? 1 << UInt64(geometry.hugepdPageShift!) : geometry.entrySize
                let start = Format.alignDown(address, size)
                return Translation(address: address, path: path, slot: slot, level: level, inHugepd: inHugepd,
                                   word: word, entry: entry, span: AddressRange(start: start, end: start + size))
            }
        }
    }

    private func liveTable(atPFN pfn: UInt64, from slot: SlotRef) -> TableID {
        guard let table = tables.table(atPFN: pfn), tables.descriptor(table).state == .live else {
            preconditionFailure("\(slot) points to frame 0x\(String(pfn, radix: 16)), which holds no live table")
        }
        return table
    }
}
