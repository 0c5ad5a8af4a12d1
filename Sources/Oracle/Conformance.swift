import PageTable

/// Checks walker designs against the reference oracle: the same result (or the same error), no
/// slot read twice, no more distinct slots read than the walk must inspect, and every PTE-table
/// lock and map dropped by the walk's end.
public enum Conformance {
    /// What went wrong for one design on one query, described for a report.
    public struct Failure: Error, Hashable, Sendable, CustomStringConvertible {
        /// The design's name.
        public var design: String
        /// The query it failed, or nil for a writer operation.
        public var query: WalkQuery?
        /// The writer operation it failed, or nil for a walk.
        public var writer: WriterOperation?
        /// What was wrong: a diff, an error mismatch or a read-count violation.
        public var detail: String

        /// A failure on a walk.
        public init(design: String, query: WalkQuery, detail: String) {
            self.design = design
            self.query = query
            self.detail = detail
        }

        /// A failure on a writer operation.
        public init(design: String, writer: WriterOperation, detail: String) {
            self.design = design
            self.writer = writer
            self.detail = detail
        }

        /// What failed: `query` or `write OPERATION`.
        public var subject: String { query.map { "\($0)" } ?? writer.map { "write \($0)" } ?? "?" }
        /// `design on query: detail`.
        public var description: String { "\(design) on \(subject):\n\(detail)" }
    }

    /// Checks every design that serves `query` on `space`; the oracle's answer is computed once.
    ///
    /// A design that reads more than twice the slots the oracle's walk inspects plus 4096, or
    /// reports more than twice the oracle's items plus 16, loops: it is stopped by a trap naming the
    /// budget, which campaigns catch and report with the case. Both budgets come from what the tree
    /// holds, not from the size of the range (a walk over 128 TiB of holes reads a few slots).
    public static func check(_ designs: DesignSet, in space: AddressSpace, query: WalkQuery) -> [Failure] {
        // One reader for every design (it copies the table layout once).
        let direct = DirectReader(space)
        func guarded<Item>(_ items: inout [Item], _ item: Item, limit: Int) {
            items.append(item)
            if items.count > limit { fatalError("the design reported more than \(limit) items for \(query): it loops") }
        }
        func itemLimit<Item>(_ expected: Result<[Item], PageTableError>) -> Int { 2 * ((try? expected.get().count) ?? 0) + 16 }
        // The oracle's answer and its read bound come from one traversal.
        var footprint = ReferenceWalk.Footprint()
        switch query {
        case .entries(let range, let flags):
            let expected = Result { () throws(PageTableError) in
                try ReferenceWalk.entries(in: space, range: range, flags: flags, footprint: &footprint)
            }
            return designs.entryWalkers.compactMap { design in
                judge(design.name, query, space: space, direct: direct, expected: expected, bound: footprint.slots,
                      tableBound: tableBound(space, range), pieces: footprint.pieces, address: \.range.start) { reader throws(PageTableError) in
                    var items: [EntryWalkItem] = []
                    items.reserveCapacity((try? expected.get().count) ?? 0)
                    let limit = itemLimit(expected)
                    try design.walkEntries(reader, range: range, flags: flags) { guarded(&items, $0, limit: limit) }
                    return items
                }
            }
        case .folios(let range, let flags):
            let expected = Result { () throws(PageTableError) in
                try ReferenceWalk.folios(in: space, range: range, flags: flags, footprint: &footprint)
            }
            return designs.folioWalkers.compactMap { design in
                judge(design.name, query, space: space, direct: direct, expected: expected, bound: footprint.slots,
                      tableBound: tableBound(space, range), pieces: footprint.pieces, address: \.range.start) { reader throws(PageTableError) in
                    var runs: [FolioRun] = []
                    runs.reserveCapacity((try? expected.get().count) ?? 0)
                    let limit = itemLimit(expected)
                    try design.walkFolios(reader, range: range, flags: flags) { guarded(&runs, $0, limit: limit) }
                    return runs
                }
            }
        case .lookup(let address, let flags):
            let expected = Result { () throws(PageTableError) in [try ReferenceWalk.lookup(in: space, address: address, flags: flags)] }
            let bound = (try? ReferenceWalk.footprint(of: space, address: address)) ?? 0
            let tableBound = space.vmas == nil ? 0 : (try? ReferenceWalk.footprint(of: space.withoutVMAs, address: address)) ?? 0
            return designs.lookups.compactMap { design in
                judge(design.name, query, space: space, direct: direct, expected: expected, bound: bound, tableBound: tableBound,
                      address: \.address) { reader throws(PageTableError) in
                    [try design.lookup(reader, address: address, flags: flags)]
                }
            }
        }
    }

