/// The one way a writer design changes page tables: the words of the space it writes (and, for a
/// copy, of the child), the helpers Linux's writers call rather than write (`pte_alloc()`,
/// `split_huge_pmd()`, contpte unfold and fold, `huge_pte_alloc()`), and the accounting they report
/// (``WriteLedger``). Designs are handed one by ``WriterDesign/write(_:)``; the judge runs each on
/// its own copy of the space and compares the result with the model's reference operation.
public struct WriterView: Sendable {
    /// The operation being performed.
    public let operation: WriterOperation
    /// The space the operation writes; for a copy, the parent.
    public internal(set) var source: AddressSpace
    /// The copy's child space (its VMAs, memory and swap slots the parent's, its tables empty); nil otherwise.
    public internal(set) var destination: AddressSpace?
    /// The accounting the design reported, and that the helpers reported for what they did.
    public var ledger = WriteLedger()
    /// The new folio a set-entries operation maps (allocated before the design runs); nil otherwise.
    public let newFolio: Folio?
    /// The index of the folio the last ``normalFolio(_:attributes:in:)`` found.
    private var folioHint = 0

    /// A view of `space` for `operation`, validated: a set-entries operation gets its new folio,
    /// a copy its empty child. Throws, changing nothing, when the operation's arguments do not fit
    /// the format (SEMANTICS.md, "Writers"), or when a copy would pass the model's bounds (the
    /// child's tables past ``AddressSpace/maxTableWords`` with the parent's, or more than
    /// ``AddressSpace/maxEntriesPerOperation`` pinned pages copied).
    public init(_ space: AddressSpace, for operation: WriterOperation) throws(PageTableError) {
        try operation.validate(for: space.format)
        self.operation = operation
        var space = space
        switch operation {
        case .setEntries(let address, let order, _):
            let pages = UInt64(1) << UInt64(order)
            let range = AddressRange(start: address, end: address + pages * space.format.pageSize)
            guard space.units(in: range).isEmpty else {
                throw .unsupported("set_vpte_at over mapped entries in \(range)", format: space.format.name)
            }
            if case .hugepd(let level)? = space.format.placementForOrder(order), !space.canHostHugepd(at: address, level: level) {
                throw .unsupported("a hugepd page at 0x\(String(address, radix: 16)), whose directory's span maps other pages",
                                   format: space.format.name)
            }
            guard let folio = space.memory.allocateFolio(order: order, kind: .anonymous) else {
                throw .outOfMemory("no order-\(order) folio left")
            }
            newFolio = folio
            destination = nil
        case .copy(let options):
            // The bounds every operation has (AddressSpace+Bounds.swift): the child's tables are
            // the parent's again, and each pinned PTE-mapped page is a new folio of the child's.
            let words = UInt64(space.tables.words.count)
            guard 2 * words <= AddressSpace.maxTableWords else {
                throw .tooLarge("the copy would make a child of \(words) table words; the tables may hold at most \(AddressSpace.maxTableWords) words")
            }
            if !options.pinned.isEmpty {
                let copied = space.units(in: AddressRange(start: 0, end: space.format.top)).reduce(UInt64(0)) { total, unit in
                    guard unit.level == .pte, !unit.inHugepd, case .present(let pfn, _) = unit.content,
                          let folio = space.memory.folio(containing: pfn), folio.kind == .anonymous, options.mayBePinned(folio.id)
                    else { return total }
                    return total + space.format.pages(in: unit.span.size)
                }
                guard copied <= AddressSpace.maxEntriesPerOperation else {
                    throw .tooLarge("the copy would copy \(copied) pinned pages; an operation may write at most \(AddressSpace.maxEntriesPerOperation) entries")
                }
            }
            newFolio = nil
            var child = AddressSpace(format: space.format, owner: space.owner + 1)
            child.memory = space.memory
            child.nextSwapSlot = space.nextSwapSlot
            child.vmas = space.vmas
            destination = child
        case .zap, .changeProtection:
            newFolio = nil
            destination = nil
        }
        source = space
    }

    /// The format of both spaces.
    @inlinable public var format: Format { source.format }

    /// The space in `role`.
    public func space(_ role: SpaceRole) -> AddressSpace {
        role == .source ? source : destination!
    }

    /// The root table of `role`'s space.
    public func root(_ role: SpaceRole = .source) -> TableID { role == .source ? source.root : destination!.root }

