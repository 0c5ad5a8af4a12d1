/// The directory slots a walk from the root read on the way to a terminal slot, root first: at
/// most one a real level above the PTE and one hugepd directory, kept inline so that a
/// translation allocates nothing (the oracle translates every slot of every walk).
public struct SlotPath: RandomAccessCollection, Hashable, Sendable {
    /// The most slots a path holds: four directory levels above the PTE and a hugepd directory.
    public static let capacity = 5
    private var storage: (SlotRef, SlotRef, SlotRef, SlotRef, SlotRef)
    /// How many slots the path holds.
    public private(set) var count = 0

    /// An empty path.
    public init() {
        let empty = SlotRef(table: TableID(rawValue: 0), index: 0)
        storage = (empty, empty, empty, empty, empty)
    }

    /// The first position.
    public var startIndex: Int { 0 }
    /// The position past the last slot.
    public var endIndex: Int { count }

    /// The slot at `position` (0 is the root's).
    public subscript(position: Int) -> SlotRef {
        precondition(position >= 0 && position < count, "slot path index out of range")
        return withUnsafeBytes(of: storage) { $0.load(fromByteOffset: position * MemoryLayout<SlotRef>.stride, as: SlotRef.self) }
    }

    /// Appends `slot`; a path never grows past ``capacity`` (a format has at most five levels).
    mutating func append(_ slot: SlotRef) {
        precondition(count < Self.capacity, "a slot path holds at most \(Self.capacity) slots")
        withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: slot, toByteOffset: count * MemoryLayout<SlotRef>.stride, as: SlotRef.self) }
        count += 1
    }

    /// Two paths are equal when they hold the same slots.
    public static func == (lhs: SlotPath, rhs: SlotPath) -> Bool { lhs.elementsEqual(rhs) }

    /// Hashes the slots the path holds.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for slot in self { hasher.combine(slot) }
    }
}
