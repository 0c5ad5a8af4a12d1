import Testing
import PageTable
import Oracle
import Implementations
import Generators
import Mutants

/// Writers (SEMANTICS.md, "Writers"): known answers from mm/memory.c, mm/mprotect.c,
/// include/linux/mm_inline.h and arch/arm64 (v6.18), each expected value worked out from the code
/// named, never from the model's reference; the judge seen failing on writers written here to
/// break it; the shipped writer designs checked exhaustively on tiny, and every writer mutant
/// killed there.
@Suite struct WriterTests {
    let page: UInt64 = 4.KiB

    /// The reference's result of `operation` on `space`, and every shipped design's failures.
    func written(_ space: AddressSpace, _ operation: WriterOperation) throws -> (view: WriterView, failures: [Conformance.Failure]) {
        let view = try WriterConformance.reference(operation, on: space).get()
        return (view, WriterConformance.check(Designs.writers, in: space, operation: operation))
    }

    /// The terminal entry mapping `address` in `space`.
    func entry(_ space: AddressSpace, _ address: UInt64) -> Entry { space.translate(address).entry }

    /// mm/memory.c, `__copy_present_ptes()`: for a COW mapping a writable PTE is write-protected in
    /// the parent (`wrprotect_ptes()`) and the child (`pte_wrprotect()`), the child's entry made old
    /// (`pte_mkold()`); `copy_present_ptes()` takes a reference (`folio_ref_add()`) and duplicates the
    /// anonymous rmap, clearing `PageAnonExclusive` (`folio_try_dup_anon_rmap_ptes()`); the child's
    /// `rss[MM_ANONPAGES]` grows by one.
    @Test func forkWriteProtectsBothSidesAndSharesTheAnonymousPage() throws {
        let space = try built(.x86_64_4level, [mapFolio(0x200000, order: 0)]).space
        let pfn = space.memory.folios.last!.pfn
        let (view, failures) = try written(space, .copy(CopyOptions()))
        #expect(failures.isEmpty, "\(failures)")
        #expect(entry(view.source, 0x200000) == .leaf(pfn: pfn, attributes: [.user, .young, .softDirty]))
        #expect(entry(view.destination!, 0x200000) == .leaf(pfn: pfn, attributes: [.user, .softDirty]))
        let folio = space.memory.folios.last!.id
        #expect(view.ledger.references == [folio: 1])
        #expect(view.ledger.pageMaps == [pfn: 1])
        #expect(view.ledger.rss[SpaceRole.destination.rawValue].anon == 1 && view.ledger.rss[SpaceRole.source.rawValue].anon == 0)
        #expect(view.ledger.anonExclusiveCleared == [pfn])
    }

    /// mm/memory.c, `copy_present_page()`: a page of an anonymous folio that may be pinned
    /// (`folio_try_dup_anon_rmap_pte()` fails) is copied for the child: a new folio mapped with
    /// `maybe_mkwrite(pte_mkdirty(pte), dst_vma)`; the parent's entry stays writable.
    @Test func forkCopiesAPinnedAnonymousPage() throws {
        let space = try built(.x86_64_4level, [mapFolio(0x200000, order: 0)]).space
        let folio = space.memory.folios.last!
        let (view, failures) = try written(space, .copy(CopyOptions(pinned: [folio.id])))
        #expect(failures.isEmpty, "\(failures)")
        #expect(entry(view.source, 0x200000) == .leaf(pfn: folio.pfn, attributes: [.writable, .user, .young, .softDirty]))
        guard case .leaf(let childPFN, let attributes) = entry(view.destination!, 0x200000) else {
            Issue.record("the child maps nothing")
            return
        }
        #expect(childPFN != folio.pfn)
        #expect(attributes.isSuperset(of: [.writable, .dirty]))
        #expect(view.ledger.anonExclusiveCleared.isEmpty)
        #expect(view.ledger.references[folio.id] == nil)
    }

