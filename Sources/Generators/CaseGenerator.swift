import PageTable
import Oracle

/// Generates cases from recorded choices: a format, weighted operations and walk queries.
public struct CaseGenerator: Sendable {
    /// The format cases are generated for.
    public var format: Format
    /// The largest number of operations in a case.
    public var maxOperations: Int
    /// The largest number of walk queries in a case (the extensions' queries aside).
    public var maxQueries: Int

    /// The most racers raced against each case's walks (0: quiescent walks only).
    public var maxRaces: Int
    /// The most writer operations checked after each case's walks (0: none).
    public var maxWrites: Int

    /// Creates a generator.
    /// A package's operation weights and queries (none by default).
    public var extensions = GeneratorExtensions()

    public init(format: Format, maxOperations: Int = 12, maxQueries: Int = 4, maxRaces: Int = 0, maxWrites: Int = 0) {
        self.format = format
        self.maxOperations = maxOperations
        self.maxQueries = maxQueries
        self.maxRaces = maxRaces
        self.maxWrites = maxWrites
    }

    /// Generates a case from `choices`; any choice sequence yields a valid case.
    public func generate(_ choices: inout ChoiceSequence) -> TestCase {
        generateRecordingSpans(&choices).testCase
    }

    /// Generates a case and the span of choices each operation and each query was drawn from (its
    /// "another" flag included), so that a shrinker can delete one by deleting its span.
    public func generateRecordingSpans(_ choices: inout ChoiceSequence) -> (testCase: TestCase, operationSpans: [Range<Int>]) {
        var census: CoverageCensus?
        let generated = generateRecordingSpans(&choices, census: &census)
        return (generated.testCase, generated.operationSpans)
    }

    /// Generates a case, counting what it reaches in `census` from the trees its generation builds
    /// anyway (``CoverageCensus/record(_:)`` without building them again), and returns those trees:
    /// the state before the first operation and after each, which a runner can check without
    /// applying the operations again.
    public func generate(_ choices: inout ChoiceSequence, census: inout CoverageCensus) -> (testCase: TestCase, states: [AddressSpace]) {
        var counting: CoverageCensus? = census
        let generated = generateRecordingSpans(&choices, census: &counting)
        census = counting!
        return (generated.testCase, generated.states)
    }

    /// Generates a case; when `census` is not nil, counts it there and keeps the trees it builds.
    private func generateRecordingSpans(_ choices: inout ChoiceSequence, census: inout CoverageCensus?)
        -> (testCase: TestCase, operationSpans: [Range<Int>], states: [AddressSpace]) {
        let swarm = Swarm(&choices)
        var context = Context(format: format, arena: Arena(format: format, swarm: swarm, choices: &choices), swarm: swarm, census: &census)
        // One case in six has VMAs (more when aimed at a VMA cell): its first operation is an mmap.
        context.hasVMAs = swarm.mode(.vmas).apply(choices.chance(oneIn: 6))
        var operations: [Operation] = []
        var spans: [Range<Int>] = []
        while operations.count < maxOperations {
            let start = choices.position
            // A case aimed at a state has room to build it: at least six operations.
            guard choices.another() || swarm.mode(.longCase) == .always && operations.count < 6 else { break }
            let next = operation(&context, &choices)
            operations.append(next)
            spans.append(start..<choices.position)
            context.applied(next, census: &census)
        }
        // Every query has its own flag (ignored for the first: a case has at least one), so that
        // deleting a query's span of choices deletes exactly that query.
        var queries: [WalkQuery] = []
        while queries.count < max(1, maxQueries) {
            let start = choices.position
            guard choices.another() || queries.isEmpty else { break }
            queries.append(query(&context, &choices))
            spans.append(start..<choices.position)
        }
        // The package's own queries, each behind its own flag.
        if let extra = extensions.query {
            for _ in 0..<2 {
                let start = choices.position
                guard choices.draw(below: 2) != 0 else { break }
                queries.append(extra(format, &choices))
                spans.append(start..<choices.position)
            }
        }
        census?.record(queries, format: format, units: context.units, vmaTrees: context.vmaTrees)
        // Racers, each with its own flag, so that deleting its span deletes it.
        var races: [RaceStep] = []
        while races.count < maxRaces {
            let start = choices.position
            guard choices.draw(below: 2) != 0 else { break }
            races.append(race(&context, &choices, walks: queries))
            spans.append(start..<choices.position)
        }
        // Writer operations, each with its own flag, none in a space with VMAs (they are not run there).
        // After a copy, half the writes go to its child.
        var writes: [WriteStep] = []
        while writes.count < maxWrites, !context.hasVMAs {
            let start = choices.position
            guard choices.draw(below: 2) != 0 else { break }
            let inChild = writes.contains { $0.operation.isCopy } && choices.draw(below: 2) == 1
            writes.append(WriteStep(write(&context, &choices), inChild: inChild))
            spans.append(start..<choices.position)
        }
        return (TestCase(format: format, operations: operations, queries: queries, races: races, writes: writes), spans, context.states)
    }

