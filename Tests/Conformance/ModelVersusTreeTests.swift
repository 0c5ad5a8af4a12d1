import Testing
import PageTable
import Oracle
import Generators

/// Seeded random operation sequences on every format: after every operation the tree must agree
/// with the abstract model page by page and keep its invariants; the reference walks must tile.
@Suite struct ModelVersusTreeTests {
    @Test(arguments: Format.all)
    func seededSequencesAgree(format: Format) throws {
        let seed = TestBudget.seed
        for index in 0..<TestBudget.cases(default: 20) {
            var choices = ChoiceSequence(seed: CaseSeed.derive(base: seed, format: format, index: index))
            let testCase = CaseGenerator(format: format).generate(&choices)
            var checked = CheckedAddressSpace(format: format)
            for (step, operation) in testCase.operations.enumerated() {
                let problems = try checked.apply(operation)
                guard problems.isEmpty else {
                    Issue.record("""
                        \(format) case \(index) (WALKCHECK_SEED=\(seed)), operation \(step): \(operation)
                        operations before it: \(testCase.operations.prefix(step).map { "\($0)" }.joined(separator: "; "))
                        \(problems.joined(separator: "\n"))
                        """)
                    return
                }
            }
            for query in testCase.queries { try checkWalkProperties(checked.space, query) }
        }
    }

    /// Self-consistency of the reference walks: they tile, skip-none filters, lookups agree.
    private func checkWalkProperties(_ space: AddressSpace, _ query: WalkQuery) throws {
        switch query {
        case .entries(let range, _), .folios(let range, _):
            // A range the API refuses (empty, reversed, unaligned, past the top) is refused by both walks.
            do { _ = try range.validated(for: space.format) } catch {
                #expect(throws: error) { try ReferenceWalk.entries(in: space, range: range) }
                #expect(throws: error) { try ReferenceWalk.folios(in: space, range: range) }
                return
            }
            let items = try ReferenceWalk.entries(in: space, range: range)
            #expect(items.first?.range.start == range.start && items.last?.range.end == range.end)
            #expect(zip(items, items.dropFirst()).allSatisfy { $0.range.end == $1.range.start && $0.range.start < $0.range.end })
            #expect(items.allSatisfy { !space.format.geometry($0.level).isFolded })
            #expect(try ReferenceWalk.entries(in: space, range: range, flags: .skipNone) == items.filter { !$0.entry.isNone })
            let coalesced = try ReferenceWalk.entries(in: space, range: range, flags: .coalesceContiguous)
            #expect(coalesced.first?.range.start == range.start && coalesced.last?.range.end == range.end && coalesced.count <= items.count)
            let runs = try ReferenceWalk.folios(in: space, range: range)
            #expect(runs.allSatisfy { range.contains($0.range) })
            #expect(zip(runs, runs.dropFirst()).allSatisfy { $0.range.end <= $1.range.start })
        case .lookup(let address, let flags):
            guard address < space.format.top else {
                #expect(throws: PageTableError.pastTop(address, top: space.format.top, format: space.format.name)) {
                    try ReferenceWalk.lookup(in: space, address: address, flags: flags)
                }
                return
            }
            // Any address below the top may be looked up: the page holding it is what is found.
            let result = try ReferenceWalk.lookup(in: space, address: address, flags: flags)
            let page = Format.alignDown(address, space.format.pageSize)
            let items = try ReferenceWalk.entries(in: space, range: AddressRange(start: page, end: page + space.format.pageSize))
            #expect(items.count == 1)
            if result.vmaHole {
                // Outside every VMA: the entry walk's depth -1 hole, and a skip to the next VMA.
                #expect(items[0].vmaHole && space.vmas?.vma(containing: address) == nil)
            } else if items[0].vmaHole {
                // A VM_PFNMAP VMA: the entry walk's test_walk skips it; a lookup (GUP) reads it.
                // Or a huge page of a hugetlb VMA whose slot hugetlb_walk() does not find: none.
                let vma = space.vmas?.vma(containing: address)
                #expect(vma?.flags.contains(.pfnmap) == true || vma?.hugetlb != nil && result.entry.isNone)
            } else if space.vmas?.vma(containing: address)?.hugetlb == nil {
                #expect(items[0].entry == result.entry && items[0].level == result.level)
            }
            #expect(result.skip > 0 && address + result.skip <= space.format.top)
        }
    }
}
