import PageTable

/// Integrated shrinking in the style of Hypothesis: it reduces the recorded choices a failing case
/// was generated from and regenerates the case after each reduction, so every candidate is valid by
/// construction. A candidate is kept when it still fails and its choices are simpler: fewer, then
/// smaller (shortlex).
///
/// Passes, repeated until a round makes no progress or the budget of evaluations is spent: switch the format to
/// `tiny` (else `tiny-hugepd`); delete each operation (its span of choices); delete spans of 8, 4, 2 and 1 choices; zero
/// such spans; lower each choice to 0, to half, and by one. The result passes if any single
/// operation is removed or any single choice lowered (1-minimal), within the budget.
public struct Shrinker: Sendable {
    /// The most candidates evaluated. The budget is counted in evaluations, never in time, so one
    /// failing case shrinks to the same case on every machine and under any load.
    public var maxEvaluations = 3000

    /// Creates a shrinker with the default budget.
    public init() {}

    /// A shrunk case and what it cost.
    public struct Result: Sendable {
        /// The simplest failing case found.
        public var testCase: TestCase
        /// Its choices.
        public var choices: [UInt64]
        /// How many candidates were evaluated.
        public var evaluations: Int
        /// How many candidates were kept.
        public var improvements: Int
        /// Whether a full round ended without progress (rather than the budget running out).
        public var converged: Bool
    }

    /// Shrinks `choices`, which generate a failing case for `format` with `generator(format)`.
    /// - Parameter fails: whether a case still shows the failure being shrunk.
    public func shrink(choices: [UInt64], format: Format, generator: (Format) -> CaseGenerator,
                       fails: (TestCase) -> Bool) -> Result {
        var evaluations = 0, improvements = 0
        var format = format
        var best = generate(choices, generator(format))
        var bestChoices = best.choices

        func budgetLeft() -> Bool { evaluations < maxEvaluations }
        /// Tries `candidate`; keeps it when it fails and is simpler.
        func attempt(_ candidate: [UInt64], in candidateFormat: Format) -> Bool {
            guard budgetLeft() else { return false }
            let generated = generate(candidate, generator(candidateFormat))
            let sameFormat = candidateFormat == format
            guard !sameFormat || Self.simpler(generated.choices, than: bestChoices) else { return false }
            evaluations += 1
            guard fails(generated.testCase) else { return false }
            best = generated
            bestChoices = generated.choices
            format = candidateFormat
            improvements += 1
            return true
        }

        // The small formats first: a case that fails there too shrinks in a fraction of the time.
        if format != .tiny, !attempt(bestChoices, in: .tiny), format != .tinyHugepd { _ = attempt(bestChoices, in: .tinyHugepd) }
        var progress = true
        while progress, budgetLeft() {
            progress = false
            // Delete whole operations and queries, last first.
            for span in best.spans.reversed() where span.upperBound <= bestChoices.count {
                var candidate = bestChoices
                candidate.removeSubrange(span)
                if attempt(candidate, in: format) { progress = true }
            }
            for size in [8, 4, 2, 1] {
                var start = 0
                while start + size <= bestChoices.count, budgetLeft() {
                    var candidate = bestChoices
                    candidate.removeSubrange(start..<start + size)
                    if attempt(candidate, in: format) { progress = true } else { start += 1 }
                }
            }
            for size in [8, 4, 2] {
                var start = 0
                while start + size <= bestChoices.count, budgetLeft() {
                    if bestChoices[start..<start + size].contains(where: { $0 != 0 }) {
                        var candidate = bestChoices
                        for index in start..<start + size { candidate[index] = 0 }
                        if attempt(candidate, in: format) { progress = true }
                    }
                    start += 1
                }
            }
            var index = 0
            while index < bestChoices.count, budgetLeft() {
                let value = bestChoices[index]
                for lower in Set([0, value / 2, value &- 1]).sorted() where value > 0 && lower < value {
                    var candidate = bestChoices
                    candidate[index] = lower
                    if attempt(candidate, in: format) {
                        progress = true
                        break
                    }
                }
                index += 1
            }
        }
        return Result(testCase: best.testCase, choices: bestChoices, evaluations: evaluations, improvements: improvements,
                      converged: !progress)
    }

    /// Deletes single operations, then single queries and racers, and lowers racers' points, in
    /// `testCase` itself while it still fails:
    /// the final pass, which makes the case 1-minimal as a case (deleting an operation's choices can
    /// also move a later anchored address, so the choice passes alone do not guarantee it).
    public func minimizeCase(_ testCase: TestCase, fails: (TestCase) -> Bool) -> (testCase: TestCase, evaluations: Int) {
        var best = testCase
        var evaluations = 0
        var progress = true
        while progress, evaluations < maxEvaluations {
            progress = false
            for index in best.operations.indices.reversed() where index < best.operations.count {
                var candidate = best
                candidate.operations.remove(at: index)
                evaluations += 1
                if fails(candidate) { best = candidate; progress = true }
            }
            // A case keeps one walk, unless writers are what it checks.
            for index in best.queries.indices.reversed() where best.queries.count > (best.writes.isEmpty ? 1 : 0) && index < best.queries.count {
                var candidate = best
                candidate.queries.remove(at: index)
                evaluations += 1
                if fails(candidate) { best = candidate; progress = true }
            }
            // Racers: each deleted, then its point (or offset) lowered (to the least, to half, by one),
            // then its lock number.
            for index in best.races.indices.reversed() where index < best.races.count {
                var candidate = best
                candidate.races.remove(at: index)
                evaluations += 1
                if fails(candidate) { best = candidate; progress = true }
            }
            // Writer operations: each deleted (a child's writes keep a copy before them), then a
            // copy's pins and uffd-wp, and a zap's marker dropping, taken away.
            for index in best.writes.indices.reversed() where index < best.writes.count {
                var candidate = best
                candidate.writes.remove(at: index)
                evaluations += 1
                if candidate.writes.childrenExist, fails(candidate) { best = candidate; progress = true }
            }
            for index in best.writes.indices {
                for simpler in Self.simplifications(of: best.writes[index].operation, pageSize: best.format.pageSize) {
                    var candidate = best
                    candidate.writes[index].operation = simpler
                    evaluations += 1
                    if fails(candidate) { best = candidate; progress = true; break }
                }
            }
            for index in best.races.indices {
                let point = best.races[index].point
                let least = best.races[index].lock == nil ? 1 : 0
                for lower in Set([least, point / 2, point - 1]).sorted() where lower >= least && lower < point {
                    var candidate = best
                    candidate.races[index].point = lower
                    evaluations += 1
                    if fails(candidate) { best = candidate; progress = true; break }
                }
                guard let lock = best.races[index].lock, lock > 1 else { continue }
                for lower in Set([1, lock / 2, lock - 1]).sorted() where lower >= 1 && lower < lock {
                    var candidate = best
                    candidate.races[index].lock = lower
                    evaluations += 1
                    if fails(candidate) { best = candidate; progress = true; break }
                }
            }
        }
        return (best, evaluations)
    }

    /// Simpler forms of a writer operation: a copy without uffd-wp or with a pin fewer, a zap
    /// keeping markers, a range halved from either end.
    static func simplifications(of operation: WriterOperation, pageSize page: UInt64) -> [WriterOperation] {
        func halves(_ range: AddressRange) -> [AddressRange] {
            let pages = range.size / page
            guard pages > 1 else { return [] }
            let middle = range.start + pages / 2 * page
            return [AddressRange(start: range.start, end: middle), AddressRange(start: middle, end: range.end)]
        }
        switch operation {
        case .copy(let options):
            var simpler: [WriterOperation] = []
            if options.destinationUffdWP { simpler.append(.copy(CopyOptions(pinned: options.pinned))) }
            for pin in options.pinned {
                simpler.append(.copy(CopyOptions(destinationUffdWP: options.destinationUffdWP, pinned: options.pinned.filter { $0 != pin })))
            }
            return simpler
        case .zap(let range, let dropMarkers):
            return (dropMarkers ? [.zap(range, dropMarkers: false)] : []) + halves(range).map { .zap($0, dropMarkers: dropMarkers) }
        case .changeProtection(let range, let protection):
            return halves(range).map { .changeProtection($0, protection) }
        case .setEntries:
            return []
        }
    }

    private func generate(_ choices: [UInt64], _ generator: CaseGenerator) -> (testCase: TestCase, choices: [UInt64], spans: [Range<Int>]) {
        var sequence = ChoiceSequence(replaying: choices)
        let (testCase, spans) = generator.generateRecordingSpans(&sequence)
        return (testCase, sequence.recorded, spans)
    }

    /// Shortlex order: fewer choices first, then the smaller sequence.
    static func simpler(_ lhs: [UInt64], than rhs: [UInt64]) -> Bool {
        lhs.count != rhs.count ? lhs.count < rhs.count : lhs.lexicographicallyPrecedes(rhs)
    }
}
