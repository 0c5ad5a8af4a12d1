/// The identity of a folio in one address space's physical memory.
public struct FolioID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The index of the folio in allocation order; the shared zero page is 0.
    public let rawValue: Int
    /// Creates an identity from its index.
    @inlinable public init(rawValue: Int) { self.rawValue = rawValue }
    /// Orders folios by allocation.
    public static func < (lhs: FolioID, rhs: FolioID) -> Bool { lhs.rawValue < rhs.rawValue }
    /// `folio#N`.
    public var description: String { "folio#\(rawValue)" }
}

/// What backs a folio.
public enum FolioKind: String, Hashable, Sendable, CaseIterable {
    /// Anonymous memory.
    case anonymous = "anon"
    /// Page cache of a file.
    case file
    /// The shared zero page (order 0, never writable).
    case zero
}

/// A folio: a naturally aligned run of `1 << order` frames that is allocated and freed as one.
public struct Folio: Hashable, Sendable, CustomStringConvertible {
    /// The folio's identity.
    public let id: FolioID
    /// The frame number of its first page; a multiple of `1 << order`.
    public let pfn: UInt64
    /// log2 of its page count: 0...30 (``PhysicalMemory`` makes no other).
    public let order: Int
    /// What backs it.
    public let kind: FolioKind

    /// How many base pages it holds.
    @inlinable public var pageCount: UInt64 { 1 &<< UInt64(truncatingIfNeeded: order) }

    /// The frame just past its last page.
    @inlinable public var endPFN: UInt64 { pfn &+ pageCount }

    /// Whether it starts at frame `endPFN`, where a folio before it ends, and is not the zero page:
    /// what makes two folios back to back (``PhysicalMemory/backToBackEnd(of:)``), so
    /// that a run of PTEs mapping consecutive frames may cross from the one into the other.
    @inlinable public func startsBackToBack(at endPFN: UInt64) -> Bool { pfn == endPFN && kind != .zero }

    /// Whether frame `pfn` is one of its pages (one wrapping compare covers both bounds).
    @inlinable public func contains(_ pfn: UInt64) -> Bool { pfn &- self.pfn < pageCount }

    /// `folio#N anon order 4 pfn 0x1000`.
    public var description: String { "\(id) \(kind.rawValue) order \(order) pfn 0x\(String(pfn, radix: 16))" }
}
