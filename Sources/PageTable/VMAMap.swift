/// The VMAs of an address space, sorted and disjoint: `mm->mm_mt`, and the split and merge rules
/// of `mm/vma.c` that keep it so.
public struct VMAMap: Hashable, Sendable {
    /// The VMAs, sorted by start, never overlapping, never empty.
    public private(set) var vmas: [VMA] = []

    /// An empty map: an address space with VMAs, none of them left.
    public init() {}

    /// A map of `vmas` as another source lists them (a kernel import): sorted by start, with
    /// overlapping or empty ones left out.
    package init(_ vmas: [VMA]) {
        for vma in vmas.sorted(by: { $0.range.start < $1.range.start })
        where vma.range.start < vma.range.end && (self.vmas.last.map { $0.range.end <= vma.range.start } ?? true) {
            self.vmas.append(vma)
        }
    }

    /// The index of the first VMA ending after `address` (`find_vma()`), or `vmas.count`.
    @inlinable public func firstIndex(endingAfter address: UInt64) -> Int {
        var low = 0, high = vmas.count
        while low < high {
            let mid = (low + high) / 2
            if vmas[mid].range.end <= address { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// The VMA holding `address` (`vma_lookup()`), or nil.
    @inlinable public func vma(containing address: UInt64) -> VMA? {
        let index = firstIndex(endingAfter: address)
        return index < vmas.count && vmas[index].range.start <= address ? vmas[index] : nil
    }

    /// The VMA holding all of `range`, or nil when no one VMA does.
    public func vma(covering range: AddressRange) -> VMA? {
        guard let vma = vma(containing: range.start), vma.range.end >= range.end else { return nil }
        return vma
    }

    /// The start of the first VMA at or after `address`, or nil: where a gap holding `address` ends.
    @inlinable public func nextStart(atOrAfter address: UInt64) -> UInt64? {
        let index = firstIndex(endingAfter: address)
        return index < vmas.count ? max(vmas[index].range.start, address) : nil
    }

    /// Visits `range` in pieces, in `walk_page_range()`'s order: each gap between VMAs as one piece
    /// with no VMA, each VMA's part of the range as one piece with its VMA. Allocates nothing.
    @inlinable public func forEachPiece<E: Error>(in range: AddressRange,
                                                 _ body: (AddressRange, VMA?) throws(E) -> Void) throws(E) {
        var start = range.start
        var index = firstIndex(endingAfter: start)
        while start < range.end {
            if index == vmas.count {
                try body(AddressRange(start: start, end: range.end), nil)
                return
            }
            let vma = vmas[index]
            if start < vma.range.start {
                let next = min(range.end, vma.range.start)
                try body(AddressRange(start: start, end: next), nil)
                start = next
                continue
            }
            let next = min(range.end, vma.range.end)
            try body(AddressRange(start: start, end: next), vma)
            start = next
            index += 1
        }
    }

    /// The parts of `range` inside VMAs, each with its VMA, gaps left out (`madvise_walk_vmas()`'s order).
    public func pieces(inside range: AddressRange) -> [(range: AddressRange, vma: VMA)] {
        var pieces: [(range: AddressRange, vma: VMA)] = []
        forEachPiece(in: range) { piece, vma in if let vma { pieces.append((piece, vma)) } }
        return pieces
    }

    /// Whether `left` and `right`, adjacent, may become one VMA (`is_mergeable_vma()`,
    /// `is_mergeable_anon_vma()`, `can_vma_merge_before/after()`): the same flags but soft-dirty
    /// (`VM_IGNORE_MERGE`), neither `VM_SPECIAL`, the same file at consecutive offsets, and
    /// anon_vmas that agree or are missing on one side (no VMA here has a forked anon_vma chain).
    public static func canMerge(_ left: VMA, _ right: VMA, pageShift: Int) -> Bool {
        left.range.end == right.range.start
            && left.flags.subtracting(.softDirty) == right.flags.subtracting(.softDirty)
            && left.flags.isDisjoint(with: .special)
            // A hugetlb VMA has a hugetlbfs file of its own (hugetlb_file_setup() per MAP_HUGETLB
            // mapping): WalkCheck never merges one (see SEMANTICS.md).
            && left.hugetlb == nil && right.hugetlb == nil
            && left.file == right.file
            && left.pageOffset &+ (left.range.size >> UInt64(pageShift)) == right.pageOffset
            && (left.anonVMA == nil || right.anonVMA == nil || left.anonVMA == right.anonVMA)
    }

    /// `left` and `right` as one VMA: `target`'s identity and flags (the VMA `vma_expand()` keeps),
    /// the first offset, and whichever anon_vma either had.
    static func merged(_ left: VMA, _ right: VMA, keepingLeft: Bool) -> VMA {
        var vma = keepingLeft ? left : right
        vma.range = AddressRange(start: left.range.start, end: right.range.end)
        vma.pageOffset = left.pageOffset
        vma.anonVMA = left.anonVMA ?? right.anonVMA
        return vma
    }

    /// Splits the VMA holding `address` in its middle in two (`__split_vma()`); both halves keep
    /// its flags, file and anon_vma. Returns whether it split one.
    @discardableResult
    mutating func split(at address: UInt64, pageShift: Int) -> Bool {
        let index = firstIndex(endingAfter: address)
        guard index < vmas.count, vmas[index].range.start < address else { return false }
        var right = vmas[index]
        right.range.start = address
        right.pageOffset = vmas[index].pageOffset + ((address - vmas[index].range.start) >> UInt64(pageShift))
        vmas[index].range.end = address
        vmas.insert(right, at: index + 1)
        return true
    }

    /// Removes every VMA inside `range`; its edges must already be VMA boundaries or gaps.
    mutating func remove(inside range: AddressRange) {
        vmas.removeAll { range.contains($0.range) }
    }

    /// Inserts `vma` into a gap that holds it, merged with the VMAs either side where they may be
    /// (`vma_merge_new_range()`): the left one expands when it can, else the right one.
    mutating func insert(_ vma: VMA, pageShift: Int) {
        var index = firstIndex(endingAfter: vma.range.start)
        vmas.insert(vma, at: index)
        if index > 0, Self.canMerge(vmas[index - 1], vmas[index], pageShift: pageShift) {
            vmas[index - 1] = Self.merged(vmas[index - 1], vmas[index], keepingLeft: true)
            vmas.remove(at: index)
            index -= 1
        }
        if index + 1 < vmas.count, Self.canMerge(vmas[index], vmas[index + 1], pageShift: pageShift) {
            vmas[index] = Self.merged(vmas[index], vmas[index + 1], keepingLeft: vmas[index].range.start < vma.range.start)
            vmas.remove(at: index + 1)
        }
    }

    /// Changes the VMA starting at `start` with `change`, then merges it with its neighbours where
    /// they may be (`vma_merge_existing_range()`): with the left one kept, then the right one into
    /// whichever survived. Returns the end of the VMA that holds the changed range afterwards.
    @discardableResult
    mutating func modify(startingAt start: UInt64, pageShift: Int, _ change: (inout VMA) -> Void) -> UInt64 {
        var index = firstIndex(endingAfter: start)
        change(&vmas[index])
        let mergesLeft = index > 0 && Self.canMerge(vmas[index - 1], vmas[index], pageShift: pageShift)
        if mergesLeft {
            vmas[index - 1] = Self.merged(vmas[index - 1], vmas[index], keepingLeft: true)
            vmas.remove(at: index)
            index -= 1
        }
        if index + 1 < vmas.count, Self.canMerge(vmas[index], vmas[index + 1], pageShift: pageShift) {
            // Merging right alone keeps the right VMA (vmg->target = next); after a left merge, the left.
            vmas[index] = Self.merged(vmas[index], vmas[index + 1], keepingLeft: mergesLeft)
            vmas.remove(at: index + 1)
        }
        return vmas[index].range.end
    }

    /// Gives the VMA holding `range` an anon_vma if it has none (`anon_vma_prepare()` on the first
    /// anonymous fault): the next number after every one in use.
    package mutating func prepareAnonVMA(covering range: AddressRange) {
        let index = firstIndex(endingAfter: range.start)
        guard index < vmas.count, vmas[index].range.start <= range.start, vmas[index].anonVMA == nil else { return }
        vmas[index].anonVMA = 1 + (vmas.compactMap(\.anonVMA).max() ?? 0)
    }

    /// Clears `VM_SOFTDIRTY` on every VMA meeting `range`, whole (`clear_refs_write()` with
    /// `CLEAR_REFS_SOFT_DIRTY` clears it per VMA, without splitting).
    package mutating func clearSoftDirty(meeting range: AddressRange) {
        for index in vmas.indices where vmas[index].range.start < range.end && range.start < vmas[index].range.end {
            vmas[index].flags.remove(.softDirty)
        }
    }

    /// Sets `flags` on the VMA holding `address`, without splitting or merging (a flag mmap sets
    /// on the VMA it made or expanded).
    mutating func insertFlags(_ flags: VMAFlags, intoVMAHolding address: UInt64) {
        let index = firstIndex(endingAfter: address)
        guard index < vmas.count, vmas[index].range.start <= address else { return }
        vmas[index].flags.formUnion(flags)
    }
}