    /// One writer operation, aimed as operations are: a zap (a third of them dropping markers), a
    /// protection change, a fork copy (uffd-wp kept in the child half the time where the format
    /// has it, up to two of the tree's anonymous folios pinned), or a set-entries of an order the
    /// format can express, at a page of that alignment that maps nothing when one is found.
    func write(_ context: inout Context, _ choices: inout ChoiceSequence) -> WriterOperation {
        switch choices.draw(below: 8) {
        case 0, 1:
            return .zap(context.operationRange(&choices), dropMarkers: choices.chance(oneIn: 3))
        case 2, 3:
            return .changeProtection(context.operationRange(&choices), choices.pick(Protection.allCases))
        case 4, 5, 6:
            // Pinned folios, half the time one that starts where the folio before it ends: a batch
            // running on past a folio's end meets a folio that must be copied page by page.
            let folios = context.space.memory.folios
            let anonymous = folios.filter { $0.kind == .anonymous }.map(\.id)
            let backToBack = anonymous.filter { $0.rawValue > 1 && folios[$0.rawValue].startsBackToBack(at: folios[$0.rawValue - 1].endPFN) }
            var pinned: [FolioID] = []
            for _ in 0..<2 where !anonymous.isEmpty && choices.chance(oneIn: 2) {
                pinned.append(!backToBack.isEmpty && choices.chance(oneIn: 2) ? choices.pick(backToBack) : choices.pick(anonymous))
            }
            return .copy(CopyOptions(destinationUffdWP: format.supportsUffdWP && choices.chance(oneIn: 2), pinned: pinned))
        default:
            let orders = (0...format.maxFolioOrder).filter { format.placementForOrder($0) != nil }
            let order = orders[Int(choices.draw(below: UInt64(min(orders.count, 4))))]
            let size = format.pageSize << UInt64(order)
            var address = Format.alignDown(context.operationAddress(&choices), size)
            for _ in 0..<3 where !context.space.units(in: AddressRange(start: address, end: min(address + size, format.top))).isEmpty {
                address = Format.alignDown(context.operationAddress(&choices), size)
            }
            if address + size > format.top { address = 0 }
            return .setEntries(address: address, order: order, writable: choices.draw(below: 4) != 0)
        }
    }

    /// The kinds of racer a case draws.
    enum RacerKind { case zap, collapse, split, swapOut, startMigration, finishMigration, age, access }

    /// The racers' kinds, weighted: zaps (with PT_RECLAIM) and the MMU most, as they are the most
    /// frequent writers beside a reader.
    static let racerWeights: [(weight: UInt64, value: RacerKind)] = [(3, .zap), (2, .collapse), (2, .split), (1, .swapOut),
                                                                    (1, .startMigration), (1, .finishMigration), (1, .age), (3, .access)]

    /// One racer, aimed as operations are (half the zaps clear a whole PTE table's span), at a
    /// point drawn on a log scale (1 to 8, 32, 128 or 512: walks pass from a few to thousands of
    /// points) or, half the time, anchored at one of the walk's first PTE locks or maps (1 to 2, 4
    /// or 8), zero to three points after the moment before it: the windows where a walker must
    /// re-check or retry, which a point drawn at random seldom hits; an anchored racer aims, half
    /// the time, at the page (or the PTE table span) where one of the case's walks starts.
    func race(_ context: inout Context, _ choices: inout ChoiceSequence, walks: [WalkQuery]) -> RaceStep {
        let anchored = choices.draw(below: 2) == 1
        // An anchored racer aims, half the time, where a walk starts, at the walk's first lock:
        // the PTE table that lock takes is there.
        var aimed: UInt64?
        if anchored, !walks.isEmpty, choices.draw(below: 2) == 0 {
            switch choices.pick(walks) {
            case .entries(let range, _), .folios(let range, _): aimed = Format.alignDown(range.start, format.pageSize)
            case .lookup(let address, _): aimed = Format.alignDown(address, format.pageSize)
            }
        }
        let anchor = !anchored ? nil : aimed != nil ? 1 : 1 + Int(choices.draw(below: 2 << choices.draw(below: 3)))
        let point = anchor == nil ? 1 + Int(choices.draw(below: 8 << (2 * choices.draw(below: 4)))) : Int(choices.draw(below: 4))
        let tableSpan = format.geometry(.pmd).entrySize
        func address() -> UInt64 { aimed ?? context.operationAddress(&choices) }
        /// The aimed-at page's PTE table span, or a range aimed as operations are.
        func range() -> AddressRange {
            guard let aimed else { return context.operationRange(&choices) }
            let start = Format.alignDown(aimed, tableSpan)
            return AddressRange(start: start, end: min(start + tableSpan, format.top))
        }
        let racer: Racer
        switch choices.weighted(Self.racerWeights) {
        case .zap:
            // Half the zaps clear one whole PTE table's span, which PT_RECLAIM then frees under the walker.
            if choices.draw(below: 2) == 0 {
                racer = .zap(range())
            } else {
                let start = Format.alignDown(address(), tableSpan)
                racer = .zap(AddressRange(start: start, end: min(start + tableSpan, format.top)))
            }
        case .collapse: racer = .collapse(address())
        case .split: racer = .split(address())
        case .swapOut: racer = .swapOut(range())
        case .startMigration: racer = .startMigration(range())
        case .finishMigration: racer = .finishMigration(range())
        case .age: racer = .age(range())
        case .access: racer = .access(address(), write: choices.draw(below: 2) == 1)
        }
        return anchor.map { RaceStep(lock: $0, offset: point, racer: racer) } ?? RaceStep(point: point, racer: racer)
    }

