import PageTable

/// What a terminal entry of a tree is, for counting what a campaign reached: its level, whether a
/// hugepd table or a contiguous block holds it, and its kind (`pmd leaf`, `pte contiguous leaf`,
/// `pte protnone`, `pmd hugepd leaf`, `pte swap`, `pmd migration`, `pte marker uffd-wp`).
public struct EntryCensus: Hashable, Sendable, CustomStringConvertible {
    /// What a terminal entry holds, as the census tells kinds apart.
    public enum Kind: Hashable, Sendable {
        /// A present leaf of an ordinary folio.
        case leaf
        /// The zero page or the huge zero page.
        case zeroPage
        /// A special mapping (`pte_special`).
        case special
        /// A PROT_NONE leaf.
        case protNone
        /// A non-present entry: swap entries of every type count as one kind, migration entries
        /// (read, read-exclusive, write) as one, device-private ones (read, write) as one.
        case nonPresent(SwapKind)
        /// A PTE marker with these bits.
        case marker(MarkerBits)
    }

    /// The level of the entry (a hugepd page's directory level).
    public var level: Level
    /// Whether a hugepd table holds it.
    public var inHugepd: Bool
    /// Whether it lies in a contiguous block.
    public var contiguous: Bool
    /// What it holds.
    public var kind: Kind

    /// The census entry of `record`, whose frames `memory` holds.
    public init(_ record: PageRecord, memory: borrowing PhysicalMemory) {
        level = record.level
        inHugepd = record.inHugepd
        contiguous = record.contiguous
        switch record.content {
        case .present(let pfn, let attributes):
            if memory.isZeroFrame(pfn) { kind = .zeroPage }
            else if attributes.contains(.special) { kind = .special }
            else if attributes.contains(.protNone) { kind = .protNone }
            else { kind = .leaf }
        case .nonPresent(let entry):
            switch entry.kind {
            case .swap: kind = .nonPresent(.swap(type: 0))
            case .migrationRead, .migrationReadExclusive, .migrationWrite: kind = .nonPresent(.migrationWrite)
            case .deviceRead, .deviceWrite: kind = .nonPresent(.deviceWrite)
            case .marker: kind = .marker(entry.markerBits ?? [])
            default: kind = .nonPresent(entry.kind)
            }
        }
    }

    /// `pmd hugepd leaf`, `pte contiguous leaf`, `pte swap`, `pte marker guard`.
    public var description: String {
        var name = "\(level)\(inHugepd ? " hugepd" : "")\(contiguous ? " contiguous" : "")"
        switch kind {
        case .leaf: name += " leaf"
        case .zeroPage: name += " zero-page"
        case .special: name += " special"
        case .protNone: name += " protnone"
        case .nonPresent(.swap): name += " swap"
        case .nonPresent(.migrationWrite): name += " migration"
        case .nonPresent(.deviceWrite): name += " device-private"
        case .nonPresent(let swapKind): name += " \(swapKind)"
        case .marker(let bits): name += " marker \(bits)"
        }
        return name
    }
}
