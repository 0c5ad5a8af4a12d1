/// A lookup design written as one generic body: the ``LookupDesign`` entry point, which opens the
/// reader so that the body is specialised (``ReaderTask``), comes with the conformance.
public protocol LookupBody: LookupDesign {
    /// The lookup with `reader` (see ``LookupDesign/lookup(_:address:flags:)``).
    func lookupBody<R: TableReader>(_ reader: R, address: UInt64, flags: LookupFlags) throws(PageTableError) -> LookupResult
}

/// ``LookupBody/lookupBody(_:address:flags:)`` as a task.
public struct LookupTask<Design: LookupBody>: ReaderTask {
    @usableFromInline let design: Design
    @usableFromInline let address: UInt64
    @usableFromInline let flags: LookupFlags

    /// A task looking `address` up with `flags` for `design`.
    @inlinable init(design: Design, address: UInt64, flags: LookupFlags) {
        self.design = design
        self.address = address
        self.flags = flags
    }

    /// Runs the design's body with `reader`.
    @inlinable public func run<R: TableReader>(_ reader: R) throws(PageTableError) -> LookupResult {
        try design.lookupBody(reader, address: address, flags: flags)
    }
}

extension LookupBody {
    /// The lookup: the body, with the reader opened (``TableReader/open(_:)``).
    @inlinable @inline(__always)
    public func lookup<R: TableReader>(_ reader: R, address: UInt64, flags: LookupFlags) throws(PageTableError) -> LookupResult {
        try reader.open(LookupTask(design: self, address: address, flags: flags))
    }
}