    /// mm/memory.c, `copy_nonpresent_pte()`: a swap entry is duplicated (`swap_duplicate()`), the
    /// parent's marked shared (`pte_swp_clear_exclusive()`) and the child's `rss[MM_SWAPENTS]`
    /// grows; a writable migration entry becomes readable in both (`make_readable_migration_entry()`).
    @Test func forkDuplicatesSwapAndMakesMigrationReadable() throws {
        let space = try built(.x86_64_4level, [mapFolio(0x200000, order: 0), mapFolio(0x201000, order: 0),
                                               .swapOut(span(0x200000, 0x201000)), .startMigration(span(0x201000, 0x202000))]).space
        guard case .nonPresent(let swap) = entry(space, 0x200000), case .swap(let type) = swap.kind else {
            Issue.record("no swap entry to fork")
            return
        }
        #expect(swap.flags.contains(.exclusive))
        let (view, failures) = try written(space, .copy(CopyOptions()))
        #expect(failures.isEmpty, "\(failures)")
        guard case .nonPresent(let parentSwap) = entry(view.source, 0x200000),
              case .nonPresent(let parentMigration) = entry(view.source, 0x201000),
              case .nonPresent(let childMigration) = entry(view.destination!, 0x201000) else {
            Issue.record("the parent's entries changed kind")
            return
        }
        #expect(!parentSwap.flags.contains(.exclusive))
        #expect(view.ledger.swapCounts == [SwapSlot(type: type, offset: swap.offset): 1])
        #expect(view.ledger.rss[SpaceRole.destination.rawValue].swapEntries == 1)
        #expect(parentMigration.kind == .migrationRead && childMigration.kind == .migrationRead)
    }

    /// include/linux/mm_inline.h, `copy_pte_marker()`: poisoned and guard bits are always copied,
    /// `PTE_MARKER_UFFD_WP` only when `userfaultfd_wp(dst_vma)`.
    @Test func forkCopiesGuardMarkersAndUffdWPOnlyWhereTheChildKeepsIt() throws {
        let space = try built(.x86_64_4level, [.installMarker(span(0x200000, 0x201000), .uffdWP),
                                               .installMarker(span(0x201000, 0x202000), .guardRegion)]).space
        let (plain, plainFailures) = try written(space, .copy(CopyOptions()))
        let (kept, keptFailures) = try written(space, .copy(CopyOptions(destinationUffdWP: true)))
        #expect(plainFailures.isEmpty && keptFailures.isEmpty, "\(plainFailures) \(keptFailures)")
        #expect(entry(plain.destination!, 0x200000) == .none)
        #expect(entry(kept.destination!, 0x200000) == entry(space, 0x200000))
        #expect(entry(plain.destination!, 0x201000) == entry(space, 0x201000))
    }

    /// mm/memory.c, `zap_present_folio_ptes()`: for a file folio, a dirty PTE marks the folio dirty
    /// (`folio_mark_dirty()`) and a young one accessed (`folio_mark_accessed()`), `rss[mm_counter]`
    /// shrinks by the batch; an anonymous folio gets neither mark.
    @Test func zapCarriesDirtyAndYoungToFileFoliosOnly() throws {
        let space = try built(.x86_64_4level, [mapFolio(0x200000, order: 2, kind: .file), mapFolio(0x204000, order: 2),
                                               .dirty(span(0x201000, 0x202000)), .dirty(span(0x205000, 0x206000))]).space
        let file = space.memory.folios[space.memory.folios.count - 2].id, anon = space.memory.folios.last!.id
        let (view, failures) = try written(space, .zap(span(0x200000, 0x208000), dropMarkers: false))
        #expect(failures.isEmpty, "\(failures)")
        #expect(view.ledger.markedDirty == [file] && view.ledger.markedAccessed == [file])
        #expect(!view.ledger.markedDirty.contains(anon))
        #expect(view.ledger.rss[0].file == -4 && view.ledger.rss[0].anon == -4)
        #expect(view.ledger.references == [file: -4, anon: -4])
    }

    /// mm/memory.c, `zap_nonpresent_ptes()`: a uffd-wp marker stays unless the zap drops markers
    /// (`zap_drop_markers()`, `ZAP_FLAG_DROP_MARKER` from `unmap_vmas()`).
    @Test func zapKeepsUffdWPMarkersUnlessDropping() throws {
        let space = try built(.x86_64_4level, [.installMarker(span(0x200000, 0x201000), .uffdWP)]).space
        let (kept, keptFailures) = try written(space, .zap(span(0x200000, 0x201000), dropMarkers: false))
        let (dropped, droppedFailures) = try written(space, .zap(span(0x200000, 0x201000), dropMarkers: true))
        #expect(keptFailures.isEmpty && droppedFailures.isEmpty)
        #expect(entry(kept.source, 0x200000) == entry(space, 0x200000))
        #expect(entry(dropped.source, 0x200000) == .none)
    }

