import Testing
import PageTable
import Oracle

/// The checker itself must fail on broken trees: each test corrupts a sound tree one way.
@Suite struct InvariantCheckerTests {
    private func sound() throws -> AddressSpace {
        try built(.x86_64_4level, [mapFolio(2.MiB, order: 9, leaf: .pmd), mapFolio(8.MiB, order: 0)]).space
    }

    @Test func soundTreeHasNoViolations() throws {
        #expect(TreeInvariants.violations(in: try sound()).isEmpty)
    }

    @Test func aCountTheDescriptorDoesNotKnowIsReported() throws {
        var space = try sound()
        let pte = space.translate(8.MiB + 4.KiB).slot
        space._corruptWord(pte, space.format.encode(.leaf(pfn: 0x100, attributes: [.user]), at: .pte))
        #expect(TreeInvariants.violations(in: space).contains { $0.contains("ptdesc counts") })
    }

    @Test func aMisalignedLeafIsReported() throws {
        var space = try sound()
        let pmd = space.translate(2.MiB).slot
        space._corruptWord(pmd, space.format.encode(.leaf(pfn: 0x201, attributes: [.user]), at: .pmd))
        #expect(TreeInvariants.violations(in: space).contains { $0.contains("not aligned") })
    }

    @Test func aLeakedTableIsReported() throws {
        var space = try sound()
        let pointer = space.translate(8.MiB).path.last!
        space._corruptWord(pointer, 0)
        #expect(TreeInvariants.violations(in: space).contains { $0.contains("leaked") })
    }

    @Test func aTableReachableTwiceIsReported() throws {
        var space = try sound()
        let pointer = space.translate(8.MiB).path.last!
        let word = space.tables.word(pointer)
        space._corruptWord(SlotRef(table: pointer.table, index: pointer.index + 1), word)
        #expect(TreeInvariants.violations(in: space).contains { $0.contains("reachable twice") })
    }

    @Test func anInconsistentContiguousBlockIsReported() throws {
        var space = try built(.arm64_4k, [mapFolio(64.KiB, order: 4, contiguous: true)]).space
        let slot = space.translate(68.KiB).slot
        space._corruptWord(slot, space.format.encode(.leaf(pfn: 0x101, attributes: [.user, .contiguous]), at: .pte))
        #expect(TreeInvariants.violations(in: space).contains { $0.contains("contiguous block mate") })
    }

    @Test func aNonCanonicalWordIsReported() throws {
        var space = try sound()
        let pte = space.translate(8.MiB).slot
        space._corruptWord(pte, space.tables.word(pte) | 1 << 4)  // PCD: a bit the model never sets
        #expect(TreeInvariants.violations(in: space).contains { $0.contains("canonical") })
    }

    @Test func modelComparisonReportsTheFirstDifferentPage() throws {
        var checked = try built(.x86_64_4level, [mapFolio(0, order: 1)])
        var space = checked.space
        space._corruptWord(space.translate(4.KiB).slot, space.format.encode(.leaf(pfn: 0x101, attributes: [.user]), at: .pte))
        let report = ModelComparison.firstDisagreement(space, checked.model)
        #expect(report?.contains("page at 0x1000 (pgd:0 pud:0 pmd:0 pte:1)") == true)
        _ = try checked.apply(.age(span(0, 4.KiB)))
    }

    @Test func diffShowsTheFirstDifferenceWithContextAndPath() {
        let expected = [item(0, 4.KiB, .pte, .none), item(4.KiB, 8.KiB, .pte, .none), item(8.KiB, 12.KiB, .pte, .none)]
        var actual = expected
        actual[1] = item(4.KiB, 8.KiB, .pte, .leaf(pfn: 1, attributes: []))
        let diff = WalkDiff.firstDifference(expected: expected, actual: actual, format: .x86_64_4level) { $0.address }
        #expect(diff?.hasPrefix("first difference at item 1 of 3 expected, 3 actual: address 0x1000, path pgd:0 pud:0 pmd:0 pte:1") == true)
        #expect(diff?.contains("  - 1: [0x1000, 0x2000) pte none") == true)
        #expect(diff?.contains("  + 1: [0x1000, 0x2000) pte leaf pfn 0x1 -") == true)
        #expect(WalkDiff.firstDifference(expected: expected, actual: expected, format: .x86_64_4level) { $0.address } == nil)
    }
}
