import Testing
import PageTable
import Oracle
import Generators
import CDesigns
import CWalkerMutants
import WalkCheckCLI

/// Trap isolation for designs under test: ``IsolatedCampaign`` runs the package's command line in a
/// child process, so a trapping design fails one test with its saved, shrunk case.
@Suite struct IsolatedCampaignTests {
    /// A design that traps (the shipped mutant that traps on a PROT_NONE entry) fails the campaign
    /// without ending this process, and the run names its saved case, which holds a shrunk case.
    @Test func trappingDesignFailsOneTest() throws {
        var campaign = IsolatedCampaign(tool: "walkcheck", designs: ["mutant-trap-on-protnone"],
                                        corpus: PackagePaths.scratch("isolated-trap") + "/corpus")
        campaign.formats = ["x86-64-4level"]
        campaign.cases = 200
        let outcome = try campaign.run()
        #expect(outcome.exitStatus == 1 && !outcome.conforms, "\(outcome)")
        #expect(outcome.output.contains("traps on"), "\(outcome)")
        let saved = try #require(outcome.savedCases.first, "\(outcome)")
        let text = try FileSystem.read(saved, maxBytes: CorpusFormat.maxFileBytes)
        let testCase = try CorpusFormat.parse(text, file: saved).testCase
        #expect(testCase.operations.count <= 3, "the saved case is shrunk: \(text)")
    }

    /// A conforming design conforms in the child too (the example C walker, which the shipped
    /// command line registers as `c-walker`), and a design the command line lacks is its usage error.
    @Test func conformingAndUnknownDesigns() throws {
        var campaign = IsolatedCampaign(tool: "walkcheck", designs: ["c-walker"], corpus: PackagePaths.scratch("isolated-ok") + "/corpus")
        campaign.cases = 20
        let outcome = try campaign.run()
        #expect(outcome.conforms && outcome.savedCases.isEmpty, "\(outcome)")
        campaign.designs = ["no-such-design"]
        #expect(try campaign.run().exitStatus == 2)
        campaign.tool = "no-such-tool"
        #expect(throws: IsolatedCampaignError.self) { try campaign.run() }
    }

    /// A C walker that reads past its table traps in the reader's bounds check (it does not read
    /// wild memory): in a child process, so this test survives it.
    @Test func cWalkerReadingPastItsTableTraps() async {
        await #expect(processExitsWith: .failure) {
            var space = AddressSpace(format: .x86_64_4level)
            try space.apply(.map(address: 0, source: .folio(kind: .anonymous, order: 0, firstPage: 0, pageCount: 1), writable: true,
                                 shape: MapShape()))
            _ = try CEntryWalker(name: "c-reads-past-table", walk: cmutant_walk_reads_past_table)
                .entries(in: space, range: AddressRange(start: 0, end: 0x1000))
        }
    }
}