    /// `set_vpte_at()` with an order: arm64 4K maps order 4 as sixteen PTEs with `PTE_CONT`
    /// (arch/arm64/include/asm/pgtable-hwdef.h: `CONT_PTE_SHIFT` = 4 + `PAGE_SHIFT`), x86-64 order 9
    /// as one PMD leaf (`HPAGE_PMD_ORDER`); x86-64 has no 32 KiB entry, so order 3 is refused.
    @Test func setEntriesWritesTheOrdersEntryOrRefusesIt() throws {
        let arm = AddressSpace(format: .arm64_4k)
        let (block, blockFailures) = try written(arm, .setEntries(address: 0x10000, order: 4, writable: true))
        #expect(blockFailures.isEmpty, "\(blockFailures)")
        for index in 0..<16 {
            guard case .leaf(_, let attributes) = entry(block.source, 0x10000 + UInt64(index) * page) else {
                Issue.record("page \(index) unmapped")
                continue
            }
            #expect(attributes.contains(.contiguous))
        }
        let x86 = AddressSpace(format: .x86_64_4level)
        let (huge, hugeFailures) = try written(x86, .setEntries(address: 0x200000, order: 9, writable: true))
        #expect(hugeFailures.isEmpty)
        #expect(huge.source.translate(0x200000).level == .pmd)
        #expect(throws: PageTableError.self) { try WriterView(x86, for: .setEntries(address: 0x200000, order: 3, writable: true)) }
        // Over a mapped page: refused, as set_ptes() needs none entries.
        #expect(throws: PageTableError.self) { try WriterView(huge.source, for: .setEntries(address: 0x200000, order: 0, writable: true)) }
    }

    /// mm/mprotect.c, `change_pte_range()` since v6.17: `modify_prot_start_ptes()` ORs young and
    /// dirty across a batch and `modify_prot_commit_ptes()` writes them to every entry, so a batched
    /// writer may leave a page dirty that was clean; the judge allows that within a folio's PTEs of
    /// one table, and no further: a writer that dirties a page of another folio fails.
    @Test func protectionChangeMaySpreadYoungAndDirtyWithinAFolioOnly() throws {
        let space = try built(.x86_64_4level, [mapFolio(0x200000, order: 2), mapFolio(0x204000, order: 0),
                                               .age(span(0x200000, 0x205000)), .dirty(span(0x200000, 0x201000))]).space
        let operation = WriterOperation.changeProtection(span(0x200000, 0x205000), .readOnly)
        let (_, failures) = try written(space, operation)
        #expect(failures.isEmpty, "\(failures)")
        #expect(WriterConformance.check([DirtyingWriter(dirtiesOtherFolio: false)], in: space, operation: operation).isEmpty)
        #expect(!WriterConformance.check([DirtyingWriter(dirtiesOtherFolio: true)], in: space, operation: operation).isEmpty)
    }

    /// Every kind of writer operation is judged: a writer that does nothing fails each one that
    /// changes the tree.
    @Test func aWriterThatDoesNothingFailsEveryOperation() throws {
        let space = try built(.x86_64_4level, [mapFolio(0x200000, order: 1)]).space
        for operation: WriterOperation in [.zap(span(0x200000, 0x202000), dropMarkers: false),
                                           .changeProtection(span(0x200000, 0x202000), .readOnly), .copy(CopyOptions()),
                                           .setEntries(address: 0x400000, order: 0, writable: true)] {
            #expect(!WriterConformance.check([IdleWriter()], in: space, operation: operation).isEmpty, "\(operation)")
        }
    }

    /// The shipped writer designs agree with the reference on every writer operation of the
    /// exhaustive alphabet, on every tree of tiny its setups build.
    @Test func shippedWritersConformExhaustively() {
        let report = WriterExhaustive.run(designs: DesignSet(writers: Designs.writers))
        #expect(report.failures.isEmpty, "\(report.failures.mapValues { "\($0.failure) after \($0.testCase.operations)" })")
        #expect(report.states > 50 && report.writes > 2000)
    }

    /// Every writer mutant dies in the exhaustive mode with at most two setup operations, and its
    /// saved case in corpus/ still fails it.
    @Test func everyWriterMutantDiesSmall() throws {
        for mutant in MutantCatalog.writers {
            let report = WriterExhaustive.run(designs: DesignSet(writers: [mutant]))
            guard let found = report.failures[mutant.name] else {
                Issue.record("\(mutant.name) survives the writers' exhaustive mode")
                continue
            }
            #expect(found.testCase.operations.count <= 2, "\(mutant.name): \(found.testCase.operations)")
            let saved = try CorpusStore.load(PackagePaths.corpus + "/\(mutant.name).case")
            #expect(saved.testCase.writes.count == 1, "\(mutant.name)'s saved case holds one writer operation")
            #expect(CaseRunner.run(saved.testCase, designs: DesignSet(writers: [mutant])).failures[mutant.name] != nil, "\(mutant.name)")
        }
    }

