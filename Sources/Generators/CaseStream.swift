import PageTable

/// The cases a campaign draws for one format, in order, with the census of what they reached:
/// three cases in four are aimed at a cell fewer than two cases have reached while there is one
/// (coverage-guided swarm testing), the rest are drawn as they come. A cell reached once by chance
/// is aimed at once more, by a case whose walks are made to look at it.
///
/// An aimed case is an ordinary case whose swarm choices were set (``Swarm/aiming(at:on:)``) rather
/// than drawn: its recorded choices regenerate it, and its shrinking is the same. Which cell a case
/// aims at depends only on the cases before it, so one seed still gives the same cases on every
/// run and machine. Each cell is aimed at a few times at most, the least tried first, so a cell
/// out of reach cannot starve the others.
public struct CaseStream: Sendable {
    /// The generator the cases come from.
    public let generator: CaseGenerator
    /// The campaign seed.
    public let seed: UInt64
    /// What the cases drawn so far reached.
    public private(set) var census = CoverageCensus()
    private var attempts: [String: Int] = [:]
    /// How many cases reached each cell.
    private var cases: [String: Int] = [:]
    private var counts: [String: Int] = [:]

    /// How many cases may aim at one cell.
    public static let attemptsPerCell = 8

    /// A stream of `generator`'s cases for a campaign seeded with `seed`.
    public init(generator: CaseGenerator, seed: UInt64) {
        self.generator = generator
        self.seed = seed
    }

    /// Case `index`: its test case, the choices that generate it, the cell it aimed at, if any, and
    /// its trees (before the first operation and after each). The case is counted in the census.
    public mutating func next(index: Int) -> (testCase: TestCase, choices: [UInt64], aim: String?, states: [AddressSpace]) {
        let format = generator.format
        var aim: String?
        var prefix: [UInt64] = []
        if index % 4 != 0 {
            let rare = CoverageCensus.reachable(on: format).filter { cases[$0, default: 0] < 2 && attempts[$0, default: 0] < Self.attemptsPerCell }
            if let cell = rare.min(by: { (cases[$0, default: 0], attempts[$0, default: 0]) < (cases[$1, default: 0], attempts[$1, default: 0]) }),
               let swarm = Swarm.aiming(at: cell, on: format) {
                aim = cell
                prefix = swarm.values
                attempts[cell, default: 0] += 1
            }
        }
        var choices = ChoiceSequence(seed: CaseSeed.derive(base: seed, format: format, index: index), prefix: prefix)
        let (testCase, states) = generator.generate(&choices, census: &census)
        let now = census.counts
        for (cell, count) in now where count > counts[cell, default: 0] { cases[cell, default: 0] += 1 }
        counts = now
        return (testCase, choices.recorded, aim, states)
    }
}
