import Testing
import PageTable
import Oracle

/// Builds a checked address space by applying `operations`, expecting every one to leave tree and model sound.
func built(_ format: Format, _ operations: [Operation], sourceLocation: SourceLocation = #_sourceLocation) throws -> CheckedAddressSpace {
    var checked = CheckedAddressSpace(format: format)
    for (index, operation) in operations.enumerated() {
        let problems = try checked.apply(operation)
        #expect(problems.isEmpty, "after operation \(index) \(operation): \(problems.joined(separator: "\n"))",
                sourceLocation: sourceLocation)
    }
    return checked
}

/// A range from hexadecimal-friendly integers.
func span(_ start: UInt64, _ end: UInt64) -> AddressRange { AddressRange(start: start, end: end) }

/// Maps a new anonymous folio of `order`, whole, at `address`.
func mapFolio(_ address: UInt64, order: Int, kind: FolioKind = .anonymous, writable: Bool = true,
              leaf: Level = .pte, contiguous: Bool = false, hugepd: Bool = false) -> Operation {
    .map(address: address, source: .folio(kind: kind, order: order, firstPage: 0, pageCount: 1 << UInt64(order)),
         writable: writable, shape: MapShape(leafLevel: leaf, contiguous: contiguous, hugepd: hugepd))
}

/// A walk item, shortened.
func item(_ start: UInt64, _ end: UInt64, _ level: Level, _ entry: Entry, hugepd: Bool = false) -> EntryWalkItem {
    EntryWalkItem(range: span(start, end), level: level, inHugepd: hugepd, entry: entry)
}

/// The attributes a fresh writable mapping gets on formats with soft-dirty (x86, riscv, powerpc).
let freshRW: LeafAttributes = [.writable, .user, .young, .softDirty]
/// The attributes a fresh writable mapping gets on arm64, which has no soft-dirty.
let freshRWArm: LeafAttributes = [.writable, .user, .young]

extension Int {
    /// Kibibytes.
    var KiB: UInt64 { UInt64(self) << 10 }
    /// Mebibytes.
    var MiB: UInt64 { UInt64(self) << 20 }
    /// Gibibytes.
    var GiB: UInt64 { UInt64(self) << 30 }
}
