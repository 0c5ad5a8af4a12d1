import PageTable
import Oracle

/// Bounded-exhaustive checking of writer designs: every writer operation of an alphabet on every
/// tree a few setup operations build, on `tiny`. Its result does not depend on a seed.
public enum WriterExhaustive {
    /// One format to enumerate: the operations that build trees and the writer operations tried.
    public struct Space: Sendable {
        /// The format.
        public let format: Format
        /// The operations trees are built from (every sequence up to ``setupLength``).
        public let setups: [Operation]
        /// How many setup operations a tree is built with, at most.
        public let setupLength: Int
        /// The writer operations tried on every tree.
        public let writers: [WriterOperation]
    }

    private static let k = Exhaustive.k
    private static func range(_ start: UInt64, _ end: UInt64) -> AddressRange { Exhaustive.range(start, end) }

    /// `tiny`, in its first 48 KiB: anonymous folios back to back in frame order and in address
    /// order (a batch must stop between them), a contiguous pair, a file folio, a PMD leaf, and
    /// what makes entries differ: swap, migration, device-exclusive, uffd-wp, markers, a write.
    /// Writers: zaps whose edges cut a block and a PMD leaf, keeping and dropping markers;
    /// protection changes, partial and PROT_NONE; fork copies with and without uffd-wp and with
    /// each of the first folios pinned; set-entries of every order `tiny` expresses.
    public static let tiny = Space(format: .tiny, setups: [
        Exhaustive.folio(0, order: 1), Exhaustive.folio(8, order: 1), Exhaustive.folio(0, order: 1, contiguous: true),
        Exhaustive.folio(4, order: 2, kind: .file, count: 2), Exhaustive.folio(16, order: 2, leaf: .pmd),
        .swapOut(range(0, 8)), .startMigration(range(8, 16)), .startMigration(range(16, 32)),
        .convert(range(0, 4), to: .deviceExclusive), .uffdWriteProtect(range(0, 16), protect: true),
        .installMarker(range(12, 20), .uffdWP), .installMarker(range(20, 24), .guardRegion), .dirty(range(4, 8)),
    ], setupLength: 3, writers: [
        .zap(range(0, 32), dropMarkers: false), .zap(range(4, 12), dropMarkers: false), .zap(range(0, 16), dropMarkers: true),
        .zap(range(20, 28), dropMarkers: false), .zap(range(12, 24), dropMarkers: true),
        .changeProtection(range(0, 32), .readOnly), .changeProtection(range(4, 12), .none), .changeProtection(range(4, 8), .readWrite),
        .changeProtection(range(16, 20), .readExec), .changeProtection(range(0, 48), .readWriteExec),
        .copy(CopyOptions()), .copy(CopyOptions(destinationUffdWP: true)), .copy(CopyOptions(pinned: [FolioID(rawValue: 1)])),
        .copy(CopyOptions(pinned: [FolioID(rawValue: 2)])), .copy(CopyOptions(destinationUffdWP: true, pinned: [FolioID(rawValue: 3)])),
        .setEntries(address: 0, order: 0, writable: true), .setEntries(address: 8 * k, order: 1, writable: true),
        .setEntries(address: 16 * k, order: 2, writable: false), .setEntries(address: 32 * k, order: 3, writable: true),
    ])

    /// `tiny-hugepd` (powerpc64 encoding, soft-dirty, hugepd directories at the PUD and the PMD),
    /// in its first 256 KiB: hugepd pages of both sizes, two to a directory, a PMD leaf, PTEs, swap,
    /// migration and a guard marker. Writers: zaps and protection changes that cut a hugepd page
    /// (one whose directory also holds a page the range covers whole) and a PMD leaf,
    /// fork copies with and without pins, set-entries of a PTE (two of them beside a hugepd page,
    /// whose directory must be converted first), a PMD-level hugepd page, a PMD leaf and a
    /// PUD-level hugepd page.
    public static let tinyHugepd = Space(format: .tinyHugepd, setups: [
        Exhaustive.folio(0, order: 1, hugepd: true), Exhaustive.folio(8, order: 1, hugepd: true), Exhaustive.folio(16, order: 2, leaf: .pmd),
        Exhaustive.folio(64, order: 3, hugepd: true), Exhaustive.folio(96, order: 3, hugepd: true),
        Exhaustive.folio(32, order: 0), Exhaustive.folio(36, order: 1, kind: .file, count: 1), .swapOut(range(32, 40)),
        .startMigration(range(0, 8)), .installMarker(range(40, 48), .guardRegion), .dirty(range(0, 96)),
    ], setupLength: 3, writers: [
        .zap(range(0, 128), dropMarkers: false), .zap(range(4, 20), dropMarkers: true), .zap(range(68, 72), dropMarkers: false),
        .zap(range(0, 12), dropMarkers: false), .zap(range(64, 100), dropMarkers: false), .changeProtection(range(64, 100), .readOnly),
        .changeProtection(range(0, 128), .readOnly), .changeProtection(range(4, 72), .none),
        .copy(CopyOptions()), .copy(CopyOptions(pinned: [FolioID(rawValue: 1)])), .copy(CopyOptions(pinned: [FolioID(rawValue: 2)])),
        .setEntries(address: 0, order: 0, writable: true), .setEntries(address: 8 * k, order: 0, writable: true),
        .setEntries(address: 96 * k, order: 0, writable: true), .setEntries(address: 48 * k, order: 1, writable: true),
        .setEntries(address: 128 * k, order: 3, writable: false), .setEntries(address: 192 * k, order: 2, writable: true),
    ])

    /// The spaces a run enumerates, `tiny` first (its trees find most bugs with the fewest operations).
    public static let spaces = [tiny, tinyHugepd]

    /// What an exhaustive writer run checked and found.
    public struct Report: Sendable {
        /// Distinct trees.
        public var states = 0
        /// Writer operations judged (each one design, one operation, one tree).
        public var writes = 0
        /// Each failing design's first failure, as a case (setup operations and the writer).
        public var failures: [String: (testCase: TestCase, failure: Conformance.Failure)] = [:]
    }

    /// Checks the writer designs of `designs` on every tree of each of `spaces`.
    /// - Parameter onWrite: called with each case before it is checked (a crash reporter's hook).
    public static func run(designs: DesignSet, spaces: [Space] = spaces, onWrite: ((TestCase) -> Void)? = nil) -> Report {
        var report = Report()
        var standing = designs.writers
        for space in spaces where !standing.isEmpty { run(&standing, space: space, report: &report, onWrite: onWrite) }
        return report
    }

    /// Checks the `standing` designs on every tree of `space`, dropping each at its first failure.
    private static func run(_ standing: inout [any WriterDesign], space: Space, report: inout Report, onWrite: ((TestCase) -> Void)?) {
        for (tree, operations) in Exhaustive.distinctTrees(of: space.format, from: space.setups, upTo: space.setupLength) {
            report.states += 1
            for write in space.writers {
                let testCase = TestCase(format: space.format, operations: operations, queries: [], writes: [WriteStep(write)])
                onWrite?(testCase)
                let serving = standing.filter { $0.serves(write) }
                report.writes += serving.count
                for failure in WriterConformance.check(serving, in: tree, operation: write) where report.failures[failure.design] == nil {
                    report.failures[failure.design] = (testCase, failure)
                    standing.removeAll { $0.name == failure.design }
                }
            }
        }
    }
}
