import PageTable
import Oracle

/// What running one case against a set of designs showed.
public struct CaseResult: Sendable {
    /// Each failing design's first failure: the operations applied before it and what was wrong.
    public var failures: [String: (step: Int, failure: Conformance.Failure)] = [:]
    /// How many operations were applied.
    public var operations = 0
    /// How many design walks were checked.
    public var walks = 0
    /// How many of them were raced (each query once per design, after the last operation).
    public var racedWalks = 0
    /// What the racers provoked in them.
    public var raceEvents = RacingReader.Events()
    /// How many writer operations designs performed and were judged.
    public var writes = 0
    /// How many walks of each design were checked.
    public var walksByDesign: [String: Int] = [:]
    /// The error an operation of the case was refused with, if any (a malformed case).
    public var refused: PageTableError?
    /// Which operation was refused (1 for the first), if one was.
    public var refusedStep: Int?
}

/// Runs cases: applies the operations to an empty address space and, after each one (and before
/// the first), checks every design still standing on every query of the case; then, when the case
/// has racers, checks each query once more, raced by them.
public enum CaseRunner {
    /// Runs `testCase` against `designs`; `states`, when given, are its trees before the first
    /// operation and after each (as ``CaseGenerator/generate(_:census:)`` returns them), checked
    /// instead of applying the operations again.
    public static func run(_ testCase: TestCase, designs: DesignSet, states: [AddressSpace]? = nil) -> CaseResult {
        var result = CaseResult()
        let states = states.flatMap { $0.count == testCase.operations.count + 1 ? $0 : nil }
        var space = states?[0] ?? AddressSpace(format: testCase.format)
        var standing = designs
        for step in 0...testCase.operations.count {
            if step > 0 {
                if let states {
                    space = states[step]
                } else {
                    do { try space.apply(testCase.operations[step - 1]) } catch {
                        result.refused = error
                        result.refusedStep = step
                        return result
                    }
                }
                result.operations += 1
            }
            for query in testCase.queries {
                let serving = standing.names(serving: query)
                for name in serving { result.walksByDesign[name, default: 0] += 1 }
                result.walks += serving.count
                for failure in Conformance.check(standing, in: space, query: query) where result.failures[failure.design] == nil {
                    result.failures[failure.design] = (step, failure)
                }
            }
            standing = standing.removing(Set(result.failures.keys))
            if standing.names.isEmpty { break }
        }
        // The racing walks, on the tree the operations built.
        if !testCase.races.isEmpty, !standing.names.isEmpty { race(testCase, space: space, standing: standing, into: &result) }
        standing = standing.removing(Set(result.failures.keys))
        // The writers, one after another, each on the reference's result of the one before.
        if !testCase.writes.isEmpty, !standing.writers.isEmpty, space.vmas == nil {
            var parent = space
            var child: AddressSpace?
            for step in testCase.writes {
                guard let current = step.inChild ? child : parent else { continue }
                // A refused operation (bad arguments, set-entries over mapped pages) is checked by nobody.
                guard case .success(let next) = WriterConformance.reference(step.operation, on: current) else { continue }
                let serving = standing.writers.filter { $0.serves(step.operation) }
                for design in serving { result.walksByDesign[design.name, default: 0] += 1 }
                result.writes += serving.count
                for failure in WriterConformance.check(serving, in: current, against: next) where result.failures[failure.design] == nil {
                    result.failures[failure.design] = (testCase.operations.count, failure)
                }
                standing = standing.removing(Set(result.failures.keys))
                if step.inChild { child = next.source } else { parent = next.source }
                if let destination = next.destination { child = destination }
            }
        }
        return result
    }

    /// Checks each query once more, raced by the case's racers.
    private static func race(_ testCase: TestCase, space: AddressSpace, standing: DesignSet, into result: inout CaseResult) {
        for query in testCase.queries {
            let serving = standing.names(serving: query)
            for name in serving { result.walksByDesign[name, default: 0] += 1 }
            result.walks += serving.count
            result.racedWalks += serving.count
            for name in serving {
                let outcome = RaceConformance.run(standing, name, in: space, query: query, schedule: testCase.races)
                result.raceEvents.add(outcome.events)
                if let failure = outcome.failure, result.failures[name] == nil { result.failures[name] = (testCase.operations.count, failure) }
            }
        }
    }
}

extension DesignSet {
    /// The set without the designs named in `names`.
    public func removing(_ names: Set<String>) -> DesignSet {
        DesignSet(entryWalkers: entryWalkers.filter { !names.contains($0.name) },
                  folioWalkers: folioWalkers.filter { !names.contains($0.name) },
                  lookups: lookups.filter { !names.contains($0.name) }, writers: writers.filter { !names.contains($0.name) })
    }

    /// The set holding only the design named `name`.
    public func only(_ name: String) -> DesignSet {
        DesignSet(entryWalkers: entryWalkers.filter { $0.name == name }, folioWalkers: folioWalkers.filter { $0.name == name },
                  lookups: lookups.filter { $0.name == name }, writers: writers.filter { $0.name == name })
    }
}