    /// Corpus `write` lines: printed and parsed back the same; a child write before any copy, an
    /// unknown operation, an order past the format's and a bad pin list are refused with the line.
    @Test func writeLinesRoundTripAndBadOnesAreRefused() throws {
        let steps = [WriteStep(.copy(CopyOptions(destinationUffdWP: true, pinned: [FolioID(rawValue: 2), FolioID(rawValue: 1)]))),
                     WriteStep(.zap(span(0x200000, 0x400000), dropMarkers: true), inChild: true),
                     WriteStep(.changeProtection(span(0, 0x1000), .none)), WriteStep(.setEntries(address: 0x200000, order: 9, writable: false))]
        let testCase = TestCase(format: .x86_64_4level, operations: [mapFolio(0, order: 0)], queries: [], writes: steps)
        let text = CorpusFormat.text(of: CorpusCase(testCase: testCase))
        #expect(try CorpusFormat.parse(text, file: "round.case").testCase == testCase)
        let header = "walkcheck-case 1\nformat x86-64-4level\n"
        for (bad, reason) in [("write child zap 0x0 0x1000", "no child"), ("write mangle 0x0 0x1000", "unknown writer operation"),
                              ("write set 0x0 order 40 rw", "order 40"), ("write copy pin 1,x", "not a folio number"),
                              ("write set 0x1000 order 9 rw", "aligned")] {
            #expect {
                _ = try CorpusFormat.parse(header + bad + "\n", file: "bad.case")
            } throws: { error in
                guard let error = error as? CorpusError else { return false }
                return error.line == 3 && error.description.contains(reason)
            }
        }
    }
}

/// A writer that writes nothing and reports nothing.
struct IdleWriter: WriterDesign {
    var name: String { "idle" }
    func serves(_ operation: WriterOperation) -> Bool { true }
    func write(_ view: inout WriterView) {}
}

/// The per-entry writer, then every present PTE of the first folio (or, asked, of the next one
/// too) made dirty: spreading dirty within a folio, or beyond it.
struct DirtyingWriter: WriterDesign {
    let dirtiesOtherFolio: Bool
    var name: String { "dirtying" }
    func serves(_ operation: WriterOperation) -> Bool { true }
    func write(_ view: inout WriterView) {
        EntryWriter().write(&view)
        let format = view.format
        let folios = view.source.memory.folios.filter { $0.kind != .zero }
        for folio in folios.prefix(dirtiesOtherFolio ? 2 : 1) {
            for page in 0..<folio.pageCount {
                let address = 0x200000 + (folio.pfn - folios[0].pfn + page) * format.pageSize
                let found = view.source.translate(address)
                guard case .leaf(let pfn, let attributes) = found.entry else { continue }
                view.setWord(found.slot, format.encode(.leaf(pfn: pfn, attributes: attributes.union(.dirty)), at: .pte))
            }
        }
    }
}

extension WriterTests {
    /// The kernel's own fork (corpus/kernel-fork.case, imported from the running kernel by
    /// `walkcheck import fork`: two THPs written, then `fork()`): the parent's PMD leaves are
    /// read-only and its pages no longer exclusive (pagemap's `PM_MMAP_EXCLUSIVE` clear, checked
    /// when the scenario ran). The copy of the same THPs mapped writable gives the parent the
    /// kernel's leaves (frames, levels, protection) and maps each folio a second time.
    @Test func forkOfTHPsLeavesTheParentAsTheKernelDid() throws {
        let kernel = try CorpusStore.load(PackagePaths.corpus + "/kernel-fork.case").testCase
        let maps = kernel.operations.compactMap { operation -> Operation? in
            guard case .map(let address, let source, _, let shape) = operation else { return nil }
            return .map(address: address, source: source, writable: true, shape: shape)
        }
        #expect(maps.count == 2)
        let before = try built(kernel.format, maps).space
        let after = try built(kernel.format, kernel.operations).space
        let (view, failures) = try written(before, .copy(CopyOptions()))
        #expect(failures.isEmpty, "\(failures)")
        for case .map(let address, let source, _, _) in maps {
            for page in stride(from: 0, to: source.pageCount, by: 512) {
                let here = address + page * kernel.format.pageSize
                guard case .leaf(let pfn, let attributes) = entry(view.source, here),
                      case .leaf(let kernelPFN, let kernelAttributes) = entry(after, here) else {
                    Issue.record("no leaf at 0x\(String(here, radix: 16))")
                    continue
                }
                #expect(view.source.translate(here).level == after.translate(here).level)
                #expect(pfn == kernelPFN)
                #expect(!attributes.contains(.writable) && !kernelAttributes.contains(.writable))
            }
        }
        #expect(view.ledger.entireMaps.values.sorted() == [1, 1], "each THP mapped once more (by the child)")
    }
}