    /// What one case's choices are drawn against: its window and swarm, the ranges its maps and
    /// moves touched, and the tree its operations built so far with that tree's landmarks, so that
    /// later operations and the queries aim at what is there (a PMD leaf to migrate whole, a
    /// block to dirty one page of, a walk starting inside a hugepd page).
    struct Context {
        let format: Format
        let arena: Arena
        let swarm: Swarm
        /// Ranges earlier operations acted on (the destination of a move, the page of a split).
        var anchors: [AddressRange] = []
        /// The range the last map mapped.
        var lastMap: AddressRange?
        /// How many maps there were.
        var maps = 0
        /// The tree after the operations drawn so far.
        var space: AddressSpace
        /// Its landmarks, worked out when an operation or a query first aims at them.
        private var cachedLandmarks: Landmarks?
        /// The units of the tree before the first operation and after each, when a census is kept.
        var units: [[Landmarks.Unit]] = []
        /// The trees before the first operation and after each, when a census is kept.
        var states: [AddressSpace] = []
        /// Those of them that have VMAs.
        var vmaTrees: [AddressSpace] = []
        /// Whether an operation was refused.
        var refused = false
        /// Whether the case has VMAs: it starts with an mmap, and maps and moves land inside VMAs.
        var hasVMAs = false
        /// Whether the last operation drawn was a map.
        var lastOperationMapped = false
        /// Scratch storage for the tree's terminal slots, and whether it lists the current tree.
        var runs: [PageRun] = []
        private var runsCurrent = false

        init(format: Format, arena: Arena, swarm: Swarm, census: inout CoverageCensus?) {
            self.format = format
            self.arena = arena
            self.swarm = swarm
            space = AddressSpace(format: format)
            treeChanged(census: &census)
        }

        /// Lists the tree's terminal slots and, when a census is kept, counts them and keeps the
        /// tree and its units.
        private mutating func treeChanged(census: inout CoverageCensus?) {
            cachedLandmarks = nil
            runsCurrent = false
            guard census != nil else { return }
            ModelComparison.treeRuns(space, into: &runs)
            runsCurrent = true
            let treeUnits = Landmarks.units(of: space, runs: runs)
            census?.recordTree(space, runs: runs, units: treeUnits)
            units.append(treeUnits)
            if !refused { states.append(space) }
            if space.vmas != nil { vmaTrees.append(space) }
        }

        /// The tree's landmarks.
        mutating func landmarks() -> Landmarks {
            if let cachedLandmarks { return cachedLandmarks }
            if !runsCurrent {
                ModelComparison.treeRuns(space, into: &runs)
                runsCurrent = true
            }
            let landmarks = Landmarks(space, runs: runs, window: arena.range)
            cachedLandmarks = landmarks
            return landmarks
        }

        /// Records `operation`, drawn next: its anchor, and the tree it leaves (counted in `census`).
        mutating func applied(_ operation: Operation, census: inout CoverageCensus?) {
            let page = format.pageSize
            if case .map = operation { lastOperationMapped = true } else { lastOperationMapped = false }
            switch operation {
            case .map(let address, let source, _, _):
                lastMap = AddressRange(start: address, end: address + source.pageCount * page)
                anchors.append(lastMap!)
                maps += 1
            case .move(let range, let destination):
                anchors.append(AddressRange(start: destination, end: destination + range.size))
            case .split(let address), .collapse(let address, _), .fold(let address), .unfold(let address):
                anchors.append(AddressRange(start: address, end: address + page))
            case .unmap(let range), .protect(let range, _), .swapOut(let range), .swapIn(let range), .startMigration(let range),
                 .finishMigration(let range), .convert(let range, _), .installMarker(let range, _), .uffdWriteProtect(let range, _),
                 .age(let range), .dirty(let range), .clearSoftDirty(let range), .reclaim(let range),
                 .mmap(let range, _), .munmap(let range), .mprotect(let range, _), .madvise(let range, _):
                // Later operations often act where earlier ones did: a PMD leaf dirtied, then
                // migrated, then walked.
                anchors.append(range)
            }
            // A refused operation (there should be none) leaves the tree as it was, and the trees are
            // not handed on: the runner applies the operations itself and reports the refusal.
            do { try space.apply(operation) } catch { refused = true }
            treeChanged(census: &census)
        }

