/// A half-open range of virtual addresses `[start, end)`; `end` may be the top of the address space.
public struct AddressRange: Hashable, Sendable, CustomStringConvertible {
    /// The first address in the range.
    public var start: UInt64
    /// The first address past the range.
    public var end: UInt64

    /// Creates a range without checking it; the API checks ranges with ``validated(for:)``.
    @inlinable public init(start: UInt64, end: UInt64) {
        self.start = start
        self.end = end
    }

    /// The number of bytes in the range (0 when `end <= start`).
    public var size: UInt64 { end > start ? end - start : 0 }

    /// Whether `address` lies in the range.
    public func contains(_ address: UInt64) -> Bool { address >= start && address < end }

    /// Whether `other` lies wholly inside this range.
    public func contains(_ other: AddressRange) -> Bool { other.start >= start && other.end <= end }

    /// The overlap of two ranges, or nil when they do not overlap.
    public func clamped(to other: AddressRange) -> AddressRange? {
        let lower = max(start, other.start), upper = min(end, other.end)
        return lower < upper ? AddressRange(start: lower, end: upper) : nil
    }

    /// `[0x1000, 0x3000)`.
    public var description: String { "[0x\(String(start, radix: 16)), 0x\(String(end, radix: 16)))" }

    /// Returns the range if it is non-empty, page-aligned and inside the format's address space.
    /// Inlined, with the error built out of line: every walk starts with it.
    @inlinable public func validated(for format: Format) throws(PageTableError) -> AddressRange {
        let pageMask = format.pageSize &- 1
        guard (start | end) & pageMask == 0, start < end, end <= format.top else { throw invalidity(for: format) }
        return self
    }

    /// Why ``validated(for:)`` refuses the range: the first of its checks that fails.
    @usableFromInline func invalidity(for format: Format) -> PageTableError {
        if !format.isPageAligned(start) { return .unalignedAddress(start, alignment: format.pageSize, role: "range start") }
        if !format.isPageAligned(end) { return .unalignedAddress(end, alignment: format.pageSize, role: "range end") }
        if start >= end { return .emptyRange(self) }
        return .pastTop(end, top: format.top, format: format.name)
    }
}
