import PageTable

/// Checks designs on walks raced by other threads (SEMANTICS.md, "Racing walks"): each design walks
/// a tree that a ``RacingReader`` changes under it at the scheduled points, and its items must be
/// explained by ordered moments: t1 ≤ t2 ≤ … ≤ tn, item k being what the oracle reports for its
/// range in the tree at moment tk (young and dirty any value they took while nothing else changed),
/// every address of the range reported at most once, and an address left unreported only where
/// the oracle reports nothing at some moment between its neighbours'. A use-after-free or a lock
/// misuse fails the walk whatever it reported.
public enum RaceConformance {
    /// What one racing walk of one design showed.
    public struct Outcome: Sendable {
        /// The failure, if the walk failed.
        public var failure: Conformance.Failure?
        /// How many scheduling points the walk passed.
        public var points: Int
        /// How many racers ran.
        public var racersRun: Int
        /// What the racers provoked.
        public var events: RacingReader.Events
    }

    /// Checks every design serving `query` on `space` raced by `schedule`.
    public static func check(_ designs: DesignSet, in space: AddressSpace, query: WalkQuery, schedule: [RaceStep]) -> [Conformance.Failure] {
        designs.names(serving: query).compactMap { name in run(designs, name, in: space, query: query, schedule: schedule).failure }
    }

    /// The racers of `schedule` that a walk of `query` is judged under: the MMU's young and dirty
    /// are left out of folio walks where young or dirty break runs (SEMANTICS.md says why).
    public static func applicable(_ schedule: [RaceStep], to query: WalkQuery) -> [RaceStep] {
        guard case .folios(_, let flags) = query, !flags.ignoredAttributes.isSuperset(of: [.young, .dirty]) else { return schedule }
        return schedule.filter { !$0.racer.isHardware }
    }

    /// Runs the design named `name` of `designs` on `query`, raced by `schedule`, and judges it.
    public static func run(_ designs: DesignSet, _ name: String, in space: AddressSpace, query: WalkQuery,
                           schedule: [RaceStep]) -> Outcome {
        let schedule = applicable(schedule, to: query)
        // The loop budget of the quiescent check, from each tree the walk may see, with room for retries.
        let race = RacingReader.Race(space: space, schedule: schedule) { state in
            2 * max((try? footprint(state, query)) ?? 0, state.vmas == nil ? 0 : (try? footprint(state.withoutVMAs, query)) ?? 0) + 4096
        }
        let reader = RacingReader(race)
        func failure(_ detail: String) -> Conformance.Failure {
            let ran = race.ran.map { "  race \($0.point) \($0.racer)" }
            let story = ran.isEmpty ? "no racer ran" : "racers that ran, each after the walk's Nth scheduling point:\n" + ran.joined(separator: "\n")
            return Conformance.Failure(design: name, query: query, detail: "\(detail)\n\(story)")
        }
        var verdict: String?
        switch query {
        case .entries(let range, let flags):
            guard let design = designs.entryWalkers.first(where: { $0.name == name }) else { break }
            var items: [EntryWalkItem] = []
            let got = Result { () throws(PageTableError) in try design.walkEntries(reader, range: range, flags: flags) { items.append($0) } }
            race.finish()
            verdict = judge(got.map { items }, race: race, range: range) { state throws(PageTableError) in
                try ReferenceWalk.entries(in: state, range: range, flags: flags)
            }
        case .folios(let range, let flags):
            guard let design = designs.folioWalkers.first(where: { $0.name == name }) else { break }
            var runs: [FolioRun] = []
            let got = Result { () throws(PageTableError) in try design.walkFolios(reader, range: range, flags: flags) { runs.append($0) } }
            race.finish()
            // A run of directory leaves is read leaf by leaf, no lock held across them (Linux takes
            // the PMD lock per entry): it may be cut at any leaf it met at another moment, and is
            // then what the oracle reports for its own range at one moment.
            let moments = race.moments, format = space.format
            verdict = judge(got.map { runs }, race: race, range: range, oracle: { state throws(PageTableError) in
                try ReferenceWalk.folios(in: state, range: range, flags: flags)
            }, alsoMatches: { run, moment in
                guard run.level != .pte || run.inHugepd, Self.atLeafBoundaries(run, format, walk: range) else { return false }
                return (try? ReferenceWalk.folios(in: moments[moment], range: run.range, flags: flags)) == [run]
            })
        case .lookup(let address, let flags):
            guard let design = designs.lookups.first(where: { $0.name == name }) else { break }
            let got = Result { () throws(PageTableError) in try design.lookup(reader, address: address, flags: flags) }
            race.finish()
            verdict = judgeLookup(got, race: race) { state throws(PageTableError) in
                try ReferenceWalk.lookup(in: state, address: address, flags: flags)
            }
        }
        return Outcome(failure: verdict.map(failure), points: race.points, racersRun: race.ran.count, events: race.events)
    }

