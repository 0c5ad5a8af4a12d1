import PageTable
import Generators

/// `walkcheck census`: what the generator reaches on each format without running any design, cell
/// by cell (``CoverageCensus``), so that a generator change can be judged before a campaign.
enum CensusCommand {
    static func main(_ arguments: inout Arguments) throws -> Int32 {
        let formats = try DesignCatalog.formats(try arguments.values("format"))
        let cases = try arguments.count("cases", in: RunCommand.caseRange) ?? RunCommand.defaultCases
        let seed = try arguments.seed() ?? CampaignConfiguration.defaultSeed
        let all = arguments.flag("all")
        let show = arguments.flag("show-cases")
        guard try arguments.positional().isEmpty else { throw UsageError(message: "census takes no positional arguments") }
        print("walkcheck census: seed \(hex(seed)), \(cases) cases per format, no designs run")
        var complete = true
        for format in formats {
            var stream = CaseStream(generator: DesignCatalog.generator(for: format, races: 0, writes: 0), seed: seed)
            for index in 0..<cases {
                let (testCase, _, aim, _) = stream.next(index: index)
                if show {
                    print("# case \(index)\(aim.map { ", aimed at \($0)" } ?? "")\n" + CorpusFormat.text(of: CorpusCase(testCase: testCase, origin: (seed, index))))
                }
            }
            let census = stream.census
            print(Reports.census(census, format: format))
            if all {
                for (cell, count) in census.counts.sorted(by: { $0.key < $1.key }) { print("  \(cell): \(count)") }
            }
            complete = complete && census.missing(on: format).isEmpty
        }
        return complete ? 0 : 1
    }
}
