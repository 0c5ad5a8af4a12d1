/// Why the page-table API refused a request; the tree is unchanged whenever one is thrown.
public enum PageTableError: Error, Hashable, Sendable, CustomStringConvertible {
    /// An address is not a multiple of the alignment its role needs.
    case unalignedAddress(UInt64, alignment: UInt64, role: String)
    /// A range whose start is not below its end (Linux's walkers return -EINVAL for it).
    case emptyRange(AddressRange)
    /// An address or range end lies past the top of the address space.
    case pastTop(UInt64, top: UInt64, format: String)
    /// A level that cannot do what was asked in this format (folded, or no leaves there).
    case levelNotInFormat(Level, format: String, need: String)
    /// The format has no contiguous entries or no hugepd, and the request needs them.
    case unsupported(String, format: String)
    /// A folio request that cannot be met (order too large, page range outside the folio).
    case badFolio(String)
    /// The machine's frames are exhausted.
    case outOfMemory(String)
    /// The operation asks for more work than a case may (``AddressSpace/maxEntriesPerOperation``).
    case tooLarge(String)
    /// In a space with VMAs, a range that must lie inside one VMA does not (`need` says what asked).
    case outsideVMA(AddressRange, need: String)
    /// A VMA request that cannot be met (flags that do not go together, or the format lacks them).
    case badVMA(String)

    /// A sentence that says what was wrong.
    public var description: String {
        switch self {
        case .unalignedAddress(let address, let alignment, let role):
            "\(role) 0x\(String(address, radix: 16)) is not aligned to 0x\(String(alignment, radix: 16))"
        case .emptyRange(let range):
            "range \(range) is empty: its start must be below its end"
        case .pastTop(let address, let top, let format):
            "0x\(String(address, radix: 16)) lies past the top of the \(format) address space (0x\(String(top, radix: 16)))"
        case .levelNotInFormat(let level, let format, let need):
            "\(format) has no \(level) level that can \(need)"
        case .unsupported(let feature, let format):
            "\(format) has no \(feature)"
        case .badFolio(let reason):
            "bad folio request: \(reason)"
        case .outOfMemory(let what):
            "out of memory: \(what)"
        case .tooLarge(let what):
            "too large: \(what)"
        case .outsideVMA(let range, let need):
            "\(range) is not inside one VMA, as \(need) needs"
        case .badVMA(let reason):
            "bad VMA: \(reason)"
        }
    }
}
