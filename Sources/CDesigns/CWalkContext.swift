import PageTable
import WalkCheckC

/// What a C walker's accessors reach through `ctx`: the reader, the format, and the visitor its
/// reports go to, each where the walk keeps it on its stack. Only pointers, so an accessor reads
/// the context without copying it: holding the values themselves, each accessor's call copied and
/// destroyed the context (an existential, a format and a closure: about 170 instructions, nine
/// times a one-page walk). A C walk's one allocation is the box `withoutActuallyEscaping` makes
/// for the visitor (BENCHMARKS.md, "Step 13").
struct CWalkContext {
    let reader: CWalkReaderAccess
    let formatPointer: UnsafePointer<Format>
    let visitor: UnsafePointer<CWalkVisitor>

    /// The format (``TableReader/format``).
    var format: Format { formatPointer.pointee }

    /// The word at `index` of `table` (``TableReader/read(_:_:)``).
    func read(_ table: TableHandle, _ index: Int) -> UInt64 {
        switch reader {
        case .direct(let reader): reader.pointee.read(table, index)
        case .other(let reader): reader.pointee.read(table, index)
        }
    }
    /// The live table in frame `pfn` (``TableReader/table(atPFN:)``).
    func table(_ pfn: UInt64) -> TableHandle? {
        switch reader {
        case .direct(let reader): reader.pointee.table(atPFN: pfn)
        case .other(let reader): reader.pointee.table(pfn)
        }
    }
    /// ``TableReader/lockPTETable(atPFN:parent:_:expecting:)``.
    func lock(_ pfn: UInt64, _ parent: TableHandle, _ index: Int, _ word: UInt64) -> TableHandle? {
        switch reader {
        case .direct(let reader): reader.pointee.lockPTETable(atPFN: pfn, parent: parent, index, expecting: word)
        case .other(let reader): reader.pointee.lock(pfn, parent, index, word)
        }
    }
    /// ``TableReader/unlockPTETable(_:)``.
    func unlock(_ table: TableHandle) {
        switch reader {
        case .direct(let reader): reader.pointee.unlockPTETable(table)
        case .other(let reader): reader.pointee.unlock(table)
        }
    }

    /// The context behind a C accessor's `ctx`.
    static func of(_ ctx: UnsafeMutableRawPointer?) -> UnsafePointer<CWalkContext> {
        UnsafePointer(ctx!.assumingMemoryBound(to: CWalkContext.self))
    }

    /// The level of a C report, or nil when it names none (the walker's bug: its item then fails the check).
    static func level(_ level: Int32) -> Level? { Level(depth: Int(level)) }

    /// The entry `word` holds at `level`, or nil for a level outside 0...4.
    func decode(_ word: UInt64, _ level: Int32, inHugepd: Bool = false, _ address: UInt64) -> Entry? {
        guard let level = Self.level(level), !(inHugepd && formatPointer.pointee.geometry(level).hugepdPageShift == nil) else { return nil }
        return formatPointer.pointee.decode(word, at: level, inHugepd: inHugepd, address: address)
    }

    /// A `struct wc_walk` for `format` with every accessor set; `ctx` and `words` left for the caller.
    static func walkStruct(format: Format, flags: EntryWalkFlags, root: TableHandle) -> wc_walk {
        var walk = wc_walk()
        withUnsafeMutableBytes(of: &walk.level) { raw in
            let levels = raw.bindMemory(to: wc_level.self)
            // The format's levels in depth order, read once (not looked up level by level).
            format.levels.withUnsafeBufferPointer { geometries in
                for (depth, geometry) in zip(levels.indices, geometries) {
                    levels[depth] = wc_level(shift: UInt32(truncatingIfNeeded: geometry.shift),
                                             index_bits: UInt32(truncatingIfNeeded: geometry.indexBits),
                                             cont_entries: UInt32(truncatingIfNeeded: max(1, geometry.contiguousEntries)),
                                             hugepd_shift: UInt32(truncatingIfNeeded: geometry.hugepdPageShift ?? 0))
                }
            }
        }
        walk.root_level = Int32(format.rootLevel.depth)
        walk.flags = (flags.contains(.skipNone) ? UInt32(WC_SKIP_NONE) : 0) | (flags.contains(.coalesceContiguous) ? UInt32(WC_COALESCE) : 0)
        walk.root = UInt64(root.base)
        walk.read = { ctx, table, index in
            CWalkContext.of(ctx).pointee.read(TableHandle(base: Int(truncatingIfNeeded: table)), Int(index))
        }
        walk.kind = { ctx, word, level, inHugepd, address in
            switch CWalkContext.of(ctx).pointee.decode(word, level, inHugepd: inHugepd, address) {
            case .none?, nil: WC_NONE
            case .table?: WC_TABLE
            case .hugepd?: WC_HUGEPD
            case .leaf?: WC_LEAF
            case .nonPresent?: WC_NONPRESENT
            }
        }
        walk.cont = { ctx, word, level, address in
            guard case .leaf(_, let attributes)? = CWalkContext.of(ctx).pointee.decode(word, level, address) else { return false }
            return attributes.contains(.contiguous)
        }
        walk.young_dirty = { ctx, word, level, address in
            guard case .leaf(_, let attributes)? = CWalkContext.of(ctx).pointee.decode(word, level, address) else { return 0 }
            return (attributes.contains(.young) ? UInt32(WC_YOUNG) : 0) | (attributes.contains(.dirty) ? UInt32(WC_DIRTY) : 0)
        }
        walk.pfn = { ctx, word, level, address in
            guard case .leaf(let pfn, _)? = CWalkContext.of(ctx).pointee.decode(word, level, address) else { return UInt64.max }
            return pfn
        }
        walk.prot = { ctx, word, level, address in
            guard case .leaf(_, let attributes)? = CWalkContext.of(ctx).pointee.decode(word, level, address) else { return UInt64.max }
            return UInt64(attributes.subtracting([.young, .dirty]).rawValue)
        }
        walk.table = { ctx, word, level in
            let context = CWalkContext.of(ctx)
            switch context.pointee.decode(word, level, 0) {
            case .table(let pfn)?, .hugepd(let pfn, _)?: return context.pointee.table(pfn).map { UInt64($0.base) } ?? UInt64.max
            default: return UInt64.max
            }
        }
        walk.pte_lock = { ctx, pmd, parent, index in
            let context = CWalkContext.of(ctx)
            guard case .table(let pfn) = context.pointee.format.decode(pmd, at: .pmd, address: 0) else { return UInt64.max }
            return context.pointee.lock(pfn, TableHandle(base: Int(truncatingIfNeeded: parent)), Int(index), pmd).map { UInt64($0.base) } ?? UInt64.max
        }
        walk.pte_unlock = { ctx, table in
            CWalkContext.of(ctx).pointee.unlock(TableHandle(base: Int(truncatingIfNeeded: table)))
        }
        walk.report = { ctx, start, end, level, inHugepd, word, youngDirty in
            CWalkContext.of(ctx).pointee.report(start, end, level, inHugepd, word, youngDirty)
        }
        return walk
    }

