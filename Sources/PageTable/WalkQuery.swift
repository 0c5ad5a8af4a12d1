/// One walk a case asks every design to perform.
public enum WalkQuery: Hashable, Sendable, CustomStringConvertible {
    /// An entry walk over a range.
    case entries(AddressRange, EntryWalkFlags)
    /// A folio walk over a range.
    case folios(AddressRange, FolioWalkFlags)
    /// A lookup of one address.
    case lookup(UInt64, LookupFlags)

    /// The query in the corpus syntax.
    public var description: String {
        switch self {
        case .entries(let range, let flags): "walk entries \(hex(range.start)) \(hex(range.end)) \(flags)"
        case .folios(let range, let flags): "walk folios \(hex(range.start)) \(hex(range.end)) \(flags)"
        case .lookup(let address, let flags): "walk lookup \(hex(address)) \(flags)"
        }
    }
}

/// `0x…` in lower-case hexadecimal.
@usableFromInline func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }
