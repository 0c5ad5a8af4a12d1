/// The page-table pages of an address space: their words and their descriptors.
///
/// Every allocation and free goes through a ``PTDesc``; a freed page is zeroed and reused last-in,
/// first-out by a later allocation of the same size, deterministically (never, in a racing walk's copy).
public struct TableMemory: Hashable, Sendable {
    /// The frame number of table 0; table `id` lives in frame `basePFN + id`.
    public static let basePFN: UInt64 = 1 << 31

    /// The words of every table page, each page at its descriptor's storage offset.
    public private(set) var words: [UInt64] = []
    /// Every descriptor ever allocated, indexed by ``TableID/rawValue``.
    public private(set) var descriptors: [PTDesc] = []
    private var freeLists: [Int: [TableID]] = [:]
    /// Whether freed pages stay off the free lists (a racing walk's copy: a table freed under a
    /// walker is RCU-freed, never reused while the walker may still read it).
    package var defersReuse = false

    /// Creates empty table memory.
    public init() {}

    /// The frame number of `table`.
    @inlinable public func pfn(of table: TableID) -> UInt64 { Self.basePFN + UInt64(table.rawValue) }

    /// The table held in frame `pfn`, or nil when no table page was ever allocated there.
    @inlinable public func table(atPFN pfn: UInt64) -> TableID? {
        guard pfn >= Self.basePFN, pfn - Self.basePFN < UInt64(descriptors.count) else { return nil }
        return TableID(rawValue: Int(pfn - Self.basePFN))
    }

    /// The descriptor of `table`.
    @inlinable public func descriptor(_ table: TableID) -> PTDesc { descriptors[table.rawValue] }

    /// The word in `slot`.
    @inlinable public func word(_ slot: SlotRef) -> UInt64 {
        words[descriptors[slot.table.rawValue].storageOffset + slot.index]
    }

    /// The live tables, in descriptor order.
    public var liveTables: [TableID] {
        descriptors.indices.filter { descriptors[$0].state == .live }.map { TableID(rawValue: $0) }
    }

    /// Allocates a zeroed table of `entryCount` entries for `level`, owned by `owner`, mapping from `base`.
    mutating func allocate(level: Level, hugepdPageShift: Int?, entryCount: Int, owner: Int, base: UInt64) -> TableID {
        if let reused = freeLists[entryCount]?.popLast() {
            descriptors[reused.rawValue].level = level
            descriptors[reused.rawValue].hugepdPageShift = hugepdPageShift
            descriptors[reused.rawValue].owner = owner
            descriptors[reused.rawValue].base = base
            descriptors[reused.rawValue].nonNoneCount = 0
            descriptors[reused.rawValue].state = .live
            return reused
        }
        let id = TableID(rawValue: descriptors.count)
        descriptors.append(PTDesc(level: level, hugepdPageShift: hugepdPageShift, owner: owner, base: base,
                                  nonNoneCount: 0, state: .live, entryCount: entryCount, storageOffset: words.count))
        words.append(contentsOf: repeatElement(0, count: entryCount))
        return id
    }

    /// Zeroes `table` and puts it on the free list.
    mutating func free(_ table: TableID) {
        let descriptor = descriptors[table.rawValue]
        precondition(descriptor.state == .live, "\(table) freed twice")
        for index in 0..<descriptor.entryCount { words[descriptor.storageOffset + index] = 0 }
        descriptors[table.rawValue].nonNoneCount = 0
        descriptors[table.rawValue].state = .free
        if !defersReuse { freeLists[descriptor.entryCount, default: []].append(table) }
    }

    /// Stores `word` in `slot`, keeping the descriptor's count of non-none entries.
    mutating func setWord(_ slot: SlotRef, _ word: UInt64) {
        let offset = descriptors[slot.table.rawValue].storageOffset + slot.index
        let old = words[offset]
        words[offset] = word
        if old == 0, word != 0 { descriptors[slot.table.rawValue].nonNoneCount += 1 }
        if old != 0, word == 0 { descriptors[slot.table.rawValue].nonNoneCount -= 1 }
    }

    /// Stores a raw word without touching the descriptor (the test hook behind ``AddressSpace/_corruptWord(_:_:)``).
    mutating func _corruptWord(_ slot: SlotRef, _ word: UInt64) {
        words[descriptors[slot.table.rawValue].storageOffset + slot.index] = word
    }
}
