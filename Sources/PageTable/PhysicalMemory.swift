/// The frames of an address space's machine: folios, the zero page and special (PFNMAP-style) frames.
///
/// Allocation is a deterministic bump: the same requests give the same frames on every run, which is
/// what lets the abstract model and the tree agree on the frames a sequence of operations produces.
/// Frames are never reused. Regions: folios from ``folioBase``, special frames from ``specialBase``,
/// page-table pages from ``TableMemory/basePFN``.
public struct PhysicalMemory: Hashable, Sendable {
    /// The frame of the shared zero page.
    public static let zeroPFN: UInt64 = 0x10
    /// The first frame folios are allocated from.
    public static let folioBase: UInt64 = 0x100
    /// The first frame special mappings are allocated from; folio frames stay below it.
    public static let specialBase: UInt64 = 1 << 30

    /// The memory's parts, held by reference and copied on a write when shared: a walk's folio
    /// view copies the memory, and copying three arrays (a retain and a release each) was a large
    /// part of a short walk (BENCHMARKS.md, "Step 13").
    @usableFromInline final class Storage: @unchecked Sendable {
        @exclusivity(unchecked) @usableFromInline var folios: [Folio]
        @exclusivity(unchecked) @usableFromInline var runStarts: [Int]
        @exclusivity(unchecked) @usableFromInline var runEnds: [UInt64]
        var hugeZeroFolio: FolioID?
        var nextFolioPFN: UInt64 = PhysicalMemory.folioBase
        var nextSpecialPFN: UInt64 = PhysicalMemory.specialBase

        init(folios: [Folio], runStarts: [Int], runEnds: [UInt64]) {
            self.folios = folios
            self.runStarts = runStarts
            self.runEnds = runEnds
        }

        func copy() -> Storage {
            let copy = Storage(folios: folios, runStarts: runStarts, runEnds: runEnds)
            copy.hugeZeroFolio = hugeZeroFolio
            copy.nextFolioPFN = nextFolioPFN
            copy.nextSpecialPFN = nextSpecialPFN
            return copy
        }
    }

    @usableFromInline private(set) var storage: Storage

    /// The storage, copied first when another memory shares it.
    private var unique: Storage {
        mutating get {
            if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
            return storage
        }
    }

    /// Every folio, indexed by ``FolioID/rawValue``; their frames ascend with their index.
    @inlinable public var folios: [Folio] { storage.folios }
    /// For each folio, the index of the first folio of the back-to-back run it belongs to (see
    /// ``backToBackEnd(of:)``): the run's first folio's when it starts where the folio before it
    /// ends, neither being the zero page; its own index otherwise.
    @inlinable var runStarts: [Int] { storage.runStarts }
    /// At the index of each run's first folio, the frame just past the run's last folio (kept as
    /// the run grows); at other indices, what it was when that folio was appended.
    @inlinable var runEnds: [UInt64] { storage.runEnds }
    /// The huge zero folio (`huge_zero_folio`), once a PMD-mapped zero page asked for it.
    public var hugeZeroFolio: FolioID? { storage.hugeZeroFolio }
    private var nextFolioPFN: UInt64 { storage.nextFolioPFN }
    private var nextSpecialPFN: UInt64 { storage.nextSpecialPFN }

    /// Creates memory holding only the zero page.
    public init() {
        let zero = Folio(id: FolioID(rawValue: 0), pfn: Self.zeroPFN, order: 0, kind: .zero)
        storage = Storage(folios: [zero], runStarts: [0], runEnds: [zero.endPFN])
    }

    /// Two memories are equal when every part is.
    public static func == (lhs: PhysicalMemory, rhs: PhysicalMemory) -> Bool {
        let l = lhs.storage, r = rhs.storage
        return l === r || (l.folios == r.folios && l.runStarts == r.runStarts && l.runEnds == r.runEnds
            && l.hugeZeroFolio == r.hugeZeroFolio && l.nextFolioPFN == r.nextFolioPFN && l.nextSpecialPFN == r.nextSpecialPFN)
    }

