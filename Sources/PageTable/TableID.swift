/// The identity of a page-table page; its frame number is ``TableMemory/basePFN`` plus the raw value.
public struct TableID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The index of the table's descriptor.
    public let rawValue: Int
    /// Creates an identity from a descriptor index.
    @inlinable public init(rawValue: Int) { self.rawValue = rawValue }
    /// Orders tables by descriptor index.
    public static func < (lhs: TableID, rhs: TableID) -> Bool { lhs.rawValue < rhs.rawValue }
    /// `table#N`.
    public var description: String { "table#\(rawValue)" }
}

/// One slot: an entry index in one table page.
public struct SlotRef: Hashable, Sendable, CustomStringConvertible {
    /// The table page.
    public var table: TableID
    /// The entry index in it.
    public var index: Int
    /// Creates a slot reference.
    public init(table: TableID, index: Int) {
        self.table = table
        self.index = index
    }
    /// `table#N[i]`.
    public var description: String { "\(table)[\(index)]" }
}