        /// Whether to aim at the tree's landmarks (else at the window and the anchors): half the
        /// time, or as the swarm forces.
        func aimsAtLandmarks(_ choices: inout ChoiceSequence) -> Bool {
            swarm.mode(.landmarks).apply(choices.chance(oneIn: 2))
        }

        /// A page-aligned address for a query, anywhere below the top.
        mutating func address(_ choices: inout ChoiceSequence) -> UInt64 {
            aimsAtLandmarks(&choices) ? landmarks().address(&choices) : arena.address(&choices, near: anchors)
        }

        /// A non-empty page-aligned range for a query, up to the top.
        mutating func range(_ choices: inout ChoiceSequence) -> AddressRange {
            aimsAtLandmarks(&choices) ? landmarks().range(&choices, arena: arena, endInside: swarm.mode(.endsInside) == .always)
                                      : arena.addressRange(&choices, near: anchors)
        }

        /// A range for a walk: ``range(_:)``, run to the top of the address space when the swarm says so.
        mutating func walkRange(_ choices: inout ChoiceSequence) -> AddressRange {
            var drawn = range(&choices)
            if swarm.mode(.rangesToTop) == .always { drawn.end = format.top }
            return drawn
        }

        /// Where an operation acts if it acts where an earlier one did: a third of the time where
        /// the last operation did; when the swarm forces focus, always where the last map did, so
        /// that every operation of the case works on one unit. Chains of operations on one unit (a
        /// PMD leaf aged, one of its pages dirtied, the leaf migrated) are what rare states are made of.
        func focuses(_ choices: inout ChoiceSequence) -> AddressRange? {
            let focus = choices.chance(oneIn: 3)
            switch swarm.mode(.focus) {
            case .always: return lastMap?.clamped(to: arena.range)
            case .never: return nil
            case .free: return focus ? anchors.last?.clamped(to: arena.range) : nil
            }
        }

        /// A page-aligned address for an operation, inside the window.
        mutating func operationAddress(_ choices: inout ChoiceSequence) -> UInt64 {
            if let last = focuses(&choices) { return last.start + choices.draw(below: format.pages(in: last.size)) * format.pageSize }
            return min(max(address(&choices), arena.range.start), arena.range.end - format.pageSize)
        }

        /// A range for an operation that splits VMAs: half the time one with an edge strictly
        /// inside what the last map mapped (a THP, a block or a folio cut by the new VMA boundary,
        /// its pages on both sides), else ``operationRange(_:)``.
        mutating func vmaSplittingRange(_ choices: inout ChoiceSequence) -> AddressRange {
            guard let last = lastMap?.clamped(to: arena.range), last.size > format.pageSize, choices.chance(oneIn: 2) else {
                return operationRange(&choices)
            }
            let cut = last.start + (1 + choices.draw(below: format.pages(in: last.size) - 1)) * format.pageSize
            return choices.chance(oneIn: 2) ? AddressRange(start: cut, end: last.end) : AddressRange(start: last.start, end: cut)
        }

        /// A non-empty page-aligned range for an operation, inside the window (an operation over
        /// the whole address space would fill it: a marker on every page).
        mutating func operationRange(_ choices: inout ChoiceSequence) -> AddressRange {
            if let last = focuses(&choices) { return last }
            if let inside = range(&choices).clamped(to: arena.range) { return inside }
            let page = operationAddress(&choices)
            return AddressRange(start: page, end: page + format.pageSize)
        }
    }

    /// The operation kinds and their weights; every kind is reachable on every format.
    static let operationWeights: [(weight: UInt64, value: OperationKind)] = [
        (24, .map), (6, .unmap), (5, .protect), (4, .split), (4, .collapse), (4, .fold), (3, .unfold),
        (4, .swapOut), (3, .swapIn), (4, .startMigration), (3, .finishMigration), (3, .convert),
        (4, .installMarker), (3, .age), (4, .dirty), (3, .clearSoftDirty), (5, .move), (4, .reclaim),
        (3, .uffdWriteProtect),
    ]

