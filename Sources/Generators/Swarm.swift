import PageTable

/// The features one case may use: swarm testing (Groce et al., "Swarm Testing", ISSTA 2012).
///
/// Half the cases draw a random subset of operation kinds, map sources, leaf levels, conversion,
/// protection and marker kinds and query kinds, and force some shapes, flags and habits on or off
/// (every operation on one unit, base pages only, read-only maps), so that a rare conjunction (a
/// read-only anonymous PMD leaf converted to device-private memory, a contiguous block one of whose
/// pages is then dirtied and walked from its middle) is common in some cases instead of diluted in
/// all. A campaign also sets a swarm on purpose, to aim a case at a cell its census has not reached
/// (``Swarm/aiming(at:on:)``).
///
/// A swarm is its switches, each one choice drawn first in every case, the same number on every
/// format, and a zero choice always means "enabled" or "free": shrinking a swarm toward zeros
/// enables everything, so a shrunk case depends on a restriction only when the bug needs it.
public struct Swarm: Hashable, Sendable {
    /// How a switch of the swarm is set: left to the generator, or forced.
    public enum Mode: Hashable, Sendable {
        /// Drawn case by case as without swarm.
        case free
        /// Always off.
        case never
        /// Always on.
        case always

        /// `value` with the mode applied.
        func apply(_ value: Bool) -> Bool {
            switch self {
            case .free: value
            case .never: false
            case .always: true
            }
        }

        /// The switch value that means this mode.
        var value: UInt64 {
            switch self {
            case .free: 0
            case .never: 2
            case .always: 3
            }
        }
    }

    /// One switch: a subset member (2 values: 0 enabled, 1 disabled) or a mode (4 values: 0 and 1
    /// free, 2 never, 3 always).
    enum Switch: Hashable {
        case active
        case operation(OperationKind)
        case source(Int)
        case leafLevel(Int)
        case order(Int)
        case conversion(ConversionKind)
        case protection(Protection)
        case marker(MarkerKind)
        case queryKind(Int)
        case entryFlag(Int), folioFlag(Int), lookupFlag(Int)
        case contiguous, hugepd, writable, partialFolios, largeWindow, uffdProtect, singlePage
        case landmarks, focus, refusedQueries, unalignedLookups, rangesToTop, longCase, endsInside, vmas, pfnmapVMAs, hugetlbVMAs, adjacentMaps

        var bound: UInt64 {
            switch self {
            case .active, .operation, .source, .leafLevel, .order, .conversion, .protection, .marker, .queryKind: 2
            default: 4
            }
        }
    }

    /// Every switch, in the order their choices are drawn.
    static let switches: [Switch] = {
        var all: [Switch] = [.active]
        all += OperationKind.allCases.filter { $0 != .map }.map(Switch.operation)
        all += (0..<5).map(Switch.source) + (0..<Self.leafLevelSwitches).map(Switch.leafLevel) + (0..<Self.orderSwitches).map(Switch.order)
        all += ConversionKind.allCases.map(Switch.conversion) + Protection.allCases.map(Switch.protection)
        all += MarkerKind.allCases.map(Switch.marker) + (0..<3).map(Switch.queryKind)
        all += EntryWalkFlags.named.indices.map(Switch.entryFlag) + FolioWalkFlags.named.indices.map(Switch.folioFlag)
        all += LookupFlags.named.indices.map(Switch.lookupFlag)
        all += [.contiguous, .hugepd, .writable, .partialFolios, .largeWindow, .uffdProtect, .singlePage,
                .landmarks, .focus, .refusedQueries, .unalignedLookups, .rangesToTop, .longCase, .endsInside, .vmas, .pfnmapVMAs, .hugetlbVMAs, .adjacentMaps]
        return all
    }()

    /// How many leaf levels have a switch: base pages and up to three directory levels above.
    static let leafLevelSwitches = 4

    /// How many folio orders have a switch (``CaseGenerator/interestingOrders``, smallest first).
    static let orderSwitches = 8

    private static let position: [Switch: Int] = Dictionary(uniqueKeysWithValues: switches.enumerated().map { ($1, $0) })

    /// The switch values, one per ``switches`` entry: the choices the swarm is drawn from.
    public private(set) var values: [UInt64]

    /// Every feature enabled and every switch free: what a case without swarm uses.
    public init() { values = Array(repeating: 0, count: Self.switches.count) }

    /// Draws a swarm, one choice per switch whether or not the case uses swarm, so that the choices
    /// after it line up for every case.
    public init(_ choices: inout ChoiceSequence) {
        values = Self.switches.map { choices.draw(below: $0.bound) }
    }

    private var active: Bool { values[0] == 1 }

    private func value(_ which: Switch) -> UInt64 { active ? values[Self.position[which]!] : 0 }

    mutating func set(_ which: Switch, _ value: UInt64) {
        values[0] = 1
        values[Self.position[which]!] = value
    }

    /// Whether the subset switch `which` is enabled.
    func enabled(_ which: Switch) -> Bool { value(which) == 0 }

    /// The mode of the mode switch `which`.
    func mode(_ which: Switch) -> Mode {
        switch value(which) {
        case 2: .never
        case 3: .always
        default: .free
        }
    }

    /// Forces the mode switch `which`.
    mutating func force(_ which: Switch, _ mode: Mode) { set(which, mode.value) }

    /// Enables exactly `members` of the subset switches that `family` picks out.
    mutating func only(_ members: [Switch], of family: (Switch) -> Bool) {
        for which in Self.switches where family(which) { set(which, members.contains(which) ? 0 : 1) }
    }

    /// Whether operations of `kind` may be drawn (map always may: without it nothing else acts;
    /// nor mmap, in a case with VMAs).
    func allows(_ kind: OperationKind) -> Bool { kind == .map || kind == .mmap || enabled(.operation(kind)) }

    /// `flags` with the forced flags of `switch` applied, member by member.
    func apply<Flags: NamedOptions>(_ flags: Flags, _ which: (Int) -> Switch) -> Flags {
        var result = flags
        for (index, (flag, _)) in Flags.named.enumerated() {
            if mode(which(index)).apply(flags.contains(flag)) { result.insert(flag) } else { result.remove(flag) }
        }
        return result
    }

    /// The options of `all` whose switch is enabled, or `all` if none is.
    func allowed<T>(_ all: [(weight: UInt64, value: T)], _ which: (T) -> Switch) -> [(weight: UInt64, value: T)] {
        let kept = all.filter { enabled(which($0.value)) }
        return kept.isEmpty ? all : kept
    }

    /// One of `options` whose switch is enabled (all, if none is), drawn uniformly.
    func pick<T>(_ options: [T], _ which: (T) -> Switch, _ choices: inout ChoiceSequence) -> T {
        choices.weighted(allowed(options.map { (weight: 1, value: $0) }, which))
    }
}
