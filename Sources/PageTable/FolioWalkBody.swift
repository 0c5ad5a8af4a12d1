/// A folio-walk design written as one generic body: the ``FolioWalkDesign`` entry point, which
/// opens the reader so that the body is specialised (``ReaderTask``), comes with the conformance.
public protocol FolioWalkBody: FolioWalkDesign {
    /// The folio walk with `reader` (see ``FolioWalkDesign/walkFolios(_:range:flags:_:)``).
    func walkFoliosBody<R: TableReader>(_ reader: R, range: AddressRange, flags: FolioWalkFlags,
                                        _ visit: (FolioRun) -> Void) throws(PageTableError)
}

/// ``FolioWalkBody/walkFoliosBody(_:range:flags:_:)`` as a task.
public struct FolioWalkTask<Design: FolioWalkBody>: ReaderTask {
    @usableFromInline let design: Design
    @usableFromInline let range: AddressRange
    @usableFromInline let flags: FolioWalkFlags
    @usableFromInline let visit: (FolioRun) -> Void

    /// A task walking `range` with `flags` for `design`.
    @inlinable init(design: Design, range: AddressRange, flags: FolioWalkFlags, visit: @escaping (FolioRun) -> Void) {
        self.design = design
        self.range = range
        self.flags = flags
        self.visit = visit
    }

    /// Runs the design's body with `reader`.
    @inlinable public func run<R: TableReader>(_ reader: R) throws(PageTableError) {
        try design.walkFoliosBody(reader, range: range, flags: flags, visit)
    }
}

extension FolioWalkBody {
    /// The folio walk: the body, with the reader opened (``TableReader/open(_:)``).
    @inlinable @inline(__always)
    public func walkFolios<R: TableReader>(_ reader: R, range: AddressRange, flags: FolioWalkFlags,
                                           _ visit: (FolioRun) -> Void) throws(PageTableError) {
        try withoutActuallyEscaping(visit) { (visit) throws(PageTableError) in
            try reader.open(FolioWalkTask(design: self, range: range, flags: flags, visit: visit))
        }
    }
}
