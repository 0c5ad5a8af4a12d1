import PageTable
import Implementations

/// A deliberately broken folio walker that traps on a PROT_NONE entry: it indexes a per-permission
/// table by the entry's read/write bits, and PROT_NONE entries have neither (an out-of-range index).
public struct TrappingWalker: FolioWalkDesign {
    /// `mutant-trap-on-protnone`.
    public let name = "mutant-trap-on-protnone"

    /// Creates the mutant.
    public init() {}

    /// The batched walker's folio walk, trapping when a run is PROT_NONE.
    public func walkFolios<R: TableReader>(_ reader: R, range: AddressRange, flags: FolioWalkFlags,
                                           _ visit: (FolioRun) -> Void) throws(PageTableError) {
        let costPerPermission = [1, 2]
        try BatchedFolioWalker().walkFolios(reader, range: range, flags: flags) { run in
            let permission = run.attributes.contains(.protNone) ? 2 : (run.attributes.contains(.writable) ? 1 : 0)
            _ = costPerPermission[permission]
            visit(run)
        }
    }
}

/// A deliberately broken entry walker that never gets past a hole at the PMD level: it forgets to
/// advance when a lookup finds one, and looks the same address up again, forever.
public struct LoopingWalker: EntryWalkDesign {
    /// `mutant-loop-on-pmd-hole`.
    public let name = "mutant-loop-on-pmd-hole"

    /// Creates the mutant.
    public init() {}

    /// The lookup walker's range walk, without the step past a PMD-level hole.
    public func walkEntries<R: TableReader>(_ reader: R, range: AddressRange, flags: EntryWalkFlags,
                                            _ visit: (EntryWalkItem) -> Void) throws(PageTableError) {
        let range = try range.validated(for: reader.format)
        let lookup = LookupWalker()
        var address = range.start
        while address < range.end {
            let found = try lookup.lookup(reader, address: address, flags: [])
            let end = min(address + found.skip, range.end)
            if !(flags.contains(.skipNone) && found.entry.isNone) {
                visit(EntryWalkItem(range: AddressRange(start: address, end: end), level: found.level,
                                    inHugepd: found.inHugepd, entry: found.entry))
            }
            if found.entry.isNone, found.level == .pmd { continue }
            address = end
        }
    }
}