    /// The word in `slot` of `role`'s space (`ptep_get()`).
    @inlinable public func word(_ slot: SlotRef, in role: SpaceRole = .source) -> UInt64 {
        role == .source ? source.tables.word(slot) : destination!.tables.word(slot)
    }

    /// Stores `word` in `slot` of `role`'s space (`set_pte_at()`, `pte_clear()`, `set_pmd_at()`).
    public mutating func setWord(_ slot: SlotRef, _ word: UInt64, in role: SpaceRole = .source) {
        if role == .source { source.tables.setWord(slot, word) } else { destination!.tables.setWord(slot, word) }
    }

    /// The live table in frame `pfn` of `role`'s space (`__va(pfn)`), or nil.
    public func table(atPFN pfn: UInt64, in role: SpaceRole = .source) -> TableID? {
        role == .source ? source.tables.table(atPFN: pfn) : destination!.tables.table(atPFN: pfn)
    }

    /// The folio holding frame `pfn`, or nil for the zero page's frames, special and unallocated
    /// ones (`vm_normal_folio()` on a present entry).
    ///
    /// Consecutive entries mostly map one folio or the next one allocated, so the lookup tries the
    /// folio the last one found and the one after it before it searches (a model's stand-in for
    /// `pfn_folio()`, which is an array index in Linux).
    public mutating func normalFolio(_ pfn: UInt64, attributes: LeafAttributes, in role: SpaceRole = .source) -> Folio? {
        guard !attributes.contains(.special) else { return nil }
        let found = role == .source ? Self.folio(pfn, in: source.memory, hint: &folioHint)
                                    : Self.folio(pfn, in: destination!.memory, hint: &folioHint)
        guard let found, found.kind != .zero else { return nil }
        return found
    }

    /// The folio holding `pfn` in `memory` (the zero page's and the huge zero folio's included),
    /// trying the folio at `hint` and the next before searching; `hint` becomes the folio found.
    private static func folio(_ pfn: UInt64, in memory: PhysicalMemory, hint: inout Int) -> Folio? {
        let folios = memory.folios
        if hint < folios.count {
            if folios[hint].contains(pfn) { return folios[hint] }
            if hint + 1 < folios.count, folios[hint + 1].contains(pfn) {
                hint += 1
                return folios[hint]
            }
        }
        guard let found = memory.folio(containing: pfn) else { return nil }
        hint = found.id.rawValue
        return found
    }

    /// The folio holding frame `pfn` (for the pfn of a migration or device-exclusive entry).
    public func folio(containing pfn: UInt64, in role: SpaceRole = .source) -> Folio? {
        role == .source ? source.memory.folio(containing: pfn) : destination!.memory.folio(containing: pfn)
    }

    /// Allocates an empty table for the entries of `level` under `slot` (of the level above) and
    /// points `slot` at it (`pte_alloc()`, `__pmd_alloc()`); `base` is the first address it maps.
    @discardableResult
    public mutating func allocateTable(under slot: SlotRef, level: Level, base: UInt64, in role: SpaceRole = .destination) -> TableID {
        let format = self.format
        let above = format.realLevel(above: level)!
        func allocate(_ space: inout AddressSpace) -> TableID {
            let table = space.tables.allocate(level: level, hugepdPageShift: nil, entryCount: format.geometry(level).entryCount,
                                              owner: space.owner, base: base)
            space.tables.setWord(slot, format.encode(.table(pfn: space.tables.pfn(of: table)), at: above))
            return table
        }
        return role == .source ? allocate(&source) : allocate(&destination!)
    }

    /// Splits the unit holding `address` in `role`'s space one step, with the accounting that
    /// does: a huge leaf into a table of the next level (`__split_huge_pmd()`: the whole-folio map
    /// becomes a map a page and a reference a page), a contiguous block into plain entries
    /// (`contpte_try_unfold()`), a hugepd page into ordinary tables. Nothing when the address maps
    /// nothing or a plain PTE.
    public mutating func splitUnit(containing address: UInt64, in role: SpaceRole = .source) {
        func split(_ space: inout AddressSpace, _ ledger: inout WriteLedger) {
            guard let unit = space.unit(containing: address), unit.isLarge else { return }
            // A hugepd page's split converts its whole directory.
            let entrySize = space.format.geometry(unit.level).entrySize
            let span = unit.inHugepd ? AddressRange(start: Format.alignDown(address, entrySize), end: Format.alignDown(address, entrySize) + entrySize)
                                     : unit.span
            ledger.count(space.units(in: span), of: space, role: role, sign: -1)
            space.split(unit)
            ledger.count(space.units(in: span), of: space, role: role, sign: 1)
        }
        if role == .source { split(&source, &ledger) } else { split(&destination!, &ledger) }
    }

