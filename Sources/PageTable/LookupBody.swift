/// A lookup design written as one generic body: the ``LookupDesign`` entry point, which opens the
/// reader so that the body is specialised, is one line calling `lookupOpened`.
public protocol LookupBody: LookupDesign {
    /// The lookup with `reader` (see ``LookupDesign/lookup(_:address:flags:)``).
    func lookupBody<R: TableReader>(_ reader: R, address: UInt64, flags: LookupFlags) throws(PageTableError) -> LookupResult
}

extension LookupBody {
    /// The body run with the reader as its concrete type when it is one WalkCheck uses: what the
    /// design's own `lookup` calls, written in the design's module (see
    /// ``FolioWalkBody/walkFoliosOpened(_:range:flags:_:)``).
    @inlinable @inline(__always)
    public func lookupOpened<R: TableReader>(_ reader: R, address: UInt64, flags: LookupFlags) throws(PageTableError) -> LookupResult {
        // Outside every VMA GUP finds no VMA and reads nothing.
        if address < reader.format.top, let outside = LookupResult.outsideVMAs(reader.vmas, format: reader.format, at: address) { return outside }
        if R.self == DirectReader.self { return try lookupBody(unsafeBitCast(reader, to: DirectReader.self), address: address, flags: flags) }
        if R.self == CountingReader<DirectReader>.self { return try lookupBody(unsafeBitCast(reader, to: CountingReader<DirectReader>.self), address: address, flags: flags) }
        return try lookupBody(reader, address: address, flags: flags)
    }
}