    /// Turns one report into an item: the word decoded, a leaf's pfn moved on to `start`'s page,
    /// the reported young and dirty ORed in. A report naming no level becomes an item at the PGD
    /// with the raw word lost, which the check then shows as the walker's difference.
    func report(_ start: UInt64, _ end: UInt64, _ level: Int32, _ inHugepd: Bool, _ word: UInt64, _ youngDirty: UInt32) {
        guard let depth = Self.level(level), var entry = decode(word, level, inHugepd: inHugepd, start) else {
            return visitor.pointee.visit(EntryWalkItem(range: AddressRange(start: start, end: end), level: .pgd, inHugepd: inHugepd, entry: .none))
        }
        if case .leaf(let pfn, var attributes) = entry {
            let geometry = format.geometry(depth)
            let size: UInt64 = inHugepd ? 1 << UInt64(geometry.hugepdPageShift!) : geometry.entrySize
            if youngDirty & UInt32(WC_YOUNG) != 0 { attributes.insert(.young) }
            if youngDirty & UInt32(WC_DIRTY) != 0 { attributes.insert(.dirty) }
            entry = .leaf(pfn: pfn &+ format.pages(in: start &- Format.alignDown(start, size)), attributes: attributes)
        }
        visitor.pointee.visit(EntryWalkItem(range: AddressRange(start: start, end: end), level: depth, inHugepd: inHugepd, entry: entry))
    }
}

/// The visitor a C walk's reports go to, held in a struct so that a pointer to it keeps the
/// closure as it is: a pointer to the closure itself (a generic `T`) made Swift wrap it in a
/// reabstraction thunk, an allocation a walk.
struct CWalkVisitor {
    let visit: (EntryWalkItem) -> Void
}

/// The reader's operations as a C accessor needs them, whatever the reader's type.
protocol CWalkReaderOps {
    func read(_ table: TableHandle, _ index: Int) -> UInt64
    func table(_ pfn: UInt64) -> TableHandle?
    func lock(_ pfn: UInt64, _ parent: TableHandle, _ index: Int, _ word: UInt64) -> TableHandle?
    func unlock(_ table: TableHandle)
}

/// A reader of type `R` on the walk's stack, reached through a pointer: one word, so the
/// existential holds it inline and nothing is allocated.
struct CWalkReaderRef<R: TableReader>: CWalkReaderOps {
    let reader: UnsafePointer<R>

    func read(_ table: TableHandle, _ index: Int) -> UInt64 { reader.pointee.read(table, index) }
    func table(_ pfn: UInt64) -> TableHandle? { reader.pointee.table(atPFN: pfn) }
    func lock(_ pfn: UInt64, _ parent: TableHandle, _ index: Int, _ word: UInt64) -> TableHandle? {
        reader.pointee.lockPTETable(atPFN: pfn, parent: parent, index, expecting: word)
    }
    func unlock(_ table: TableHandle) { reader.pointee.unlockPTETable(table) }
}

/// The reader a C walk's accessors call: the direct reader itself (its methods called as they
/// are, where an existential's were generic witnesses: a table look-up cost 133 instructions), or
/// any other through ``CWalkReaderOps`` (a C function pointer cannot be generic).
enum CWalkReaderAccess {
    case direct(UnsafePointer<DirectReader>)
    case other(UnsafePointer<any CWalkReaderOps>)
}