    /// Folds the aligned block holding `address` in `role`'s space into a contiguous block when
    /// the contpte rule allows (`contpte_try_fold()`: one large folio, consecutive frames, equal
    /// protection ignoring young and dirty); nothing otherwise, or off arm64 (riscv's Svnapot
    /// blocks are hugetlb's alone).
    public mutating func tryFold(containing address: UInt64, in role: SpaceRole = .destination) {
        guard format.architecture == .arm64, format.hasContiguousEntries else { return }
        if role == .source { source.fold(at: address) } else { destination!.fold(at: address) }
    }

    /// The empty slot at `level` for `address` in `role`'s space, in a hugepd table when `hugepd`,
    /// with the tables on the way allocated (`huge_pte_alloc()`, `pte_alloc()`). The slot must map
    /// nothing.
    /// A hugepd directory in the way of a slot at another level is converted to ordinary tables
    /// first, with the accounting of that conversion.
    public mutating func preparedSlot(at level: Level, for address: UInt64, hugepd: Bool, in role: SpaceRole = .source) -> SlotRef {
        func prepare(_ space: inout AddressSpace, _ ledger: inout WriteLedger) -> SlotRef {
            let found = space.translate(address)
            guard found.inHugepd, !(hugepd && found.level == level) else { return space.preparedSlot(at: level, for: address, hugepd: hugepd) }
            let entrySize = space.format.geometry(found.level).entrySize
            let span = AddressRange(start: Format.alignDown(address, entrySize), end: Format.alignDown(address, entrySize) + entrySize)
            ledger.count(space.units(in: span), of: space, role: role, sign: -1)
            let slot = space.preparedSlot(at: level, for: address, hugepd: hugepd)
            ledger.count(space.units(in: span), of: space, role: role, sign: 1)
            return slot
        }
        return role == .source ? prepare(&source, &ledger) : prepare(&destination!, &ledger)
    }

    /// Allocates an order-0 anonymous folio in the child (`folio_prealloc()` in `copy_present_page()`).
    public mutating func allocateChildPage() -> Folio? {
        destination!.memory.allocateFolio(order: 0, kind: .anonymous)
    }
}

extension WriterOperation {
    /// Checks the operation's arguments against `format`.
    public func validate(for format: Format) throws(PageTableError) {
        switch self {
        case .setEntries(let address, let order, _):
            guard order >= 0, order <= format.maxFolioOrder else {
                throw .badFolio("order \(order) exceeds \(format.name)'s largest leaf (order \(format.maxFolioOrder))")
            }
            let bytes = format.pageSize << UInt64(order)
            guard address % bytes == 0 else { throw .unalignedAddress(address, alignment: bytes, role: "set_vpte_at address") }
            guard address < format.top, bytes <= format.top - address else { throw .pastTop(address &+ bytes, top: format.top, format: format.name) }
            guard format.placementForOrder(order) != nil else {
                throw .unsupported("an entry of order \(order) (\(format.pageSize << UInt64(order)) bytes)", format: format.name)
            }
        case .zap(let range, _), .changeProtection(let range, _):
            _ = try range.validated(for: format)
        case .copy(let options):
            if options.pinned.contains(where: { $0.rawValue < 0 }) { throw .badFolio("a pinned folio number is negative") }
            if options.destinationUffdWP, !format.supportsUffdWP { throw .unsupported("uffd-wp entries", format: format.name) }
        }
    }
}

extension Format {
    /// The entry `set_vpte_at` writes for a folio of `order`: the first of the format's placements
    /// (``placementCandidates(maxLevel:contiguous:hugepd:)``, leaves and blocks before hugepd
    /// pages) that maps exactly `1 << order` pages; nil when the format has none (the order is refused).
    public func placementForOrder(_ order: Int) -> Placement? {
        guard order >= 0, order < 63 else { return nil }
        let top = leafLevels.min() ?? .pte
        return placementCandidates(maxLevel: top, contiguous: hasContiguousEntries, hugepd: hasHugepd ? .anyLevel : .never)
            .first { pages(of: $0) == 1 << UInt64(order) }
    }
}
