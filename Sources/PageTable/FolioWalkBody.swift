/// A folio-walk design written as one generic body: the ``FolioWalkDesign`` entry point, which
/// opens the reader so that the body is specialised, is one line calling
/// `walkFoliosOpened`.
public protocol FolioWalkBody: FolioWalkDesign {
    /// The folio walk with `reader` (see ``FolioWalkDesign/walkFolios(_:range:flags:_:)``).
    func walkFoliosBody<R: TableReader>(_ reader: R, range: AddressRange, flags: FolioWalkFlags,
                                        _ visit: (FolioRun) -> Void) throws(PageTableError)
}

extension FolioWalkBody {
    /// The body run with the reader as its concrete type when it is one WalkCheck uses (the
    /// benchmarks' ``DirectReader``, the checks' counting reader over one): what the design's own
    /// `walkFolios` calls, so that the body is specialised for them.
    ///
    /// The design writes that one-line entry point itself, in its own module: a default
    /// implementation here would be inlined into every caller that names the design's type, in the
    /// caller's module, where the body cannot be specialised — the benchmark's batched walk ran at
    /// three times its speed so. The readers are tested here rather than by a task object holding
    /// the visitor: a closure kept in a struct must be made escaping, which cost an allocation per
    /// walk, and one passed as a generic task's `(Item) -> Void` goes through a thunk per run.
    ///
    /// In a space with VMAs (and unless the body walks them itself) the body walks each VMA's part
    /// of the range alone, so that no run crosses a VMA boundary; gaps hold nothing.
    @inlinable @inline(__always)
    public func walkFoliosOpened<R: TableReader>(_ reader: R, range: AddressRange, flags: FolioWalkFlags,
                                           _ visit: (FolioRun) -> Void) throws(PageTableError) {
        guard !walksVMAsItself, let vmas = reader.vmas else { return try walkFoliosSpecialised(reader, range: range, flags: flags, visit) }
        try vmas.forEachPiece(in: try range.validated(for: reader.format)) { (piece, vma) throws(PageTableError) in
            if vma != nil { try walkFoliosSpecialised(reader, range: piece, flags: flags, visit) }
        }
    }

    /// The body, specialised for the readers WalkCheck uses: the reader's type is compared
    /// (one compare of two pointers) rather than cast with `as?` (a runtime call, a tenth of a short walk).
    @inlinable @inline(__always)
    func walkFoliosSpecialised<R: TableReader>(_ reader: R, range: AddressRange, flags: FolioWalkFlags,
                                               _ visit: (FolioRun) -> Void) throws(PageTableError) {
        if R.self == DirectReader.self { return try walkFoliosBody(unsafeBitCast(reader, to: DirectReader.self), range: range, flags: flags, visit) }
        if R.self == CountingReader<DirectReader>.self { return try walkFoliosBody(unsafeBitCast(reader, to: CountingReader<DirectReader>.self), range: range, flags: flags, visit) }
        try walkFoliosBody(reader, range: range, flags: flags, visit)
    }
}
