/// A bug a walker author could write, injectable into the shipped designs to make mutants.
///
/// Each design checks only its own faults, at the line where the bug would be written; `none` is
/// what every shipped design uses. The Mutants module builds one mutant per fault.
package enum Fault: String, CaseIterable, Sendable {
    /// No fault: the shipped design.
    case none
    // Recursive walker.
    /// `next` taken as the entry's end without clamping it to `end` (pXd_addr_end without the min).
    case nextNotClamped = "next-not-clamped"
    /// A hole under a folded P4D reported at the folded level instead of the real one (no real_depth()).
    case foldedLevelReported = "folded-level-reported"
    /// None PTEs not reported (a PTE-level hole dropped).
    case pteHolesSkipped = "pte-holes-skipped"
    /// A hugepd page's size taken from the level below the directory instead of the hugepd shift.
    case hugepdSizeFromLevelBelow = "hugepd-size-wrong-level"
    /// The level loop stops after the first directory leaf it meets.
    case stopAfterFirstLeaf = "stop-after-first-leaf"
    /// A contiguous block skipped whole when the range starts in the middle of it.
    case blockSkippedMidStart = "block-skipped-mid-start"
    /// Contiguity of every PTE in a table taken from the first PTE the walk read there.
    case contiguityFromFirstEntry = "contiguity-from-first-entry"
    /// The offset of a walk's start into a directory entry taken modulo a PTE table's span (as if no
    /// leaf spanned more than one): wrong only for a walk starting inside a PUD or larger leaf more
    /// than a PMD span past its start.
    case offsetWithinPTETable = "offset-within-pte-table"
    /// A directory-level migration entry's uffd-wp bit dropped from its run (`pmd_swp_uffd_wp()`
    /// not tested): wrong only for a PMD migration entry of a uffd-wp leaf, walked with migration entries.
    case pmdMigrationUffdWPDropped = "pmd-migration-uffd-wp-dropped"
    /// A gap between VMAs walked through the tables, its holes reported at table levels instead
    /// of one hole at depth -1.
    case gapWalkedAsTable = "gap-walked-as-table"
    /// A `VM_PFNMAP` VMA walked instead of reported as a depth -1 hole (`test_walk` forgotten).
    case pfnmapWalked = "pfnmap-walked"
    /// A hugetlb VMA walked through its tables, entry by entry, in the per-huge-page view (a
    /// contiguous huge page reported as its entries, holes at table levels).
    case hugetlbWalkedAsTables = "hugetlb-walked-as-tables"
    // Flat iterator.
    /// The cursor leaves a table one entry early (an off-by-one at the table boundary).
    case popOffByOne = "pop-off-by-one"
    /// Young and dirty of a contiguous entry taken from the entry alone, not ORed across its block.
    case youngDirtyNotORed = "young-dirty-not-ored"
    /// The state of a contiguous block reused for the entry just past its end.
    case blockStateOverrun = "block-state-overrun"
    /// A range that starts inside a leaf reports the leaf from its own start (not clipped).
    case startNotClipped = "start-not-clipped"
    /// A swap or migration entry treated as present, its offset taken for a pfn.
    case swapAsPresent = "swap-as-present"
    /// A PROT_NONE (present) entry treated as none.
    case protNoneAsNone = "protnone-as-none"
    /// The range end masked to the address bits, so an end at the top of the space becomes 0.
    case topEndMasked = "top-end-masked"
    // Batched folio walker.
    /// No clamp of the batch to the folio's end (the bug the 2025 fix to folio_pte_batch() removed).
    case noFolioClamp = "batch-past-folio-end"
    /// No clamp of the batch to the PTE table's end.
    case noTableClamp = "batch-past-table-end"
    /// Writable and soft-dirty ignored even when the walk respects them.
    case attributeChangeIgnored = "batch-past-attribute-change"
    /// Young and dirty compared even when the walk ignores them.
    case youngDirtyCompared = "young-dirty-compared"
    /// Young and dirty ignored even when the walk respects them.
    case youngDirtyIgnored = "young-dirty-ignored"
    /// The zero page reported as a folio without being asked for.
    case zeroPageReported = "zero-page-reported"
    /// Blocks skipped by the contiguous hint even when young and dirty must be read.
    case hintWithoutPermission = "hint-without-permission"
    /// Ignored attributes never merged, even when the walk asks for it.
    case mergeSkipped = "merge-skipped"
    /// Migration entries reported without being asked for.
    case migrationWithoutFlag = "migration-without-flag"
    /// A chain of folios followed one folio too far: into the folio whose first PTE stopped the scan.
    case chainPastStop = "chain-past-stop"
    /// The contiguous bit cleared before comparing, as a hint rather than a bit of the entry: a
    /// batch runs on where a block meets plain PTEs of its folio (`__pte_batch_clear_ignored()`
    /// keeps `PTE_CONT`, so Linux's batch ends there).
    case contiguousBitIgnored = "batch-ignores-contiguous-bit"
    /// Batches not stopped at VMA ends: the range walked as one, as if it had no VMAs.
    case batchAcrossVMA = "batch-across-vma"
    // Lookup.
    /// The skip distance one page too long.
    case skipOnePageLong = "skip-one-page-long"
    /// A cleared parent entry (its table reclaimed) read as a table, reporting base-page holes under it.
    case clearedParentAsTable = "cleared-parent-as-table"
    /// The coalesce flag ignored.
    case coalesceIgnored = "coalesce-ignored"
    /// A hugepd page reported as an ordinary slot.
    case hugepdFlagLost = "hugepd-flag-lost"
    /// The skip distance measured from the page holding the address rather than the address:
    /// wrong only for a lookup of an unaligned address.
    case unalignedSkip = "unaligned-skip"
    /// A leaf at the root level given the entry size of the level below (an off-by-one in the level
    /// table at the root): wrong only where the root holds leaves, past the first sub-span.
    case rootLeafSizeFromBelow = "root-leaf-size-from-below"
    /// An address outside every VMA looked up in the tables anyway.
    case lookupOutsideVMA = "lookup-outside-vma"
    // Racing walks: the lock, map and retry discipline (the leaks fail quiescent walks too).
    /// After `pte_offset_map_lock()` fails (the PMD changed under the walker), the PMD's span is
    /// skipped instead of read again (no `ACTION_AGAIN`). Recursive walker.
    case noRetryAfterFailedLock = "no-retry-after-failed-lock"
    /// The PTE table reached through the PMD read once and then read without being mapped, locked
    /// or re-checked (time of check to time of use). Recursive walker.
    case pteTableUnlocked = "pte-table-unlocked"
    /// After a failed lock the cursor moves past the PMD slot instead of reading it again. Flat iterator.
    case cursorNotRevalidated = "cursor-not-revalidated"
    /// The PTE lock not dropped when the range ends inside the table. Flat iterator.
    case lockLeakedAtRangeEnd = "lock-leaked-at-range-end"
    /// The PTE lock dropped after a batch's first entry, the batch extended from entries read
    /// unlocked. Batched walker.
    case batchExtendedUnlocked = "batch-extended-unlocked"
    /// The lockless lookup without its PMD re-check after reading the PTE (GUP-fast's `pmd_val(pmd)
    /// != pmd_val(pmdp_get_lockless(pmdp))`). Lookup.
    case noPMDRecheck = "no-pmd-recheck"
    /// A contiguous block read locklessly, its entry re-read whole (young and dirty included), and
    /// when the MMU changed them meanwhile, the entry reported with its own young and dirty, not
    /// the block's (`contpte_ptep_get_lockless()` ignores young and dirty when it compares). Lookup.
    case contiguousYoungDirtyIntolerant = "contiguous-young-dirty-intolerant"
    /// The lockless lookup returns with the PTE table still mapped (`pte_unmap()` forgotten: the
    /// RCU read section, the merged kernel's reference on a PTE table, never put). Lookup.
    case pteMapLeaked = "pte-map-leaked"
    /// `cond_resched()` called before the PTE lock is dropped rather than after (scheduling while
    /// atomic). Batched walker.
    case reschedUnderLock = "resched-under-lock"
    // Writers (SEMANTICS.md, "Writers").
    /// Fork's COW without write-protecting the parent's entry (`wrprotect_ptes()` forgotten). Pair iterator.
    case cowParentWritable = "cow-parent-writable"
    /// A zapped batch's pages unmapped one short (`folio_remove_rmap_ptes(folio, page, nr - 1)`). Folio-batched writer.
    case mapcountOffByBatch = "mapcount-off-by-batch"
    /// RSS not decremented for a zapped batch of more than one page. Folio-batched writer.
    case rssMissedForBatch = "rss-missed-for-batch"
    /// Fork leaves `PageAnonExclusive` set on pages it shares with the child (the
    /// `folio_try_dup_anon_rmap_ptes()` clearing forgotten). Pair iterator.
    case anonExclusiveKept = "anon-exclusive-kept"
    /// A contiguous block straddling the edge of an mprotect range keeps its contiguous bit while
    /// only part of it changes (no `contpte_try_unfold_partial()`). Folio-batched writer.
    case contiguousBitKeptOnPartialChange = "contiguous-bit-kept-on-partial-change"
    /// A fork batch not clamped to its folio's end: it runs on into a folio back to back with it,
    /// whose pages are then counted against the first folio. Pair iterator.
    case writeBatchPastFolio = "write-batch-past-folio"
    /// Fork copies a swap entry without `swap_duplicate()`. Per-entry writer.
    case swapCountNotDuplicated = "swap-count-not-duplicated"
}

