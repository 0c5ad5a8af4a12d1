import PageTable
import Oracle

/// Bounded-exhaustive checking on the `tiny` format: every operation sequence up to a length, over
/// an alphabet of operations at the boundaries that matter (pages, contiguous blocks of 2 PTEs and
/// 2 PMDs, 16 KiB PMD leaves), with a fixed set of walk queries after each sequence. Its result does
/// not depend on a seed. A state reached by two sequences is checked once.
public enum Exhaustive {
    private static let k: UInt64 = 1024
    private static func range(_ start: UInt64, _ end: UInt64) -> AddressRange { AddressRange(start: start * k, end: end * k) }
    private static func folio(_ address: UInt64, order: Int, kind: FolioKind = .anonymous, first: UInt64 = 0, count: UInt64? = nil,
                              leaf: Level = .pte, contiguous: Bool = false) -> Operation {
        .map(address: address * k, source: .folio(kind: kind, order: order, firstPage: first, pageCount: count ?? 1 << UInt64(order)),
             writable: true, shape: MapShape(leafLevel: leaf, contiguous: contiguous))
    }

    /// The operations sequences are built from: they meet in the first 32 KiB (two PMD entries).
    public static let alphabet: [Operation] = [
        folio(0, order: 1, contiguous: true), folio(0, order: 1), folio(16, order: 2, leaf: .pmd), folio(8, order: 0),
        folio(0, order: 2, contiguous: true),
        folio(0, order: 3, leaf: .pmd, contiguous: true), folio(4, order: 0, kind: .file),
        // A folio away from the first PTE table: allocated after two mapped there, it lies back to
        // back with them in frame order but not in address order (a chain of three that breaks).
        folio(20, order: 0),
        .map(address: 8 * k, source: .zeroPage(pageCount: 2), writable: false, shape: MapShape()),
        .map(address: 12 * k, source: .special(pageCount: 1), writable: true, shape: MapShape()),
        .unmap(range(4, 8)), .unmap(range(0, 32)),
        .protect(range(0, 4), .none), .protect(range(0, 4), .readOnly), .protect(range(0, 16), .readOnly),
        .protect(range(0, 32), .readWrite),
        .split(0), .split(16 * k), .collapse(16 * k, level: .pmd), .collapse(0, level: .pmd), .fold(0), .unfold(0),
        .swapOut(range(0, 8)), .swapIn(range(0, 32)), .startMigration(range(16, 32)), .startMigration(range(0, 4)),
        .finishMigration(range(0, 32)), .convert(range(4, 8), to: .hwpoison), .convert(range(0, 4), to: .devicePrivate),
        .installMarker(range(8, 16), .uffdWP), .installMarker(range(12, 16), .guardRegion),
        .age(range(0, 4)), .age(range(0, 32)), .dirty(range(4, 8)), .dirty(range(12, 16)), .dirty(range(16, 20)), .clearSoftDirty(range(0, 32)),
        .move(range(0, 16), to: 16 * k), .move(range(16, 32), to: 4 * k), .reclaim(range(0, 256)),
    ]

    /// The walks checked after every sequence: every page-aligned range of the first 32 KiB with the
    /// main flag sets, the whole space, and a lookup of every page there.
    public static let queries: [WalkQuery] = {
        var queries: [WalkQuery] = []
        for start in stride(from: UInt64(0), to: 32, by: 4) {
            for end in stride(from: start + 4, through: 32, by: 4) {
                queries.append(.entries(range(start, end), []))
                queries.append(.entries(range(start, end), [.skipNone, .coalesceContiguous]))
                queries.append(.folios(range(start, end), .batchDefault))
                queries.append(.folios(range(start, end), []))
            }
            queries.append(.lookup(start * k, []))
            queries.append(.lookup(start * k, [.includeZeroPage, .includeMigration]))
        }
        queries.append(.entries(range(0, 256), []))
        queries.append(.entries(range(0, 256), .coalesceContiguous))
        queries.append(.folios(range(0, 32), [.ignoreYoung, .ignoreDirty, .mergeIgnored, .includeZeroPage, .includeMigration]))
        queries.append(.folios(range(0, 32), [.ignoreSoftDirty, .ignoreWritable, .mergeIgnored]))
        return queries
    }()

    /// What an exhaustive run checked and found.
    public struct Report: Sendable {
        /// Sequences enumerated.
        public var sequences = 0
        /// Distinct states checked.
        public var states = 0
        /// Design walks checked.
        public var walks = 0
        /// Each failing design's first failure (shortest sequence first), as a case.
        public var failures: [String: (testCase: TestCase, step: Int, failure: Conformance.Failure)] = [:]
        /// How many sequences had been enumerated when each failing design first failed.
        public var sequencesToFailure: [String: Int] = [:]
    }

    /// Checks `designs` on every sequence of up to `maxLength` operations.
    /// - Parameter onState: called with each new state's sequence (and every query) before it is checked.
    public static func run(designs: DesignSet, maxLength: Int = 3, progress: ((Int) -> Void)? = nil,
                           onState: ((TestCase) -> Void)? = nil) -> Report {
        var report = Report()
        var seen = Set<AddressSpace>()
        var standing = designs
        var sequence: [Operation] = []
        // Breadth first by length, so each design's first failure is one of the shortest.
        for length in 0...maxLength {
            visit(AddressSpace(format: .tiny), remaining: length, sequence: &sequence, standing: &standing, seen: &seen,
                  report: &report, progress: progress, onState: onState)
        }
        return report
    }

    private static func visit(_ space: AddressSpace, remaining: Int, sequence: inout [Operation], standing: inout DesignSet,
                              seen: inout Set<AddressSpace>, report: inout Report, progress: ((Int) -> Void)?,
                              onState: ((TestCase) -> Void)?) {
        guard remaining == 0 else {
            for operation in alphabet {
                var next = space
                do { try next.apply(operation) } catch { preconditionFailure("the exhaustive alphabet holds a bad operation: \(error)") }
                sequence.append(operation)
                visit(next, remaining: remaining - 1, sequence: &sequence, standing: &standing, seen: &seen, report: &report,
                      progress: progress, onState: onState)
                sequence.removeLast()
            }
            return
        }
        report.sequences += 1
        if report.sequences % 1000 == 0 { progress?(report.sequences) }
        guard !standing.names.isEmpty, seen.insert(space).inserted else { return }
        report.states += 1
        onState?(TestCase(format: .tiny, operations: sequence, queries: queries))
        for query in queries {
            let failures = Conformance.check(standing, in: space, query: query)
            switch query {
            case .entries: report.walks += standing.entryWalkers.count
            case .folios: report.walks += standing.folioWalkers.count
            case .lookup: report.walks += standing.lookups.count
            }
            for failure in failures where report.failures[failure.design] == nil {
                report.failures[failure.design] = (TestCase(format: .tiny, operations: sequence, queries: [query]), sequence.count, failure)
                report.sequencesToFailure[failure.design] = report.sequences
            }
            if !failures.isEmpty { standing = standing.removing(Set(failures.map(\.design))) }
        }
    }
}
