/// What one page is mapped to, apart from the shape (level, contiguity) of the entry that maps it.
public enum PageContent: Hashable, Sendable, CustomStringConvertible {
    /// A present page: its frame and its attributes (never `.contiguous`; contiguity is shape).
    case present(pfn: UInt64, attributes: LeafAttributes)
    /// A non-present page.
    case nonPresent(SwapEntry)

    /// The content of the page `pages` after this one in the same entry or run.
    ///
    /// Frames and swap offsets advance by one a page; the zero page and markers stay the same.
    @inlinable public func advanced(by pages: UInt64) -> PageContent {
        guard pages != 0 else { return self }
        switch self {
        case .present(let pfn, let attributes):
            return pfn == PhysicalMemory.zeroPFN ? self : .present(pfn: pfn + pages, attributes: attributes)
        case .nonPresent(var entry):
            if entry.kind != .marker { entry.offset += pages }
            return .nonPresent(entry)
        }
    }

    /// The page's frame, for present pages and pfn-carrying non-present entries.
    public var pfn: UInt64? {
        switch self {
        case .present(let pfn, _): pfn
        case .nonPresent(let entry): entry.kind.offsetIsPFN ? entry.offset : nil
        }
    }

    /// The entry that stores this content in one slot, with the contiguous bit if asked.
    public func entry(contiguous: Bool) -> Entry {
        switch self {
        case .present(let pfn, let attributes):
            .leaf(pfn: pfn, attributes: contiguous ? attributes.union(.contiguous) : attributes)
        case .nonPresent(let entry): .nonPresent(entry)
        }
    }

    /// `present pfn 0x… attrs` or the non-present entry.
    public var description: String {
        switch self {
        case .present(let pfn, let attributes): "present pfn 0x\(String(pfn, radix: 16)) \(attributes)"
        case .nonPresent(let entry): entry.description
        }
    }
}

/// The shape of one entry or block a placement installs.
public enum Placement: Hashable, Sendable {
    /// `entries` consecutive entries at `level` (more than one means a contiguous block).
    case leaf(Level, entries: Int)
    /// One entry of a hugepd table whose directory sits at `level`.
    case hugepd(Level)
}

/// Where placement may use hugepd pages.
public enum HugepdUse: Hashable, Sendable {
    /// Never.
    case never
    /// At any level the format has a hugepd directory.
    case anyLevel
    /// Only in directories at this level (a moved hugepd page keeps its size or falls to PTEs).
    case only(Level)
}

extension Format {
    /// How many base pages `placement` maps.
    public func pages(of placement: Placement) -> UInt64 {
        switch placement {
        case .leaf(let level, let entries): pages(at: level) * UInt64(entries)
        case .hugepd(let level): hugepdPages(at: level)
        }
    }

    /// Chooses the largest entry that can map the pages at `address`: the greedy rule every
    /// placement (map, move, hugepd conversion) follows, in the tree and in the abstract model alike.
    ///
    /// A candidate fits when `address` and the frame are aligned to its size, `pages` covers it,
    /// and its content may sit there: base-page-only contents (zero page, swap, markers, device,
    /// hwpoison) take a PTE; a migration entry also a PMD or hugepd slot, a device-private entry a
    /// PMD slot; a block or huge leaf of folio pages needs one folio (special pages, the huge zero
    /// page among them, only alignment); a contiguous block needs present, non-PROT_NONE folio pages.
    /// - Parameters:
    ///   - maxLevel: the highest level a leaf may sit at.
    ///   - contiguous: whether contiguous blocks may be used.
    ///   - hugepd: where hugepd pages may be used.
    ///   - memory: the frames, to tell whether a frame run lies in one folio.
    ///   - canHostHugepd: whether the directory at a level holding `address` may hold a hugepd table.
    public func placement(at address: UInt64, pages: UInt64, content: PageContent, maxLevel: Level,
                          contiguous: Bool, hugepd: HugepdUse, memory: PhysicalMemory,
                          canHostHugepd: (Level) -> Bool) -> Placement {
        placement(among: placementCandidates(maxLevel: maxLevel, contiguous: contiguous, hugepd: hugepd), at: address, pages: pages,
                  content: content, memory: memory, canHostHugepd: canHostHugepd)
    }

    /// The entries a placement may use, largest first: what ``placement(at:pages:content:maxLevel:contiguous:hugepd:memory:canHostHugepd:)``
    /// tries in turn (worked out once for a run of pages).
    public func placementCandidates(maxLevel: Level, contiguous: Bool, hugepd: HugepdUse) -> [Placement] {
        var candidates: [Placement] = []
        for geometry in levels where geometry.allowsLeaf && !geometry.isFolded && geometry.level >= maxLevel {
            if contiguous, geometry.contiguousEntries > 1 {
                candidates.append(.leaf(geometry.level, entries: geometry.contiguousEntries))
            }
            candidates.append(.leaf(geometry.level, entries: 1))
        }
        for geometry in levels where geometry.hugepdPageShift != nil {
            switch hugepd {
            case .never: break
            case .anyLevel: candidates.append(.hugepd(geometry.level))
            case .only(let level): if level == geometry.level { candidates.append(.hugepd(level)) }
            }
        }
        candidates.sort { self.pages(of: $0) > self.pages(of: $1) }
        return candidates
    }

    /// The first of `candidates` (``placementCandidates(maxLevel:contiguous:hugepd:)``) that fits,
    /// else a PTE.
    public func placement(among candidates: [Placement], at address: UInt64, pages: UInt64, content: PageContent,
                          memory: PhysicalMemory, canHostHugepd: (Level) -> Bool) -> Placement {
        for candidate in candidates where fits(candidate, address: address, pages: pages, content: content, memory: memory) {
            if case .hugepd(let level) = candidate, !canHostHugepd(level) { continue }
            return candidate
        }
        return .leaf(.pte, entries: 1)
    }

    private func fits(_ candidate: Placement, address: UInt64, pages available: UInt64, content: PageContent,
                      memory: PhysicalMemory) -> Bool {
        let size = pages(of: candidate)
        if size == 1 { return true }
        guard available >= size, Format.alignDown(address, size << UInt64(pageShift)) == address else { return false }
        let isBlock: Bool
        if case .leaf(_, let entries) = candidate { isBlock = entries > 1 } else { isBlock = false }
        switch content {
        case .present(let pfn, let attributes):
            guard pfn % size == 0, pfn != PhysicalMemory.zeroPFN else { return false }
            if isBlock { return !attributes.contains(.protNone) && !attributes.contains(.special) && memory.isWithinOneFolio(pfn: pfn, count: size) }
            return attributes.contains(.special) || memory.isWithinOneFolio(pfn: pfn, count: size)
        case .nonPresent(let entry):
            // Migration entries may sit in a PMD or hugepd slot (THP and hugetlb migration), and
            // device-private ones in a PMD slot (v6.18's device-private THPs); others take a PTE.
            guard entry.kind.isMigration || entry.kind.isDevicePrivate, !isBlock, entry.offset % size == 0 else { return false }
            switch candidate {
            case .leaf(let level, _): guard level == .pmd else { return false }
            case .hugepd: guard entry.kind.isMigration else { return false }
            }
            return entry.kind.isDevicePrivate || memory.isWithinOneFolio(pfn: entry.offset, count: size)
        }
    }
}
