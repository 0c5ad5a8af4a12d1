import PageTable
import Oracle
import Implementations

/// The deliberately broken designs: what the suite must catch. Each fault mutant is a shipped design
/// with one injected ``Fault``; two more trap and loop, to exercise crash and hang handling.
public enum MutantCatalog {
    /// Every mutant, as a design set (each serving the views its host design serves).
    public static let designs: DesignSet = {
        var set = DesignSet(entryWalkers: [LoopingWalker()], folioWalkers: [TrappingWalker()])
        for fault in Fault.allCases where fault != .none && !fault.isWriterFault {
            switch host(of: fault) {
            case "recursive":
                set.entryWalkers.append(RecursiveWalker(fault: fault))
                set.folioWalkers.append(RecursiveWalker(fault: fault))
            case "flat":
                set.entryWalkers.append(FlatIteratorWalker(fault: fault))
                set.folioWalkers.append(FlatIteratorWalker(fault: fault))
            case "batched":
                set.folioWalkers.append(BatchedFolioWalker(fault: fault))
            default:
                set.entryWalkers.append(LookupWalker(fault: fault))
                set.folioWalkers.append(LookupWalker(fault: fault))
                set.lookups.append(LookupWalker(fault: fault))
            }
        }
        set.writers = writers
        return set
    }()

    /// Every writer mutant: a shipped writer design with one writer fault injected.
    public static let writers: [any WriterDesign] = Fault.writerFaults.map { fault in
        switch host(of: fault) {
        case "per-entry": EntryWriter(fault: fault)
        case "folio-batched": BatchedWriter(fault: fault)
        default: PairIterator(fault: fault)
        }
    }

    /// The names of every mutant.
    public static var names: [String] { designs.names }

    /// The shipped design a fault is injected into.
    static func host(of fault: Fault) -> String {
        switch fault {
        case .none, .nextNotClamped, .foldedLevelReported, .pteHolesSkipped, .hugepdSizeFromLevelBelow, .stopAfterFirstLeaf,
             .blockSkippedMidStart, .contiguityFromFirstEntry, .offsetWithinPTETable, .pmdMigrationUffdWPDropped,
             .gapWalkedAsTable, .pfnmapWalked, .hugetlbWalkedAsTables, .noRetryAfterFailedLock, .pteTableUnlocked: "recursive"
        case .popOffByOne, .youngDirtyNotORed, .blockStateOverrun, .startNotClipped, .swapAsPresent, .protNoneAsNone, .topEndMasked,
             .cursorNotRevalidated, .lockLeakedAtRangeEnd: "flat"
        case .noFolioClamp, .noTableClamp, .attributeChangeIgnored, .youngDirtyCompared, .youngDirtyIgnored, .zeroPageReported,
             .hintWithoutPermission, .mergeSkipped, .migrationWithoutFlag, .chainPastStop, .contiguousBitIgnored, .batchAcrossVMA,
             .batchExtendedUnlocked, .reschedUnderLock: "batched"
        case .skipOnePageLong, .clearedParentAsTable, .coalesceIgnored, .hugepdFlagLost, .unalignedSkip, .rootLeafSizeFromBelow,
             .lookupOutsideVMA, .noPMDRecheck, .contiguousYoungDirtyIntolerant,
             .pteMapLeaked: "lookup"
        case .swapCountNotDuplicated: "per-entry"
        case .mapcountOffByBatch, .rssMissedForBatch, .contiguousBitKeptOnPartialChange: "folio-batched"
        case .cowParentWritable, .anonExclusiveKept, .writeBatchPastFolio: "pair-iterator"
        }
    }

    /// The design a mutant's fault is injected into, by mutant name (`trap` and `loop` for the other two).
    public static func host(ofMutant name: String) -> String {
        Fault.allCases.first { "mutant-\($0.rawValue)" == name }.map(host(of:)) ?? (name.contains("trap") ? "trap" : "loop")
    }
}