    /// The slots a walk of `range` ignoring the VMAs would inspect (0 for a space without VMAs).
    private static func tableBound(_ space: AddressSpace, _ range: AddressRange) -> Int {
        guard space.vmas != nil else { return 0 }
        return (try? ReferenceWalk.footprint(of: space.withoutVMAs, range: range)) ?? 0
    }

    /// Checks one entry-walk design on `range`.
    public static func check(_ design: some EntryWalkDesign, in space: AddressSpace, range: AddressRange, flags: EntryWalkFlags) -> Failure? {
        check(DesignSet(entryWalkers: [design]), in: space, query: .entries(range, flags)).first
    }

    /// Checks one folio-walk design on `range`.
    public static func check(_ design: some FolioWalkDesign, in space: AddressSpace, range: AddressRange, flags: FolioWalkFlags) -> Failure? {
        check(DesignSet(folioWalkers: [design]), in: space, query: .folios(range, flags)).first
    }

    /// Checks one lookup design at `address`.
    public static func check(_ design: some LookupDesign, in space: AddressSpace, address: UInt64, flags: LookupFlags) -> Failure? {
        check(DesignSet(lookups: [design]), in: space, query: .lookup(address, flags)).first
    }

    private static func judge<Item: Equatable & CustomStringConvertible>(
        _ name: String, _ query: WalkQuery, space: AddressSpace, direct: DirectReader, expected: Result<[Item], PageTableError>,
        bound: Int, tableBound: Int = 0, pieces: Int = 0, address: (Item) -> UInt64,
        actual: (CountingReader<DirectReader>) throws(PageTableError) -> [Item]
    ) -> Failure? {
        func failure(_ detail: String) -> Failure { Failure(design: name, query: query, detail: detail) }
        // The loop budget: twice the distinct slots the walk must inspect, and some slack; with
        // VMAs, at least what a walk ignoring them would inspect, so that a design walking gaps
        // or PFNMAP VMAs fails on its reads (and shrinks) rather than trapping as a loop.
        let log = CountingReader<DirectReader>.Log(budget: 2 * max(bound, tableBound) + 4096)
        let got = Result { () throws(PageTableError) in try actual(CountingReader(direct, log: log)) }
        switch (expected, got) {
        case (.success(let wanted), .success(let found)):
            if let diff = WalkDiff.firstDifference(expected: wanted, actual: found, format: space.format, address: address) {
                return failure(diff)
            }
            if let misuse = log.lockMisuse { return failure(misuse) }
            // Walks of several VMA pieces descend from the root once per piece, as Linux's do.
            if pieces <= 1, let repeated = log.firstRepeatedRead {
                return failure("read the word at offset \(repeated) twice (\(log.count) reads in all)")
            }
            if log.count > bound {
                return failure("read \(log.count) slots; the walk inspects at most \(bound) distinct slots")
            }
            return nil
        default:
            return errorVerdict(expected, got).map(failure)
        }
    }

    /// The verdict when the oracle or the walk threw: nil when both threw the same error (or
    /// neither threw), else what differed. Errors come from the arguments, never from the tree.
    static func errorVerdict<A, B>(_ wanted: Result<A, PageTableError>, _ found: Result<B, PageTableError>) -> String? {
        switch (wanted, found) {
        case (.failure(let wanted), .failure(let found)): wanted == found ? nil : "expected the error \"\(wanted)\", got \"\(found)\""
        case (.failure(let wanted), .success): "expected the error \"\(wanted)\", got a result"
        case (.success, .failure(let found)): "expected a result, got the error \"\(found)\""
        case (.success, .success): nil
        }
    }
}