    func operation(_ context: inout Context, _ choices: inout ChoiceSequence) -> Operation {
        func range() -> AddressRange { context.operationRange(&choices) }
        func address() -> UInt64 { context.operationAddress(&choices) }
        // A single page when the swarm forces single pages (a case aimed at neighbouring entries
        // that differ), else a range as drawn.
        func pageOrRange() -> AddressRange {
            guard context.swarm.mode(.singlePage) == .always else { return range() }
            let page = address()
            return AddressRange(start: page, end: page + format.pageSize)
        }
        // Swap-out, conversion and markers make an entry per base page: their ranges stop two PMD
        // spans on (a gigabyte of swap entries would be 262,144 of them, walked at every step).
        func pageRange() -> AddressRange {
            var drawn = range()
            drawn.end = min(drawn.end, drawn.start + 2 * format.geometry(.pmd).entrySize)
            return drawn
        }
        let swarm = context.swarm
        var weights = extensions.weighted(Self.operationWeights.filter { swarm.allows($0.value) })
        // When every operation acts on the last map, few more maps are drawn.
        if swarm.mode(.focus) == .always, context.lastMap != nil, !weights.isEmpty { weights[0].weight = 2 }
        if context.hasVMAs {
            let vmaCount = context.space.vmas?.vmas.count ?? 0
            // Two VMAs or more early on, so that boundaries are there to be walked across.
            if vmaCount == 0 || vmaCount < 2 && choices.chance(oneIn: 4) { return mmap(&context, &choices) }
            weights += extensions.weighted(Self.vmaOperationWeights.filter { swarm.allows($0.value) })
            // Right after a map, often a VMA boundary through what it mapped: a folio, a THP or a
            // block whose pages then lie in two VMAs, the state batching walkers get wrong.
            if context.lastOperationMapped, choices.chance(oneIn: 3) {
                let range = fittedToHugePages(context.vmaSplittingRange(&choices), in: context)
                return choices.chance(oneIn: 2) ? .madvise(range, .hugepage)
                    : .mprotect(range, swarm.pick(Protection.allCases, Swarm.Switch.protection, &choices))
            }
        }
        // Nothing mapped yet: a map, mostly (unless the package turned maps off); a swarm that
        // switched off every kind the package left on falls back to a map.
        let mapFirst = context.anchors.isEmpty && !extensions.isOff(.map) && !choices.chance(oneIn: 4)
        let kind: OperationKind = mapFirst || weights.isEmpty ? .map : choices.weighted(weights)
        switch kind {
        case .map: return fitted(map(&context, &choices), into: context)
        case .mmap: return mmap(&context, &choices)
        case .munmap: return .munmap(fittedToHugePages(context.vmaSplittingRange(&choices), in: context))
        case .mprotect:
            let range = fittedToHugePages(context.vmaSplittingRange(&choices), in: context)
            return .mprotect(range, swarm.pick(Protection.allCases, Swarm.Switch.protection, &choices))
        case .madvise:
            let advice = choices.pick(VMAAdvice.allCases.filter { format.supportsUffdWP || $0 != .uffdRegister })
            return .madvise(fittedToHugePages(context.vmaSplittingRange(&choices), in: context), advice)
        case .unmap: return .unmap(range())
        case .protect: return .protect(pageOrRange(), swarm.pick(Protection.allCases, Swarm.Switch.protection, &choices))
        case .split: return .split(address())
        case .collapse:
            let levels = format.leafLevels.filter { $0 != .pte }
            guard !levels.isEmpty else { return .split(address()) }
            return .collapse(address(), level: choices.pick(levels))
        case .fold: return .fold(address())
        case .unfold: return .unfold(address())
        case .swapOut: return .swapOut(pageRange())
        case .swapIn: return .swapIn(range())
        case .startMigration: return .startMigration(range())
        case .finishMigration: return .finishMigration(range())
        case .convert: return .convert(pageRange(), to: swarm.pick(ConversionKind.allCases, Swarm.Switch.conversion, &choices))
        case .installMarker: return .installMarker(pageRange(), swarm.pick(MarkerKind.allCases, Swarm.Switch.marker, &choices))
        case .uffdWriteProtect:
            // Drawn on every format; where there is no uffd-wp bit it becomes the nearest mprotect.
            let target = pageOrRange(), protect = swarm.mode(.uffdProtect).apply(choices.usually(oneIn: 3))
            return format.supportsUffdWP ? .uffdWriteProtect(target, protect: protect) : .protect(target, protect ? .readOnly : .readWrite)
        case .age, .dirty:
            // Often a single page: an access or a write to one entry of a block is what makes its
            // entries differ.
            var target: AddressRange
            if swarm.mode(.singlePage).apply(choices.chance(oneIn: 2)) {
                let page = address()
                target = AddressRange(start: page, end: page + format.pageSize)
            } else {
                target = range()
            }
            return kind == .age ? .age(target) : .dirty(target)
        case .clearSoftDirty: return .clearSoftDirty(pageOrRange())
        case .move:
            let source = range()
            let destination = address()
            var size = min(source.size, format.top - destination)
            // A long move to a destination off the source's alignment splits its leaves to PTEs:
            // two PMD spans of it are plenty.
            let pmdSpan = format.geometry(.pmd).entrySize
            if size > 2 * pmdSpan, (destination &- source.start) % size != 0 { size = 2 * pmdSpan }
            return fitted(.move(AddressRange(start: source.start, end: source.start + size), to: destination), into: context)
        case .reclaim: return .reclaim(range())
        }
    }