    private static func footprint(_ space: AddressSpace, _ query: WalkQuery) throws(PageTableError) -> Int {
        switch query {
        case .entries(let range, _), .folios(let range, _): try ReferenceWalk.footprint(of: space, range: range)
        case .lookup(let address, _): try ReferenceWalk.footprint(of: space, address: address)
        }
    }

    /// Moments `j` from which `j ... last` are reached by the MMU's young/dirty updates only, for each `j`.
    private static func hardwareReach(_ race: RacingReader.Race) -> [Int] {
        var reach = Array(race.moments.indices)
        for j in race.moments.indices.reversed() where j + 1 < race.moments.count && race.ran[j].racer.isHardware {
            reach[j] = reach[j + 1]
        }
        return reach
    }

    /// Whether `item` is `expected` (the oracle's at moment j) with young and dirty between the
    /// values at j and at `latest` (the oracle's at the last moment the MMU alone reached from j).
    private static func matches<Item: RacedItem>(_ item: Item, _ expected: Item, latest: Item?) -> Bool {
        guard item.withoutYoungDirty == expected.withoutYoungDirty, expected.youngDirty.isSubset(of: item.youngDirty) else { return false }
        let ceiling = latest.flatMap { $0.withoutYoungDirty == expected.withoutYoungDirty ? $0.youngDirty : nil } ?? expected.youngDirty
        return item.youngDirty.isSubset(of: ceiling)
    }

    /// Whether `run` starts and ends at boundaries of the leaves at its level (a hugepd page's, a
    /// directory entry's) or at the edges of the walk.
    private static func atLeafBoundaries(_ run: FolioRun, _ format: Format, walk: AddressRange) -> Bool {
        let geometry = format.geometry(run.level)
        let size: UInt64 = run.inHugepd ? 1 << UInt64(geometry.hugepdPageShift ?? geometry.shift) : geometry.entrySize
        return (run.range.start % size == 0 || run.range.start == walk.start) && (run.range.end % size == 0 || run.range.end == walk.end)
    }

    private static func judge<Item: RacedItem>(_ got: Result<[Item], PageTableError>, race: RacingReader.Race, range: AddressRange,
                                               oracle: (AddressSpace) throws(PageTableError) -> [Item],
                                               alsoMatches: (Item, Int) -> Bool = { _, _ in false }) -> String? {
        if let misuse = race.misuse { return misuse }
        let expected = race.moments.map { state in Result { () throws(PageTableError) in try oracle(state) } }
        guard case .success = expected[0], case .success(let items) = got else { return Conformance.errorVerdict(expected[0], got) }
        let views = expected.map { (try? $0.get()) ?? [] }
        return explain(items, range: range, views: views, reach: hardwareReach(race), alsoMatches: alsoMatches)
    }

