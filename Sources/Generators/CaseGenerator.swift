import PageTable

/// Generates cases from recorded choices: a format, weighted operations and walk queries.
public struct CaseGenerator: Sendable {
    /// The format cases are generated for.
    public var format: Format
    /// The largest number of operations in a case.
    public var maxOperations: Int
    /// The largest number of walk queries in a case.
    public var maxQueries: Int

    /// Creates a generator.
    public init(format: Format, maxOperations: Int = 12, maxQueries: Int = 4) {
        self.format = format
        self.maxOperations = maxOperations
        self.maxQueries = maxQueries
    }

    /// Generates a case from `choices`; any choice sequence yields a valid case.
    public func generate(_ choices: inout ChoiceSequence) -> TestCase {
        generateRecordingSpans(&choices).testCase
    }

    /// Generates a case and the span of choices each operation and each query was drawn from (its
    /// "another" flag included), so that a shrinker can delete one by deleting its span.
    public func generateRecordingSpans(_ choices: inout ChoiceSequence) -> (testCase: TestCase, operationSpans: [Range<Int>]) {
        let arena = Arena(format: format, choices: &choices)
        var anchors: [AddressRange] = []
        var operations: [Operation] = []
        var spans: [Range<Int>] = []
        while operations.count < maxOperations {
            let start = choices.position
            guard choices.another() else { break }
            let next = operation(in: arena, near: anchors, &choices)
            operations.append(next)
            spans.append(start..<choices.position)
            switch next {
            case .map(let address, let source, _, _):
                anchors.append(AddressRange(start: address, end: address + source.pageCount * format.pageSize))
            case .move(let range, let destination):
                anchors.append(AddressRange(start: destination, end: destination + range.size))
            case .dirty(let range) where range.size == format.pageSize:
                anchors.append(range)
            default: break
            }
        }
        // Every query has its own flag (ignored for the first: a case has at least one), so that
        // deleting a query's span of choices deletes exactly that query.
        var queries: [WalkQuery] = []
        while queries.count < max(1, maxQueries) {
            let start = choices.position
            guard choices.another() || queries.isEmpty else { break }
            queries.append(query(in: arena, near: anchors, &choices))
            spans.append(start..<choices.position)
        }
        return (TestCase(format: format, operations: operations, queries: queries), spans)
    }

    /// The operation kinds and their weights; every kind is reachable on every format.
    static let operationWeights: [(weight: UInt64, value: OperationKind)] = [
        (24, .map), (6, .unmap), (5, .protect), (4, .split), (4, .collapse), (4, .fold), (3, .unfold),
        (4, .swapOut), (3, .swapIn), (4, .startMigration), (3, .finishMigration), (3, .convert),
        (4, .installMarker), (3, .age), (4, .dirty), (3, .clearSoftDirty), (5, .move), (4, .reclaim),
        (3, .uffdWriteProtect),
    ]