    /// The operations that change VMAs, drawn only in cases with VMAs.
    static let vmaOperationWeights: [(weight: UInt64, value: OperationKind)] = [(5, .mmap), (4, .munmap), (10, .mprotect), (6, .madvise)]

    /// An mmap, boundary-biased: adjacent to the last VMA, one page past it, starting or ending
    /// inside a mapped unit (so that a THP or a contiguous block is split by the VMA boundary), or
    /// anywhere in the window; sized one page, a block, a PMD span, a PMD span and a page, or at random.
    func mmap(_ context: inout Context, _ choices: inout ChoiceSequence) -> Operation {
        let arena = context.arena, page = format.pageSize
        let last = context.space.vmas?.vmas.last?.range
        var start: UInt64
        switch choices.draw(below: 5) {
        case 0 where last != nil: start = last!.end
        case 1 where last != nil: start = last!.end + page
        case 2: start = context.operationAddress(&choices)
        case 3: start = arena.range.start + Format.alignDown(choices.draw(below: arena.range.size), format.geometry(.pmd).entrySize)
        default: start = arena.range.start + choices.draw(below: format.pages(in: arena.range.size)) * page
        }
        start = min(max(start, arena.range.start), arena.range.end - page)
        let pmdPages = format.pages(at: .pmd)
        let blockPages = UInt64(max(1, format.geometry(.pte).contiguousEntries))
        var pages = choices.pick([1, 2, blockPages, pmdPages, pmdPages + 1, 2 * pmdPages, 1 + choices.draw(below: format.pages(in: arena.range.size))])
        // The first VMA mostly holds the whole window, so that the case maps as freely as
        // one without VMAs, and later VMA operations cut it.
        if last == nil, !choices.chance(oneIn: 4) {
            start = arena.range.start
            pages = format.pages(in: arena.range.size)
        }
        pages = max(1, min(pages, format.pages(in: arena.range.end - start)))
        var flags = VMAFlags.bits(of: context.swarm.pick(Protection.allCases, Swarm.Switch.protection, &choices))
        if choices.chance(oneIn: 6) { flags.insert(.shared) }
        switch choices.draw(below: 8) {
        case 0: flags.insert(.pfnmap)
        case 1: flags.insert(.mixedmap)
        default: if context.swarm.mode(.pfnmapVMAs) == .always { flags.insert(.pfnmap) }
        }
        if format.supportsUffdWP, choices.chance(oneIn: 6) { flags.insert(.uffdWP) }
        if choices.chance(oneIn: 6) { flags.insert(.hugepage) }
        var spec = VMASpec(flags: flags)
        // A hugetlb VMA one time in five (always when the swarm says so): one to four huge pages
        // of a size the format has, at a huge page boundary, often right after the last VMA (hugetlb
        // next to a THP region), never pfnmap or mixedmap.
        let shapes = format.hugetlbShapes.filter { $0.size <= arena.range.size / 2 }
        if !shapes.isEmpty, context.swarm.mode(.hugetlbVMAs).apply(choices.chance(oneIn: 5)) {
            let shape = choices.pick(shapes)
            let aligned = Format.alignDown(start + shape.size - 1, shape.size)
            let count = 1 + choices.draw(below: 4)
            let end = min(aligned + count * shape.size, Format.alignDown(arena.range.end, shape.size))
            if aligned < end {
                spec.flags.subtract(VMAFlags.special)
                spec.hugetlbShift = shape.shift
                return .mmap(fittedToHugePages(AddressRange(start: aligned, end: end), in: context), spec)
            }
        }
        if choices.chance(oneIn: 4) {
            // A file, at the offset that makes neighbouring mappings of it mergeable, or elsewhere.
            spec.file = Int(1 + choices.draw(below: 2))
            spec.pageOffset = choices.chance(oneIn: 2) ? format.pages(in: start) : choices.draw(below: 64)
        }
        return .mmap(fittedToHugePages(AddressRange(start: start, end: start + pages * page), in: context), spec)
    }

    /// `range` with each end that falls strictly inside a hugetlb VMA moved out to that VMA's huge
    /// page boundary, so that the VMA operation splits it where Linux can (`hugetlb_vm_op_split()`).
    func fittedToHugePages(_ range: AddressRange, in context: Context) -> AddressRange {
        guard let vmas = context.space.vmas else { return range }
        var fitted = range
        if let shape = vmas.vma(containing: range.start)?.hugetlb { fitted.start = Format.alignDown(range.start, shape.size) }
        if range.end < format.top, let shape = vmas.vma(containing: range.end)?.hugetlb {
            fitted.end = Format.alignDown(range.end + shape.size - 1, shape.size)
        }
        return fitted
    }