    /// Hashes the parts `==` compares.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(storage.folios)
        hasher.combine(storage.runStarts)
        hasher.combine(storage.runEnds)
        hasher.combine(storage.hugeZeroFolio)
        hasher.combine(storage.nextFolioPFN)
        hasher.combine(storage.nextSpecialPFN)
    }

    /// Allocates a folio of `order`, naturally aligned; nil for an order outside 0...30 or when the
    /// folio region is exhausted.
    public mutating func allocateFolio(order: Int, kind: FolioKind) -> Folio? {
        guard (0...30).contains(order) else { return nil }
        let size: UInt64 = 1 << UInt64(order)
        let pfn = Format.alignDown(nextFolioPFN + size - 1, size)
        guard pfn + size <= Self.specialBase else { return nil }
        return appended(Folio(id: FolioID(rawValue: folios.count), pfn: pfn, order: order, kind: kind))
    }

    /// The huge zero folio of `order` (the format's PMD order, `HPAGE_PMD_ORDER`), allocated on first
    /// use like `mm_get_huge_zero_folio()` and kept; nil when the folio region is exhausted or the
    /// folio exists with another order.
    public mutating func hugeZero(order: Int) -> Folio? {
        if let id = hugeZeroFolio {
            let folio = folios[id.rawValue]
            return folio.order == order ? folio : nil
        }
        guard let folio = allocateFolio(order: order, kind: .zero) else { return nil }
        unique.hugeZeroFolio = folio.id
        return folio
    }

    /// Whether `pfn` lies in a zero folio: the zero page or the huge zero folio (`is_zero_pfn()`,
    /// `is_huge_zero_pfn()`).
    public func isZeroFrame(_ pfn: UInt64) -> Bool {
        pfn == Self.zeroPFN || hugeZeroFolio.map { folios[$0.rawValue].contains(pfn) } == true
    }

    /// The folio `id`, or nil when there is none.
    public func folio(_ id: FolioID) -> Folio? {
        id.rawValue >= 0 && id.rawValue < folios.count ? folios[id.rawValue] : nil
    }

    /// Marks every frame not yet handed out as taken (the test hook behind ``AddressSpace/_exhaustFrames()``).
    mutating func exhaust() {
        let storage = unique
        storage.nextFolioPFN = Self.specialBase
        storage.nextSpecialPFN = TableMemory.basePFN
    }

    /// Allocates `count` consecutive special frames aligned to the next power of two; nil when exhausted.
    public mutating func allocateSpecial(count: UInt64) -> UInt64? {
        guard count > 0, count <= 1 << 29 else { return nil }
        let size = count.nonzeroBitCount == 1 ? count : 1 << UInt64(64 - count.leadingZeroBitCount)
        let pfn = Format.alignDown(nextSpecialPFN + size - 1, size)
        guard pfn + count <= TableMemory.basePFN else { return nil }
        unique.nextSpecialPFN = pfn + count
        return pfn
    }

    /// Adopts a folio at a given frame, as an importer of real page tables needs; nil for an order
    /// outside 0...30, or if the frame is not above every folio so far (adopt in ascending frame
    /// order) or lies outside the folio region.
    package mutating func adoptFolio(pfn: UInt64, order: Int, kind: FolioKind) -> Folio? {
        guard (0...30).contains(order) else { return nil }
        let size: UInt64 = 1 << UInt64(order)
        guard pfn % size == 0, pfn >= nextFolioPFN, pfn + size <= Self.specialBase else { return nil }
        return appended(Folio(id: FolioID(rawValue: folios.count), pfn: pfn, order: order, kind: kind))
    }

    /// Adopts the huge zero folio at a given frame (an importer's), as ``adoptFolio(pfn:order:kind:)``
    /// adopts a folio; nil when one exists already or the frame cannot be adopted.
    package mutating func adoptHugeZero(pfn: UInt64, order: Int) -> Folio? {
        guard hugeZeroFolio == nil, let folio = adoptFolio(pfn: pfn, order: order, kind: .zero) else { return nil }
        unique.hugeZeroFolio = folio.id
        return folio
    }

    /// Appends `folio`, the next in frame order, and returns it.
    private mutating func appended(_ folio: Folio) -> Folio {
        let last = folios[folios.count - 1]
        let joins = last.kind != .zero && folio.startsBackToBack(at: last.endPFN)
        let start = joins ? runStarts[folios.count - 1] : folios.count
        let storage = unique
        storage.runStarts.append(start)
        storage.runEnds.append(folio.endPFN)
        storage.runEnds[start] = folio.endPFN
        storage.folios.append(folio)
        storage.nextFolioPFN = folio.endPFN
        return folio
    }

    /// The frame just past the last folio of the back-to-back run holding `folio`: the folios from
    /// it on that each start at the frame where the one before ends, none the zero page (the zero
    /// page's run is itself), so that a run of PTEs mapping consecutive frames from `folio`'s can
    /// cross from each into the next up to there. Two lookups, not one a folio. Traps when `folio`
    /// is not a folio of this memory.
    @inlinable public func backToBackEnd(of folio: FolioID) -> UInt64 {
        runEnds[runStarts[folio.rawValue]]
    }

    /// Whether folios `first` through `last` lie back to back in frame order (one run, as
    /// ``backToBackEnd(of:)`` defines it), none of them the zero page. False when `last` is before
    /// `first` or either is not a folio of this memory.
    @inlinable public func liesBackToBack(from first: FolioID, through last: FolioID) -> Bool {
        guard first.rawValue >= 0, first.rawValue <= last.rawValue, last.rawValue < folios.count else { return false }
        return folios[first.rawValue].kind != .zero && folios[last.rawValue].endPFN <= backToBackEnd(of: first)
    }

    /// The folio holding frame `pfn`, or nil for special frames and frames never allocated.
    public func folio(containing pfn: UInt64) -> Folio? {
        if pfn == Self.zeroPFN { return folios[0] }
        var low = 1, high = folios.count
        while low < high {
            let mid = (low + high) / 2
            if folios[mid].pfn <= pfn { low = mid + 1 } else { high = mid }
        }
        guard low > 1 else { return nil }
        let candidate = folios[low - 1]
        return candidate.contains(pfn) ? candidate : nil
    }

    /// Whether `count` frames from `pfn` all lie in one anonymous or file folio.
    public func isWithinOneFolio(pfn: UInt64, count: UInt64) -> Bool {
        guard let folio = folio(containing: pfn), folio.kind != .zero else { return false }
        return folio.contains(pfn + count - 1)
    }
}
