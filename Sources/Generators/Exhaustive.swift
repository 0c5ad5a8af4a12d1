import PageTable
import Oracle

/// Bounded-exhaustive checking on the small formats: every operation sequence up to a length, over
/// an alphabet of operations at the boundaries that matter, with a fixed set of walk queries after
/// each sequence. Its result does not depend on a seed. A state reached by two sequences is checked
/// once; a sequence with an operation refused for lying outside every VMA is skipped (it cannot happen).
///
/// Two spaces are enumerated (``Exhaustive/spaces``): `tiny` (arm64 encoding, contiguous PTEs and
/// PMDs) and `tiny-hugepd` (powerpc64 encoding with soft-dirty, leaves at the root, PUD and PMD,
/// hugepd pages beside them, operations across two root slots).
public enum Exhaustive {
    /// One format to enumerate: its alphabet of operations and the walks checked after each sequence.
    public struct Space: Sendable {
        /// The format.
        public let format: Format
        /// The operations sequences are built from.
        public let alphabet: [Operation]
        /// The walks checked after every sequence.
        public let queries: [WalkQuery]

        /// Built in: the alphabets below are checked by the tests that run them.
        init(format: Format, alphabet: [Operation], queries: [WalkQuery]) {
            self.format = format
            self.alphabet = alphabet
            self.queries = queries
        }

        /// A space of one's own — a format's alphabet and queries, or a design's — refusing an
        /// operation that is invalid on `format` (`Operation.validate(for:)`: unaligned, past the
        /// top, a level or shape the format lacks), an alphabet of more than 64 operations (the
        /// sequences grow as its size to the length) and more than 4,096 queries.
        public init(validating format: Format, alphabet: [Operation], queries: [WalkQuery]) throws(PageTableError) {
            guard !alphabet.isEmpty, alphabet.count <= 64 else {
                throw .tooLarge("an exhaustive alphabet has 1 to 64 operations, not \(alphabet.count)")
            }
            guard queries.count <= 4096 else { throw .tooLarge("an exhaustive space has at most 4096 queries, not \(queries.count)") }
            for operation in alphabet { try operation.validate(for: format) }
            self.init(format: format, alphabet: alphabet, queries: queries)
        }

        /// This space with `operations` added to its alphabet and `queries` to its walks (a
        /// design's own boundary cases), validated as ``init(validating:alphabet:queries:)`` does.
        public func adding(alphabet operations: [Operation] = [], queries more: [WalkQuery] = []) throws(PageTableError) -> Space {
            try Space(validating: format, alphabet: alphabet + operations, queries: queries + more)
        }
    }

    /// KiB, the unit the tiny alphabets (here and in ``RaceExhaustive``) write addresses in.
    static let k: UInt64 = 1024
    /// `[start, end)` in KiB.
    static func range(_ start: UInt64, _ end: UInt64) -> AddressRange { AddressRange(start: start * k, end: end * k) }
    /// A map of a new folio of `order` at `address` KiB, shaped as asked.
    static func folio(_ address: UInt64, order: Int, kind: FolioKind = .anonymous, first: UInt64 = 0, count: UInt64? = nil,
                              leaf: Level = .pte, contiguous: Bool = false, hugepd: Bool = false, writable: Bool = true) -> Operation {
        .map(address: address * k, source: .folio(kind: kind, order: order, firstPage: first, pageCount: count ?? 1 << UInt64(order)),
             writable: writable, shape: MapShape(leafLevel: leaf, contiguous: contiguous, hugepd: hugepd))
    }

    /// Every distinct tree of `format` that up to `length` of `setups` build (an operation refused
    /// or giving a tree seen before ends its branch), breadth first, with the operations that
    /// built it: the empty tree first, shorter sequences before longer ones.
    static func distinctTrees(of format: Format, from setups: [Operation], upTo length: Int) -> [(AddressSpace, [Operation])] {
        var trees: [(AddressSpace, [Operation])] = [(AddressSpace(format: format), [])]
        var seen: Set<AddressSpace> = [trees[0].0]
        var frontier = trees
        for _ in 0..<length {
            var next: [(AddressSpace, [Operation])] = []
            for (tree, operations) in frontier {
                for operation in setups {
                    var grown = tree
                    guard (try? grown.apply(operation)) != nil, seen.insert(grown).inserted else { continue }
                    next.append((grown, operations + [operation]))
                }
            }
            trees += next
            frontier = next
        }
        return trees
    }

