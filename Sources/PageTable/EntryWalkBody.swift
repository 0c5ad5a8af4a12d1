/// An entry-walk design written as one generic body: the ``EntryWalkDesign`` entry point, which
/// opens the reader so that the body is specialised, is one line calling
/// `walkEntriesOpened`.
public protocol EntryWalkBody: EntryWalkDesign {
    /// The entry walk with `reader` (see ``EntryWalkDesign/walkEntries(_:range:flags:_:)``).
    func walkEntriesBody<R: TableReader>(_ reader: R, range: AddressRange, flags: EntryWalkFlags,
                                         _ visit: (EntryWalkItem) -> Void) throws(PageTableError)
}

extension EntryWalkBody {
    /// The body run with the reader as its concrete type when it is one WalkCheck uses (the
    /// benchmarks' ``DirectReader``, the checks' counting reader over one): what the design's own
    /// `walkEntries` calls, so that the body is specialised for them.
    ///
    /// The design writes that one-line entry point itself, in its own module: a default
    /// implementation here would be inlined into every caller that names the design's type, in the
    /// caller's module, where the body cannot be specialised — the benchmark's batched walk ran at
    /// three times its speed so. The readers are tested here rather than by a task object holding
    /// the visitor: a closure kept in a struct must be made escaping, which cost an allocation per
    /// walk, and one passed as a generic task's `(Item) -> Void` goes through a thunk per run.
    ///
    /// In a space with VMAs (and unless the body walks them itself) it is `walk_page_range()`'s VMA
    /// loop: a gap, or a `VM_PFNMAP` VMA (the default `test_walk`), is one hole at depth -1, a
    /// hugetlb VMA is walked huge page by huge page (``HugetlbWalk``, unless the walk asks for the
    /// unified view), and the body walks each other VMA's part of the range alone.
    @inlinable @inline(__always)
    public func walkEntriesOpened<R: TableReader>(_ reader: R, range: AddressRange, flags: EntryWalkFlags,
                                           _ visit: (EntryWalkItem) -> Void) throws(PageTableError) {
        guard !walksVMAsItself, let vmas = reader.vmas else { return try walkEntriesSpecialised(reader, range: range, flags: flags, visit) }
        let format = reader.format
        try vmas.forEachPiece(in: try range.validated(for: format)) { (piece, vma) throws(PageTableError) in
            guard let vma, !vma.flags.contains(.pfnmap) else {
                if !flags.contains(.skipNone) { visit(.vmaHole(piece, format: format)) }
                return
            }
            guard let shape = vma.hugetlb, !flags.contains(.unifiedHugetlb) else {
                return try walkEntriesSpecialised(reader, range: piece, flags: flags, visit)
            }
            HugetlbWalk.forEachHugePage(reader, range: piece, shape: shape) { part, entry in
                guard let entry else {
                    if !flags.contains(.skipNone) { visit(.vmaHole(part, format: format)) }
                    return
                }
                if !(flags.contains(.skipNone) && entry.isNone) { visit(EntryWalkItem(range: part, level: shape.level, inHugepd: false, entry: entry)) }
            }
        }
    }

    /// The body, specialised for the readers WalkCheck uses: the reader's type is compared
    /// (one compare of two pointers) rather than cast with `as?` (a runtime call, a tenth of a short walk).
    @inlinable @inline(__always)
    func walkEntriesSpecialised<R: TableReader>(_ reader: R, range: AddressRange, flags: EntryWalkFlags,
                                                _ visit: (EntryWalkItem) -> Void) throws(PageTableError) {
        if R.self == DirectReader.self { return try walkEntriesBody(unsafeBitCast(reader, to: DirectReader.self), range: range, flags: flags, visit) }
        if R.self == CountingReader<DirectReader>.self { return try walkEntriesBody(unsafeBitCast(reader, to: CountingReader<DirectReader>.self), range: range, flags: flags, visit) }
        return try walkEntriesBody(reader, range: range, flags: flags, visit)
    }
}
