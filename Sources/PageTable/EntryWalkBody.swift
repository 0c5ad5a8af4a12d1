/// An entry-walk design written as one generic body: the ``EntryWalkDesign`` entry point, which
/// opens the reader so that the body is specialised (``ReaderTask``), comes with the conformance.
public protocol EntryWalkBody: EntryWalkDesign {
    /// The entry walk with `reader` (see ``EntryWalkDesign/walkEntries(_:range:flags:_:)``).
    func walkEntriesBody<R: TableReader>(_ reader: R, range: AddressRange, flags: EntryWalkFlags,
                                         _ visit: (EntryWalkItem) -> Void) throws(PageTableError)
}

/// ``EntryWalkBody/walkEntriesBody(_:range:flags:_:)`` as a task.
public struct EntryWalkTask<Design: EntryWalkBody>: ReaderTask {
    @usableFromInline let design: Design
    @usableFromInline let range: AddressRange
    @usableFromInline let flags: EntryWalkFlags
    @usableFromInline let visit: (EntryWalkItem) -> Void

    /// A task walking `range` with `flags` for `design`.
    @inlinable init(design: Design, range: AddressRange, flags: EntryWalkFlags, visit: @escaping (EntryWalkItem) -> Void) {
        self.design = design
        self.range = range
        self.flags = flags
        self.visit = visit
    }

    /// Runs the design's body with `reader`.
    @inlinable public func run<R: TableReader>(_ reader: R) throws(PageTableError) {
        try design.walkEntriesBody(reader, range: range, flags: flags, visit)
    }
}

extension EntryWalkBody {
    /// The entry walk: the body, with the reader opened (``TableReader/open(_:)``).
    @inlinable @inline(__always)
    public func walkEntries<R: TableReader>(_ reader: R, range: AddressRange, flags: EntryWalkFlags,
                                            _ visit: (EntryWalkItem) -> Void) throws(PageTableError) {
        try withoutActuallyEscaping(visit) { (visit) throws(PageTableError) in
            try reader.open(EntryWalkTask(design: self, range: range, flags: flags, visit: visit))
        }
    }
}