    /// The walks over every range between two of `points` (KiB) with the main flag sets, a lookup
    /// at each point, and `extra`.
    private static func queries(between points: [UInt64], extra: [WalkQuery]) -> [WalkQuery] {
        var queries: [WalkQuery] = []
        for (index, start) in points.enumerated() {
            for end in points[(index + 1)...] {
                queries.append(.entries(range(start, end), []))
                queries.append(.entries(range(start, end), [.skipNone, .coalesceContiguous]))
                queries.append(.folios(range(start, end), .batchDefault))
                queries.append(.folios(range(start, end), []))
            }
            queries.append(.lookup(start * k, []))
            queries.append(.lookup(start * k, [.includeZeroPage, .includeMigration]))
        }
        return queries + extra
    }

    /// `tiny`: operations that meet in the first 32 KiB (two PMD entries): pages, contiguous blocks
    /// of 2 PTEs and 2 PMDs, 16 KiB PMD leaves.
    public static let tiny = Space(format: .tiny, alphabet: [
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
        // VMAs: one over the first 32 KiB, which later maps need; a PFNMAP one replacing a page of
        // it; a gap; a boundary through a PMD leaf (split) and one through a block (kept).
        .mmap(range(0, 32), VMASpec(flags: [.read, .write])), .mmap(range(8, 12), VMASpec(flags: [.read, .write, .pfnmap])),
        .munmap(range(24, 28)), .mprotect(range(20, 24), .readOnly), .madvise(range(0, 4), .hugepage),
        // A hugetlb VMA of 8 KiB pages (2-PTE blocks) after the first 32 KiB, and a huge page in it.
        .mmap(range(32, 48), VMASpec(flags: [.read, .write], hugetlbShift: 13)), folio(32, order: 1),
    ], queries: queries(between: [0, 4, 8, 12, 16, 20, 24, 28, 32], extra: [
        .entries(range(24, 48), []), .entries(range(36, 44), .unifiedHugetlb), .folios(range(24, 48), .batchDefault),
        .lookup(36 * k, []), .lookup(44 * k, []),
        .entries(range(0, 256), []), .entries(range(0, 256), .coalesceContiguous),
        .folios(range(0, 32), [.ignoreYoung, .ignoreDirty, .mergeIgnored, .includeZeroPage, .includeMigration]),
        .folios(range(0, 32), [.ignoreSoftDirty, .ignoreWritable, .mergeIgnored]),
    ]))

    /// `tiny-hugepd`: a 64 KiB PUD leaf at 0, a 32 KiB PUD hugepd page at 64 KiB, an 8 KiB PMD hugepd
    /// page at 128 KiB, a 16 KiB PMD leaf at 144 KiB, pages at 160 KiB, a folio across the boundary of
    /// the first two root slots at 248 KiB, and a 256 KiB root leaf at 256 KiB; operations on each
    /// whole and in part, and moves between root slots.
    public static let tinyHugepd = Space(format: .tinyHugepd, alphabet: [
        folio(0, order: 4, leaf: .pgd), folio(64, order: 3, hugepd: true), folio(128, order: 1, hugepd: true),
        folio(144, order: 2, leaf: .pgd), folio(160, order: 0), folio(164, order: 0, kind: .file),
        folio(248, order: 2, leaf: .pgd), folio(256, order: 6, leaf: .pgd), folio(256, order: 6, first: 4, count: 8, leaf: .pgd, writable: false),
        .map(address: 168 * k, source: .zeroPage(pageCount: 2), writable: false, shape: MapShape()),
        .map(address: 176 * k, source: .special(pageCount: 4), writable: true, shape: MapShape(leafLevel: .pgd)),
        .unmap(range(0, 32)), .unmap(range(248, 264)),
        .protect(range(0, 64), .none), .protect(range(0, 512), .readOnly), .protect(range(64, 96), .readExec),
        .protect(range(256, 512), .readWriteExec), .protect(range(144, 148), .none),
        .split(0), .split(64 * k), .split(256 * k), .split(128 * k),
        .collapse(0, level: .pud), .collapse(256 * k, level: .pgd), .collapse(144 * k, level: .pmd),
        .swapOut(range(144, 168)), .swapIn(range(0, 512)),
        .startMigration(range(0, 64)), .startMigration(range(64, 96)), .startMigration(range(128, 164)), .finishMigration(range(0, 512)),
        .convert(range(144, 160), to: .devicePrivate), .convert(range(160, 168), to: .hwpoison),
        .installMarker(range(96, 128), .guardRegion), .installMarker(range(192, 200), .poisoned),
        .age(range(0, 512)), .dirty(range(4, 8)), .dirty(range(260, 264)), .clearSoftDirty(range(0, 512)),
        .move(range(0, 64), to: 192 * k), .move(range(256, 512), to: 512 * k), .move(range(128, 136), to: 136 * k),
        .reclaim(range(0, 1024)),
        // VMAs: one over the first 1 MiB, and a boundary through the PMD leaf at 144 KiB; a hugetlb
        // VMA of 64 KiB PUD-leaf pages at 512 KiB, and a huge page in it.
        .mmap(range(0, 1024), VMASpec(flags: [.read, .write])), .mprotect(range(148, 152), .readOnly),
        .mmap(range(512, 640), VMASpec(flags: [.read, .write], hugetlbShift: 16)), folio(576, order: 4),
    ], queries: queries(between: [0, 4, 64, 68, 96, 128, 132, 144, 148, 160, 248, 256, 260, 512, 1024], extra: [
        .entries(range(500, 660), []), .entries(range(516, 600), .unifiedHugetlb), .lookup(580 * k, []),
        .lookup(4 * k + 8, []), .lookup(260 * k + 1, [.includeMigration]), .lookup(1024 * k - 1, []),
        .folios(range(0, 1024), [.ignoreYoung, .ignoreDirty, .mergeIgnored, .includeZeroPage, .includeMigration]),
        .folios(range(0, 1024), [.ignoreSoftDirty, .ignoreWritable, .mergeIgnored]),
        .entries(range(1, 8), []), .lookup(1024 * k, []),
    ]))

