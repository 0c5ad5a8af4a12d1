import PageTable
import Oracle

/// Bounded-exhaustive racing: every racer of an alphabet at every scheduling point of every walk,
/// on every tree a few setup operations build (one preemption: the racer runs once, at one point,
/// as CHESS bounds preemptions, Musuvathi & Qadeer 2007), and for the shortest walks every ordered
/// pair of racers (two preemptions). Its result does not depend on a seed.
public enum RaceExhaustive {
    /// One format to enumerate: the operations that build trees, the racers, the walks raced.
    public struct Space: Sendable {
        /// The format.
        public let format: Format
        /// The operations trees are built from (every sequence up to ``setupLength``).
        public let setups: [Operation]
        /// How many setup operations a tree is built with, at most.
        public let setupLength: Int
        /// The racers tried at every point.
        public let racers: [Racer]
        /// The walks raced.
        public let queries: [WalkQuery]
        /// Walks with at most this many scheduling points are also raced by every ordered pair of racers.
        public let pairPoints: Int
    }

    private static let k = Exhaustive.k
    private static func range(_ start: UInt64, _ end: UInt64) -> AddressRange { Exhaustive.range(start, end) }
    private static func folio(_ address: UInt64, order: Int, kind: FolioKind = .anonymous, leaf: Level = .pte,
                              contiguous: Bool = false) -> Operation {
        Exhaustive.folio(address, order: order, kind: kind, leaf: leaf, contiguous: contiguous)
    }

    /// `tiny`, in its first 32 KiB (two PTE tables of four pages): a file folio and an anonymous
    /// one in PTEs (collapsible, the file one by a racer), a contiguous pair, a PMD leaf (split by
    /// a racer), a migration, a write to the second page (so a block's entries differ in
    /// dirty); racers that zap and reclaim a table, collapse and split under the
    /// walker, swap out, migrate, age, and the MMU setting young and dirty.
    public static let tiny = Space(format: .tiny, setups: [
        folio(0, order: 2, kind: .file), folio(0, order: 1, contiguous: true), folio(16, order: 2, leaf: .pmd), folio(20, order: 0),
        folio(16, order: 2), .startMigration(range(4, 8)), .unmap(range(0, 4)), .dirty(range(4, 8)),
    ], setupLength: 2, racers: [
        .zap(range(0, 16)), .zap(range(4, 8)), .zap(range(16, 32)), .collapse(0), .collapse(16 * k), .split(0), .split(16 * k),
        .swapOut(range(0, 8)), .startMigration(range(0, 16)), .finishMigration(range(0, 32)), .age(range(0, 32)),
        .access(0, write: true), .access(4 * k, write: false), .access(20 * k, write: true),
    ], queries: [
        .entries(range(0, 32), []), .entries(range(4, 24), [.skipNone, .coalesceContiguous]),
        .folios(range(0, 32), .batchDefault), .folios(range(0, 32), []),
        .lookup(0, []), .lookup(4 * k, [.includeMigration]), .lookup(20 * k, []),
    ], pairPoints: 12)

    /// What an exhaustive race run checked and found.
    public struct Report: Sendable {
        /// Distinct trees raced.
        public var states = 0
        /// Racing walks checked (each one design, one walk, one schedule).
        public var walks = 0
        /// How many of them ran every racer scheduled (a racer due past a walk's last point never runs).
        public var racedWalks = 0
        /// Each failing design's first failure, as a case (setup operations, the walk, the racers).
        public var failures: [String: (testCase: TestCase, failure: Conformance.Failure)] = [:]
    }

    /// Races `designs` on every tree of `space`.
    /// - Parameter onWalk: called with each tree's case and walk before it is raced (a crash reporter's hook).
    /// - Parameter pairPoints: overrides ``Space/pairPoints``: walks with at most this many points are raced by pairs.
    public static func run(designs: DesignSet, space: Space = tiny, pairs: Bool = true, pairPoints: Int? = nil,
                           onWalk: ((TestCase) -> Void)? = nil) -> Report {
        var report = Report()
        let trees = Exhaustive.distinctTrees(of: space.format, from: space.setups, upTo: space.setupLength)
        var standing = designs
        for (tree, operations) in trees {
            report.states += 1
            for query in space.queries {
                onWalk?(TestCase(format: space.format, operations: operations, queries: [query]))
                for name in standing.names(serving: query) {
                    guard let failure = race(standing, name, tree, query, space: space, pairs: pairs ? pairPoints ?? space.pairPoints : 0,
                                             report: &report) else { continue }
                    report.failures[name] = (TestCase(format: space.format, operations: operations, queries: [query], races: failure.schedule),
                                             failure.failure)
                    standing = standing.removing([name])
                }
            }
        }
        return report
    }

    /// The first schedule of `space`'s racers that fails the design on `query`, with its failure.
    private static func race(_ designs: DesignSet, _ name: String, _ tree: AddressSpace, _ query: WalkQuery, space: Space, pairs: Int,
                             report: inout Report) -> (schedule: [RaceStep], failure: Conformance.Failure)? {
        func attempt(_ schedule: [RaceStep]) -> RaceConformance.Outcome {
            report.walks += 1
            let outcome = RaceConformance.run(designs, name, in: tree, query: query, schedule: schedule)
            if !schedule.isEmpty, outcome.racersRun == RaceConformance.applicable(schedule, to: query).count { report.racedWalks += 1 }
            return outcome
        }
        let quiet = attempt([])
        if let failure = quiet.failure { return ([], failure) }
        for racer in space.racers {
            for point in 1...max(1, quiet.points) {
                if let failure = attempt([RaceStep(point: point, racer: racer)]).failure { return ([RaceStep(point: point, racer: racer)], failure) }
            }
        }
        guard quiet.points <= pairs else { return nil }
        for first in space.racers {
            for second in space.racers {
                for p in 1...quiet.points {
                    for q in p...quiet.points {
                        let schedule = [RaceStep(point: p, racer: first), RaceStep(point: q, racer: second)]
                        if let failure = attempt(schedule).failure { return (schedule, failure) }
                    }
                }
            }
        }
        return nil
    }
}
