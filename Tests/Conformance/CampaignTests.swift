import Testing
import PageTable
import Oracle
import Implementations
import Generators

/// The conformance gate: a seeded campaign for every design × format pair, in parallel.
/// Budget and seed: `WALKCHECK_CASES` (default 60 cases a pair) and `WALKCHECK_SEED`.
@Suite struct CampaignTests {
    /// The cases per design and format (`WALKCHECK_CASES` overrides it).
    static let defaultCases = 60

    static let pairs: [(String, String)] = shippedDesigns.names.flatMap { design in Format.all.map { (design, $0.name) } }

    @Test(arguments: pairs)
    func campaign(design: String, format: String) {
        var configuration = CampaignConfiguration(designs: shippedDesigns.only(design), formats: [Format.named(format)!],
                                                  cases: TestBudget.cases(default: Self.defaultCases), seed: TestBudget.seed)
        configuration.corpusDirectory = PackagePaths.scratch("campaign-\(design)-\(format)")
        let report = Campaign.run(configuration)
        #expect(report.cases > 0 && report.refusedCases == 0)
        for pair in report.pairs {
            guard let failure = pair.failure else { continue }
            let text = CorpusFormat.text(of: CorpusCase(testCase: failure.testCase, origin: (configuration.seed, failure.caseIndex),
                                                        design: design, choices: failure.choices))
            Attachment.record(text, named: "\(format)-\(design).case")
            Issue.record("""
                \(failure.report(seed: configuration.seed))
                reproduce the test: WALKCHECK_SEED=\(configuration.seed) WALKCHECK_CASES=\(configuration.cases) swift test --filter CampaignTests
                """)
        }
    }
}