    /// `operation`, a map or a move, moved and cut to land inside one VMA of a case with VMAs: the
    /// VMA holding its address, else the next one, else the last (an mmap when there is none).
    func fitted(_ operation: Operation, into context: Context) -> Operation {
        guard context.hasVMAs, let vmas = context.space.vmas else { return operation }
        func target(_ address: UInt64) -> (address: UInt64, vma: VMA)? {
            if let vma = vmas.vma(containing: address) { return (address, vma) }
            let index = vmas.firstIndex(endingAfter: address)
            guard let vma = index < vmas.vmas.count ? vmas.vmas[index] : vmas.vmas.last else { return nil }
            return (vma.range.start, vma)
        }
        switch operation {
        case .map(let address, var source, let writable, let mapShape):
            guard let (start, vma) = target(address) else {
                return .mmap(AddressRange(start: address, end: address + format.pageSize), VMASpec(flags: [.read, .write]))
            }
            if let shape = vma.hugetlb {
                // A hugetlb fault maps one whole huge page: a new folio of its size, in its shape.
                let order = shape.shift - format.pageShift
                let kind: FolioKind = if case .folio(.file, _, _, _) = source { .file } else { .anonymous }
                return .map(address: Format.alignDown(start, shape.size), source: .folio(kind: kind, order: order, firstPage: 0,
                            pageCount: UInt64(1) << UInt64(order)), writable: writable, shape: MapShape(leafLevel: shape.level, contiguous: shape.contiguous))
            }
            let fits = format.pages(in: vma.range.end - start)
            switch source {
            case .folio(let kind, let order, let first, let count): source = .folio(kind: kind, order: order, firstPage: first, pageCount: min(count, fits))
            case .zeroPage(let count): source = .zeroPage(pageCount: min(count, fits))
            case .special(let count): source = .special(pageCount: min(count, fits))
            case .existingFolio(let id, let first, let count): source = .existingFolio(id, firstPage: first, pageCount: min(count, fits))
            }
            return .map(address: start, source: source, writable: writable, shape: mapShape)
        case .move(let range, let destination):
            guard let (start, vma) = target(destination) else { return .unmap(range) }
            let size = min(range.size, vma.range.end - start)
            return .move(AddressRange(start: range.start, end: range.start + size), to: start)
        default:
            return operation
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

    func map(_ context: inout Context, _ choices: inout ChoiceSequence) -> Operation {
        let arena = context.arena, swarm = context.swarm
        let arenaPages = format.pages(in: arena.range.size)
        let source = choices.weighted(swarm.allowed([(5, 0), (2, 1), (1, 2), (1, 3), (1, 4)], Swarm.Switch.source))
        let interesting = interestingOrders.enumerated().map { (weight: $0.element.weight, value: (index: $0.offset, order: $0.element.value)) }
        let orders = swarm.allowed(interesting.filter { UInt64(1) << UInt64($0.value.order) <= arenaPages }) { .order(min($0.index, Swarm.orderSwitches - 1)) }
        var order = source <= 1 || source == 4 ? choices.weighted(orders).order : 0
        // In a window big enough for the largest leaf, a third of the folios are that big.
        if source <= 1 || source == 4, choices.chance(oneIn: 3), let largest = orders.last?.value.order, largest > order { order = largest }
        let folioPages: UInt64 = 1 << UInt64(order)
        var first: UInt64 = 0
        var count = folioPages
        if source <= 1 || source == 4, folioPages > 1, swarm.mode(.partialFolios).apply(choices.chance(oneIn: 4)) {
            first = choices.draw(below: folioPages)
            count = 1 + choices.draw(below: folioPages - first)
        } else if source >= 2 {
            count = choices.chance(oneIn: 4) ? min(arenaPages, format.pages(at: .pmd)) : 1 + choices.draw(below: 16)
        }
        let writable = swarm.mode(.writable).apply(choices.usually(oneIn: 4))
        // Drawn on every format (and ignored where unsupported), so a case keeps its shape on tiny.
        // The level whose leaves the folio fills weighs most (a PUD-sized folio mapped by a PUD leaf).
        let levels = Array(format.leafLevels.reversed())
        let filled = min(Swarm.leafLevelSwitches - 1, levels.lastIndex { format.pages(at: $0) <= max(folioPages, count) } ?? 0)
        let leafLevel = choices.weighted(swarm.allowed((0..<Swarm.leafLevelSwitches).map { (weight: $0 == filled ? 3 : 1, value: $0) },
                                                       Swarm.Switch.leafLevel))
        let contiguous = swarm.mode(.contiguous).apply(choices.usually(oneIn: 4))
        let hugepd = swarm.mode(.hugepd).apply(choices.usually(oneIn: 3))
        let shape = MapShape(leafLevel: levels[min(Int(leafLevel), levels.count - 1)],
                             contiguous: format.hasContiguousEntries && contiguous, hugepd: format.hasHugepd && hugepd)
        // Zero-page and special maps are aligned to their largest power of two, so that a PMD span
        // of them can be the huge zero page or a vmf_insert_pfn_pmd() leaf.
        let alignment = (source >= 2 ? UInt64(1) << UInt64(63 - count.leadingZeroBitCount) : folioPages) * format.pageSize
        var address = arena.range.start + choices.draw(below: arena.range.size / alignment) * alignment + first * format.pageSize
        if choices.chance(oneIn: 6) { address = arena.address(&choices) }
        // Next to an earlier mapping, as adjacent mmaps are: folios allocated one after another then
        // have consecutive frames across their boundary (a walk then meets the second in the middle
        // of a chain of frames).
        let adjacent = swarm.mode(.adjacentMaps).apply(choices.chance(oneIn: 4))
        if let last = context.lastMap, adjacent, last.end < arena.range.end { address = last.end }
        address = min(address, arena.range.end - format.pageSize)
        count = max(1, min(count, format.pages(in: arena.range.end - address)))
        // A run longer than two PMD spans that would be mapped by base pages (no leaf level above
        // the PTE, or an address off the frames' alignment) is mapped in part: two PMD spans'
        // worth of base pages is plenty, and a PUD-sized folio as PTEs would be 262,144 of them,
        // walked at every step.
        let pmdPages = format.pages(at: .pmd)
        let basePagesOnly = !shape.hugepd && shape.leafLevel == .pte
        if count > 2 * pmdPages, basePagesOnly || (format.pages(in: address) &- first) % pmdPages != 0 { count = 2 * pmdPages }
        let mapSource: MapSource
        switch source {
        case 0: mapSource = .folio(kind: .anonymous, order: order, firstPage: first, pageCount: count)
        case 1: mapSource = .folio(kind: .file, order: order, firstPage: first, pageCount: count)
        case 2: mapSource = .zeroPage(pageCount: count)
        case 3: mapSource = .special(pageCount: count)
        default:
            // Pages of a folio an earlier map allocated, mapped again elsewhere (a page-cache folio
            // mapped twice): its number is guessed from the earlier maps (a wrong guess maps nothing).
            let folios = UInt64(max(1, context.maps))
            mapSource = .existingFolio(FolioID(rawValue: 1 + Int(choices.draw(below: folios))), firstPage: first, pageCount: count)
        }
        return .map(address: address, source: mapSource, writable: writable, shape: shape)
    }

    func query(_ context: inout Context, _ choices: inout ChoiceSequence) -> WalkQuery {
        let swarm = context.swarm
        let kind = choices.weighted(swarm.allowed([(2, 0), (2, 1), (1, 2)], Swarm.Switch.queryKind))
        if swarm.mode(.refusedQueries).apply(choices.chance(oneIn: 16)) { return refusedQuery(kind: kind, context.address(&choices), &choices) }
        switch kind {
        case 0:
            return .entries(context.walkRange(&choices), swarm.apply(EntryWalkFlags(rawValue: UInt8(choices.draw(below: 8))), Swarm.Switch.entryFlag))
        case 1:
            var flags = FolioWalkFlags.batchDefault
            switch choices.weighted([(2, 0), (1, 1), (2, 2)]) {
            case 1: flags = []
            case 2: flags = FolioWalkFlags(rawValue: UInt8(choices.draw(below: 128)))
            default: break
            }
            return .folios(context.walkRange(&choices), swarm.apply(flags, Swarm.Switch.folioFlag))
        default:
            var address = context.address(&choices)
            // A lookup address need not be page-aligned (follow_page_mask() takes any address).
            if swarm.mode(.unalignedLookups).apply(choices.chance(oneIn: 5)) { address += choices.pick([1, 8, 0x80, format.pageSize - 8]) }
            return .lookup(address, swarm.apply(LookupFlags(rawValue: UInt8(choices.draw(below: 4))), Swarm.Switch.lookupFlag))
        }
    }

    /// A query every design must refuse with the oracle's error: an empty, reversed, unaligned or
    /// past-the-top walk range, or a lookup past the top.
    func refusedQuery(kind: Int, _ address: UInt64, _ choices: inout ChoiceSequence) -> WalkQuery {
        let page = format.pageSize
        let range: AddressRange
        switch choices.draw(below: 5) {
        case 0: range = AddressRange(start: address, end: address)
        case 1: range = AddressRange(start: address, end: address - min(address, page))
        case 2: range = AddressRange(start: address + choices.pick([1, 8, page / 2]), end: address + 2 * page)
        case 3: range = AddressRange(start: address, end: address + page + choices.pick([1, 8, page / 2]))
        default: range = AddressRange(start: address, end: format.top + page)
        }
        switch kind {
        case 0: return .entries(range, [])
        case 1: return .folios(range, .batchDefault)
        default: return .lookup(format.top + choices.pick([0, 1, page]), [])
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
    /// ``Operation/mmap(_:_:)``.
    case mmap
    /// ``Operation/munmap(_:)``.
    case munmap
    /// ``Operation/mprotect(_:_:)``.
    case mprotect
    /// ``Operation/madvise(_:_:)``.
    case madvise
}