extension Fault {
    /// The faults of racing walks: lock, map, retry and sleep discipline (all but the two leaks and
    /// the sleep under a lock pass every quiescent walk).
    package static let raceFaults: [Fault] = [.noRetryAfterFailedLock, .pteTableUnlocked, .cursorNotRevalidated, .lockLeakedAtRangeEnd,
                                              .batchExtendedUnlocked, .noPMDRecheck, .contiguousYoungDirtyIntolerant, .pteMapLeaked,
                                              .reschedUnderLock]

    /// The faults of writer designs.
    package static let writerFaults: [Fault] = [.cowParentWritable, .mapcountOffByBatch, .rssMissedForBatch, .anonExclusiveKept,
                                                .contiguousBitKeptOnPartialChange, .writeBatchPastFolio, .swapCountNotDuplicated]

    /// Whether the fault belongs to a writer design.
    package var isWriterFault: Bool { Self.writerFaults.contains(self) }

    /// The name of a design with this fault injected: `shipped` for no fault, `mutant-NAME` otherwise.
    package func designName(shipped: String) -> String { self == .none ? shipped : "mutant-\(rawValue)" }
}

/// How a design's walk asks whether a fault is injected: a type parameter of the walk, so that
/// the shipped design's walk is specialised for ``NoFault``, whose answer is a constant, and its
/// loops carry no fault check at all (BENCHMARKS.md, "Step 13"); a mutant's walk is specialised
/// for ``InjectedFault``.
package protocol FaultSwitch {
    /// Whether `fault` is the injected one.
    func has(_ fault: Fault) -> Bool
}

/// No fault: the shipped design.
package struct NoFault: FaultSwitch {
    /// Never.
    @inline(__always) package func has(_ fault: Fault) -> Bool { false }
}

/// One injected fault: a mutant.
package struct InjectedFault: FaultSwitch {
    /// The fault.
    package let fault: Fault
    /// Whether `fault` is the injected one.
    @inline(__always) package func has(_ fault: Fault) -> Bool { self.fault == fault }
}

#if WALKCHECK_NO_FAULTS
extension Fault {
    /// A measurement build only (`-Xswiftc -DWALKCHECK_NO_FAULTS`; BENCHMARKS.md, "Step 13"): every
    /// design compares as the shipped one (`fault == .x` holds only for `.x == .none`), so the
    /// optimiser deletes every fault check and the shipped designs' cost without them can be
    /// counted. Mutants are meaningless in such a build.
    @inline(__always) package static func == (lhs: Fault, rhs: Fault) -> Bool {
        if case .none = rhs { true } else { false }
    }
}
#endif