    /// Finds ordered moments for `items` (a search over every moment an item may take), or says
    /// which item none explains.
    private static func explain<Item: RacedItem>(_ items: [Item], range: AddressRange, views: [[Item]], reach: [Int],
                                                 alsoMatches: (Item, Int) -> Bool) -> String? {
        let moments = views.count
        // The oracle's items are in address order and disjoint, so their ends ascend too: binary searches.
        func firstEnding(after address: UInt64, at moment: Int) -> Int {
            let view = views[moment]
            var low = 0, high = view.count
            while low < high {
                let middle = (low + high) / 2
                if view[middle].itemRange.end <= address { low = middle + 1 } else { high = middle }
            }
            return low
        }
        func expected(at start: UInt64, _ moment: Int) -> Item? {
            let index = firstEnding(after: start, at: moment)
            return index < views[moment].count && views[moment][index].itemRange.start == start ? views[moment][index] : nil
        }
        func empty(_ gap: AddressRange, at moment: Int) -> Bool {
            let index = firstEnding(after: gap.start, at: moment)
            return gap.start >= gap.end || index == views[moment].count || views[moment][index].itemRange.start >= gap.end
        }
        func gapFits(_ gap: AddressRange, from low: Int, to high: Int) -> Bool { (low...high).contains { empty(gap, at: $0) } }
        var feasible = [true] + Array(repeating: false, count: moments - 1)
        var previousEnd = range.start
        for (k, item) in items.enumerated() {
            let itemRange = item.itemRange
            guard itemRange.start >= previousEnd else {
                return "item \(k) \(item) starts before the end of the item before it (0x\(String(previousEnd, radix: 16))): addresses reported twice"
            }
            let gap = AddressRange(start: previousEnd, end: itemRange.start)
            var next = Array(repeating: false, count: moments)
            for j in 0..<moments {
                let direct = expected(at: itemRange.start, j).map { matches(item, $0, latest: expected(at: itemRange.start, reach[j])) } ?? false
                guard direct || alsoMatches(item, j) else { continue }
                next[j] = (0...j).contains { feasible[$0] && gapFits(gap, from: $0, to: j) }
            }
            guard next.contains(true) else {
                if gap.start < gap.end, (0..<moments).contains(where: { j in
                    expected(at: itemRange.start, j).map { matches(item, $0, latest: expected(at: itemRange.start, reach[j])) } ?? false
                }) {
                    return "the addresses \(gap) before item \(k) \(item) were not reported, yet the oracle reports something there at every moment the walk could have passed them"
                }
                let seen = (0..<moments).map { j in
                    "  moment \(j): " + (expected(at: itemRange.start, j).map(\.description)
                        ?? "no item starts there" + (views[j].first { $0.itemRange.contains(itemRange.start) }.map { " (\($0) covers it)" } ?? ""))
                }
                let after = feasible.firstIndex(of: true) ?? 0
                return "no ordered moments explain item \(k) \(item): no moment from \(after) on reports it. The oracle at each moment:\n"
                    + seen.joined(separator: "\n")
            }
            feasible = next
            previousEnd = itemRange.end
        }
        let tail = AddressRange(start: previousEnd, end: range.end)
        guard tail.start >= tail.end || (0..<moments).contains(where: { feasible[$0] && gapFits(tail, from: $0, to: moments - 1) }) else {
            return "the addresses \(tail) after the last item are reported by the oracle at every moment the walk could have reached them"
        }
        return nil
    }

    private static func judgeLookup(_ got: Result<LookupResult, PageTableError>, race: RacingReader.Race,
                                    oracle: (AddressSpace) throws(PageTableError) -> LookupResult) -> String? {
        if let misuse = race.misuse { return misuse }
        let expected = race.moments.map { state in Result { () throws(PageTableError) in try oracle(state) } }
        guard case .success = expected[0], case .success(let result) = got else { return Conformance.errorVerdict(expected[0], got) }
        let reach = hardwareReach(race)
        let views = expected.map { try? $0.get() }
        if views.indices.contains(where: { j in views[j].map { matches(result, $0, latest: views[reach[j]]) } ?? false }) { return nil }
        return "the lookup found \(result), which the oracle reports at no moment of the walk:\n"
            + views.enumerated().map { "  moment \($0.offset): \($0.element.map(\.description) ?? "an error")" }.joined(separator: "\n")
    }
}