    /// The spaces enumerated, `tiny` first.
    public static let spaces = [tiny, tinyHugepd]

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
        /// Operations refused for a reason other than lying outside every VMA, ending their
        /// sequence (none in the built-in alphabets; a package's may hold operations that clash).
        public var refusedOperations = 0
    }

    /// Checks `designs` on every sequence of up to `maxLength` operations of `space`.
    /// - Parameter onState: called with each new state's sequence (and every query) before it is checked.
    public static func run(designs: DesignSet, space: Space = tiny, maxLength: Int = 3, progress: ((Int) -> Void)? = nil,
                           onState: ((TestCase) -> Void)? = nil) -> Report {
        var report = Report()
        var seen = Set<AddressSpace>()
        var standing = designs
        var sequence: [Operation] = []
        // Breadth first by length, so each design's first failure is one of the shortest.
        for length in 0...maxLength {
            visit(AddressSpace(format: space.format), of: space, remaining: length, sequence: &sequence, standing: &standing, seen: &seen,
                  report: &report, progress: progress, onState: onState)
        }
        return report
    }

    private static func visit(_ space: AddressSpace, of enumerated: Space, remaining: Int, sequence: inout [Operation], standing: inout DesignSet,
                              seen: inout Set<AddressSpace>, report: inout Report, progress: ((Int) -> Void)?,
                              onState: ((TestCase) -> Void)?) {
        guard remaining == 0 else {
            for operation in enumerated.alphabet {
                var next = space
                do {
                    try next.apply(operation)
                } catch {
                    // Refused (with VMAs, a map outside one; in a package's alphabet, a map over
                    // a mapped page, say): the sequence does not exist.
                    if case .outsideVMA = error {} else { report.refusedOperations += 1 }
                    continue
                }
                sequence.append(operation)
                visit(next, of: enumerated, remaining: remaining - 1, sequence: &sequence, standing: &standing, seen: &seen, report: &report,
                      progress: progress, onState: onState)
                sequence.removeLast()
            }
            return
        }
        report.sequences += 1
        if report.sequences % 1000 == 0 { progress?(report.sequences) }
        guard !standing.names.isEmpty, seen.insert(space).inserted else { return }
        report.states += 1
        onState?(TestCase(format: enumerated.format, operations: sequence, queries: enumerated.queries))
        for query in enumerated.queries {
            let failures = Conformance.check(standing, in: space, query: query)
            switch query {
            case .entries: report.walks += standing.entryWalkers.count
            case .folios: report.walks += standing.folioWalkers.count
            case .lookup: report.walks += standing.lookups.count
            }
            for failure in failures where report.failures[failure.design] == nil {
                report.failures[failure.design] = (TestCase(format: enumerated.format, operations: sequence, queries: [query]), sequence.count, failure)
                report.sequencesToFailure[failure.design] = report.sequences
            }
            if !failures.isEmpty { standing = standing.removing(Set(failures.map(\.design))) }
        }
    }
}
