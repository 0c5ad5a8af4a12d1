import PageTable

/// The window of the address space one case works in, so that its operations meet each other.
///
/// Addresses are drawn as multiples of a granule (page, contiguous block, table span, hugepd page)
/// inside the window, sometimes one page off, because bugs live at those boundaries.
public struct Arena: Hashable, Sendable {
    /// The format the window lies in.
    public let format: Format
    /// The window.
    public let range: AddressRange

    /// Draws a window: four PMD spans mostly, one time in 16 two spans of the largest leaf, placed at the
    /// bottom, the top, a random aligned spot of the address space, or across the boundary of two
    /// top-level entries (so that a case's tables hang off two root slots). The tiny formats use all of it.
    public init(format: Format, swarm: Swarm = Swarm(), choices: inout ChoiceSequence) {
        self.format = format
        // The same choices are drawn on every format, so that a case keeps its shape when the
        // shrinker moves it to the tiny format (which always uses its whole space).
        let pmdSpan = format.geometry(.pmd).entrySize
        let largest = format.levels.map { $0.allowsLeaf ? $0.blockSize : $0.hugepdPageShift.map { 1 << UInt64($0) } ?? 0 }.max()!
        let size = swarm.mode(.largeWindow).apply(choices.chance(oneIn: 16)) ? max(4 * pmdSpan, 2 * largest) : 4 * pmdSpan
        let placement = choices.weighted([(3, 0), (1, 1), (1, 2), (1, 3)])
        let slot = choices.draw(below: max(1, format.top / size))
        guard format.top > 1 << 20 else {
            range = AddressRange(start: 0, end: format.top)
            return
        }
        let start: UInt64
        switch placement {
        case 0: start = 0
        case 1: start = format.top - size
        case 2: start = slot * size
        default:
            let rootSpan = format.geometry(format.rootLevel).entrySize
            let roots = format.top / rootSpan
            start = rootSpan * (1 + slot % max(1, roots - 1)) - size / 2
        }
        range = AddressRange(start: start, end: start + size)
    }

    /// The boundaries addresses are drawn on, smallest first.
    public var granules: [UInt64] {
        var sizes: Set<UInt64> = [format.pageSize]
        for geometry in format.levels where !geometry.isFolded {
            sizes.insert(geometry.entrySize)
            sizes.insert(geometry.blockSize)
            if let shift = geometry.hugepdPageShift { sizes.insert(1 << UInt64(shift)) }
        }
        return sizes.filter { $0 <= range.size }.sorted()
    }

    /// A page-aligned address inside the window, biased to granule boundaries and one page either side,
    /// and, when `anchors` (ranges earlier operations mapped) exist, mostly at or near one of them.
    public func address(_ choices: inout ChoiceSequence, near anchors: [AddressRange] = []) -> UInt64 {
        let granule = choices.pick(granules)
        var address: UInt64
        if !anchors.isEmpty, !choices.chance(oneIn: 4) {
            let anchor = choices.pick(anchors)
            if choices.chance(oneIn: 2) {
                // A page inside what an earlier operation touched.
                address = anchor.start + choices.draw(below: max(1, anchor.size / format.pageSize)) * format.pageSize
            } else {
                let base = choices.pick([anchor.start, anchor.end, Format.alignDown(anchor.start + anchor.size / 2, granule)])
                let aligned = Format.alignDown(base, granule)
                let nearby: [(weight: UInt64, value: UInt64)] = [(4, aligned), (1, aligned &+ granule), (1, aligned &- granule)]
                address = choices.weighted(nearby)
            }
            if !range.contains(address) { address = Format.alignDown(anchor.start, format.pageSize) }
        } else {
            address = range.start + choices.draw(below: range.size / granule) * granule
        }
        switch choices.weighted([(6, 0), (1, 1), (1, 2)]) {
        case 1: address += format.pageSize
        case 2: address = address > range.start ? address - format.pageSize : address
        default: break
        }
        return min(max(address, range.start), range.end - format.pageSize)
    }

    /// A non-empty range inside the window: one page, a few granules, or the whole window.
    public func addressRange(_ choices: inout ChoiceSequence, near anchors: [AddressRange] = []) -> AddressRange {
        if choices.chance(oneIn: 8) { return range }
        if !anchors.isEmpty, choices.chance(oneIn: 4) { return choices.pick(anchors) }
        let start = address(&choices, near: anchors)
        let granule = choices.pick(granules)
        var length = UInt64(choices.draw(in: 1...3)) * granule
        switch choices.weighted([(4, 0), (1, 1), (1, 2)]) {
        case 1: length += format.pageSize
        case 2: length = max(format.pageSize, length - format.pageSize)
        default: break
        }
        return AddressRange(start: start, end: min(start + length, range.end))
    }
}
