import CDesigns
import CWalker
import Generators
import MyWalker
import Oracle
import PageTable
import Testing
import WalkCheckCLI

/// Seeded campaigns on every format, shrunk, with failing cases saved under `corpus/`.
@Test(arguments: Format.all)
func myDesignsConform(format: Format) {
    let designs = DesignSet(entryWalkers: [CEntryWalker(name: "my-c-walker", walk: cwalker_walk)], lookups: [MyLookup()])
    var configuration = CampaignConfiguration(designs: designs, formats: [format], cases: 50, seed: 1)
    configuration.corpusDirectory = "corpus"   // a failure is saved here, shrunk, with the command that replays it
    let report = Campaign.run(configuration)
    #expect(report.cases == 50)
    for pair in report.pairs {
        if let failure = pair.failure { Issue.record("\(failure.report(seed: configuration.seed, command: "swift run -c release my-walkcheck"))") }
    }
}

/// The same designs through the command line in a child process: a design that trapped would fail
/// this test alone, its case saved and shrunk.
@Test func myDesignsConformIsolated() throws {
    var campaign = IsolatedCampaign(tool: "my-walkcheck", designs: ["my-lookup", "my-c-walker"], corpus: "corpus")
    campaign.cases = 20
    let outcome = try campaign.run()
    #expect(outcome.conforms, "\(outcome)")
}