    func operation(in arena: Arena, near anchors: [AddressRange], _ choices: inout ChoiceSequence) -> Operation {
        func range() -> AddressRange { arena.addressRange(&choices, near: anchors) }
        func address() -> UInt64 { arena.address(&choices, near: anchors) }
        let kind: OperationKind = anchors.isEmpty && !choices.chance(oneIn: 4) ? .map : choices.weighted(Self.operationWeights)
        switch kind {
        case .map: return map(in: arena, near: anchors, &choices)
        case .unmap: return .unmap(range())
        case .protect: return .protect(range(), choices.pick(Protection.allCases))
        case .split: return .split(address())
        case .collapse:
            let levels = format.leafLevels.filter { $0 != .pte }
            guard !levels.isEmpty else { return .split(address()) }
            return .collapse(address(), level: choices.pick(levels))
        case .fold: return .fold(address())
        case .unfold: return .unfold(address())
        case .swapOut: return .swapOut(range())
        case .swapIn: return .swapIn(range())
        case .startMigration: return .startMigration(range())
        case .finishMigration: return .finishMigration(range())
        case .convert: return .convert(range(), to: choices.pick(ConversionKind.allCases))
        case .installMarker: return .installMarker(range(), choices.pick(MarkerKind.allCases))
        case .uffdWriteProtect:
            // Drawn on every format; where there is no uffd-wp bit it becomes the nearest mprotect.
            let target = range(), protect = choices.usually(oneIn: 3)
            return format.supportsUffdWP ? .uffdWriteProtect(target, protect: protect) : .protect(target, protect ? .readOnly : .readWrite)
        case .age: return .age(range())
        case .dirty:
            // Often a single page: a write to one entry of a block is what makes its entries differ.
            if choices.chance(oneIn: 2) {
                let page = address()
                return .dirty(AddressRange(start: page, end: page + format.pageSize))
            }
            return .dirty(range())
        case .clearSoftDirty: return .clearSoftDirty(range())
        case .move:
            let source = range()
            let destination = address()
            let size = min(source.size, format.top - destination)
            return .move(AddressRange(start: source.start, end: source.start + size), to: destination)
        case .reclaim: return .reclaim(range())
        }
    }

    /// Folio orders worth drawing, weighted: contiguous-block sizes and leaf sizes most, a few
    /// small orders, and the largest leaves rarely (they are expensive to map as base pages).
    var interestingOrders: [(weight: UInt64, value: Int)] {
        var weights: [Int: UInt64] = [0: 2, 2: 1]
        for geometry in format.levels where geometry.allowsLeaf && !geometry.isFolded {
            let order = geometry.shift - format.pageShift
            if order > 0 { weights[order, default: 0] += order > 12 ? 1 : 2 }
            if geometry.contiguousEntries > 1 { weights[order + geometry.contiguousEntries.trailingZeroBitCount, default: 0] += order == 0 ? 4 : 1 }
        }
        for geometry in format.levels { if let shift = geometry.hugepdPageShift { weights[shift - format.pageShift, default: 0] += 2 } }
        return weights.filter { $0.key <= format.maxFolioOrder }.sorted { $0.key < $1.key }.map { (weight: $0.value, value: $0.key) }
    }

    func map(in arena: Arena, near anchors: [AddressRange], _ choices: inout ChoiceSequence) -> Operation {
        let arenaPages = format.pages(in: arena.range.size)
        let source = choices.weighted([(5, 0), (2, 1), (1, 2), (1, 3), (1, 4)])
        let orders = interestingOrders.filter { UInt64(1) << UInt64($0.value) <= arenaPages }
        let order = source <= 1 || source == 4 ? choices.weighted(orders) : 0
        let folioPages: UInt64 = 1 << UInt64(order)
        var first: UInt64 = 0
        var count = folioPages
        if source <= 1 || source == 4, folioPages > 1, choices.chance(oneIn: 4) {
            first = choices.draw(below: folioPages)
            count = 1 + choices.draw(below: folioPages - first)
        } else if source >= 2 {
            count = choices.chance(oneIn: 4) ? min(arenaPages, format.pages(at: .pmd)) : 1 + choices.draw(below: 16)
        }
        let alignment = folioPages * format.pageSize
        var address = arena.range.start + choices.draw(below: arena.range.size / alignment) * alignment + first * format.pageSize
        if choices.chance(oneIn: 6) { address = arena.address(&choices) }
        // Next to an earlier mapping, as adjacent mmaps are: folios allocated one after another then
        // have consecutive frames across their boundary.
        if let last = anchors.last, choices.chance(oneIn: 4), last.end < arena.range.end { address = last.end }
        address = min(address, arena.range.end - format.pageSize)
        count = max(1, min(count, format.pages(in: arena.range.end - address)))
        let mapSource: MapSource
        switch source {
        case 0: mapSource = .folio(kind: .anonymous, order: order, firstPage: first, pageCount: count)
        case 1: mapSource = .folio(kind: .file, order: order, firstPage: first, pageCount: count)
        case 2: mapSource = .zeroPage(pageCount: count)
        case 3: mapSource = .special(pageCount: count)
        default:
            // Pages of a folio an earlier map allocated, mapped again elsewhere (a page-cache folio
            // mapped twice): its number is guessed from the earlier maps (a wrong guess maps nothing).
            let folios = anchors.isEmpty ? 1 : UInt64(anchors.count)
            mapSource = .existingFolio(FolioID(rawValue: 1 + Int(choices.draw(below: folios))), firstPage: first, pageCount: count)
        }
        let writable = choices.usually(oneIn: 4)
        // Drawn on every format (and ignored where unsupported), so a case keeps its shape on tiny.
        let leafLevel = choices.draw(below: 3)
        let contiguous = choices.usually(oneIn: 4)
        let hugepd = choices.usually(oneIn: 3)
        let levels = Array(format.leafLevels.reversed())
        let shape = MapShape(leafLevel: levels[min(Int(leafLevel), levels.count - 1)],
                             contiguous: format.hasContiguousEntries && contiguous, hugepd: format.hasHugepd && hugepd)
        return .map(address: address, source: mapSource, writable: writable, shape: shape)
    }

