import Testing
import PageTable
import Oracle
import Generators
import Mutants

/// A design that traps or loops does not take the run down: each runs in an exit test, and a loop
/// is stopped by the read budget.
@Suite struct CrashAndHangTests {
    static let protNoneCase = """
        walkcheck-case 1
        format tiny
        map 0x0 anon order 0 pages 0+1 ro leaf pte
        protect 0x0 0x40000 none
        walk folios 0x0 0x1000 ignore-young,ignore-dirty,ignore-soft-dirty,ignore-writable
        """

    @Test func trappingDesignIsStoppedInAChildProcess() async {
        await #expect(processExitsWith: .failure) { [text = Self.protNoneCase as String] in
            let saved = try CorpusFormat.parse(text, file: "trap.case")
            _ = CaseRunner.run(saved.testCase, designs: DesignSet(folioWalkers: [TrappingWalker()]))
        }
    }

    @Test func theSameCaseConformsForShippedDesigns() throws {
        let saved = try CorpusFormat.parse(Self.protNoneCase, file: "trap.case")
        #expect(CaseRunner.run(saved.testCase, designs: shippedDesigns).failures.isEmpty)
    }

    @Test func loopingDesignIsStoppedByTheReadBudget() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var space = AddressSpace(format: .tiny)
            try space.apply(.map(address: 0x4000, source: .folio(kind: .anonymous, order: 1, firstPage: 0, pageCount: 2),
                                 writable: false, shape: MapShape()))
            _ = Conformance.check(DesignSet(entryWalkers: [LoopingWalker()]), in: space,
                                  query: .entries(AddressRange(start: 0, end: 0x1000), []))
        }
        let output = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(output.contains("it loops") || output.contains("the design loops"), "the trap names the loop: \(output)")
    }
}
