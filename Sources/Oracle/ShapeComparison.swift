import PageTable

/// Compares two address spaces entry by entry up to the renaming of frames: the same entries at
/// the same levels and addresses, the same attributes, with folios, swap slots and special frames
/// matched by the order in which the walk first meets them (a folio's kind, order and page index
/// compared, never its frame number). How a case exported from an imported kernel state is
/// checked against the state it came from: the replay allocates its own frames.
public enum ShapeComparison {
    /// The first entry-walk item of `range` where `lhs` and `rhs` differ beyond frame numbers,
    /// described; nil when they have the same shape. Throws on a bad range.
    public static func firstDifference(_ lhs: AddressSpace, _ rhs: AddressSpace, in range: AddressRange) throws(PageTableError) -> String? {
        var left = Renaming(space: lhs), right = Renaming(space: rhs)
        let expected = try ReferenceWalk.entries(in: lhs, range: range).map { left.describe($0) }
        let actual = try ReferenceWalk.entries(in: rhs, range: range).map { right.describe($0) }
        return WalkDiff.firstDifference(expected: expected, actual: actual, format: lhs.format) { $0.address }
    }

    /// One walk item with its frames renamed.
    struct Item: Equatable, CustomStringConvertible {
        var address: UInt64
        var text: String
        var description: String { text }
    }

    /// The names given to folios, swap slots and special frames, in the order first met.
    struct Renaming {
        let space: AddressSpace
        var folios: [FolioID: Int] = [:]
        var slots: [UInt64: Int] = [:]
        var frames: [UInt64: Int] = [:]

        init(space: AddressSpace) { self.space = space }

        mutating func describe(_ item: EntryWalkItem) -> Item {
            let place = "\(item.range) \(item.level)\(item.inHugepd ? " hugepd" : "")"
            switch item.entry {
            case .leaf(let pfn, let attributes):
                return Item(address: item.range.start, text: "\(place) leaf \(frame(pfn, special: attributes.contains(.special))) \(attributes)")
            case .nonPresent(let entry):
                let offset: String
                switch entry.kind {
                case .swap: offset = "slot#\(Self.name(&slots, entry.offset))"
                case .marker: offset = "\(MarkerBits(rawValue: entry.offset))"
                default: offset = frame(entry.offset, special: !entry.kind.isMigration)
                }
                return Item(address: item.range.start, text: "\(place) \(entry.kind) \(offset) \(entry.flags)")
            default:
                return Item(address: item.range.start, text: "\(place) \(item.entry)")
            }
        }

        /// A frame as `folio#N(kind order O)+index`, `zero`, or `frame#N` for frames no folio holds.
        mutating func frame(_ pfn: UInt64, special: Bool) -> String {
            if pfn == PhysicalMemory.zeroPFN { return "zero" }
            if let folio = space.memory.folio(containing: pfn) {
                let name = folio.kind == .zero ? "huge-zero" : "folio#\(Self.name(&folios, folio.id))"
                return "\(name)(\(folio.kind.rawValue) order \(folio.order))+\(pfn - folio.pfn)"
            }
            return "frame#\(Self.name(&frames, pfn))"
        }

        private static func name<Key: Hashable>(_ names: inout [Key: Int], _ key: Key) -> Int {
            if let known = names[key] { return known }
            names[key] = names.count + 1
            return names.count
        }
    }
}