    func query(in arena: Arena, near anchors: [AddressRange], _ choices: inout ChoiceSequence) -> WalkQuery {
        if choices.chance(oneIn: 32) {
            // An empty or reversed range: every design must refuse it with the oracle's error.
            let address = arena.address(&choices, near: anchors)
            let end = choices.chance(oneIn: 2) ? address : address - min(address, format.pageSize)
            return choices.chance(oneIn: 2) ? .entries(AddressRange(start: address, end: end), [])
                                            : .folios(AddressRange(start: address, end: end), .batchDefault)
        }
        switch choices.weighted([(2, 0), (2, 1), (1, 2)]) {
        case 0:
            return .entries(arena.addressRange(&choices, near: anchors), EntryWalkFlags(rawValue: UInt8(choices.draw(below: 4))))
        case 1:
            var flags = FolioWalkFlags.batchDefault
            if choices.chance(oneIn: 2) { flags = FolioWalkFlags(rawValue: UInt8(choices.draw(below: 128))) }
            return .folios(arena.addressRange(&choices, near: anchors), flags)
        default:
            return .lookup(arena.address(&choices, near: anchors), LookupFlags(rawValue: UInt8(choices.draw(below: 4))))
        }
    }
}

/// The kinds of ``Operation``, for weighting and for counting what a campaign reached.
public enum OperationKind: String, Hashable, Sendable, CaseIterable {
    /// ``Operation/map(address:source:writable:shape:)``.
    case map
    /// ``Operation/unmap(_:)``.
    case unmap
    /// ``Operation/protect(_:_:)``.
    case protect
    /// ``Operation/split(_:)``.
    case split
    /// ``Operation/collapse(_:level:)``.
    case collapse
    /// ``Operation/fold(_:)``.
    case fold
    /// ``Operation/unfold(_:)``.
    case unfold
    /// ``Operation/swapOut(_:)``.
    case swapOut = "swap-out"
    /// ``Operation/swapIn(_:)``.
    case swapIn = "swap-in"
    /// ``Operation/startMigration(_:)``.
    case startMigration = "start-migration"
    /// ``Operation/finishMigration(_:)``.
    case finishMigration = "finish-migration"
    /// ``Operation/convert(_:to:)``.
    case convert
    /// ``Operation/installMarker(_:_:)``.
    case installMarker = "marker"
    /// ``Operation/uffdWriteProtect(_:protect:)``.
    case uffdWriteProtect = "uffd-wp"
    /// ``Operation/age(_:)``.
    case age
    /// ``Operation/dirty(_:)``.
    case dirty
    /// ``Operation/clearSoftDirty(_:)``.
    case clearSoftDirty = "clear-soft-dirty"
    /// ``Operation/move(_:to:)``.
    case move
    /// ``Operation/reclaim(_:)``.
    case reclaim
}
