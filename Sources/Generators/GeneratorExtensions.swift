import PageTable

/// What a package adds to case generation for its own format or design: operation weights and
/// queries of its own. The generator draws them from the case's choices like its own, so cases
/// stay deterministic by seed, shrink, and save as ordinary corpus lines.
public struct GeneratorExtensions: Sendable {
    /// The most weight one operation kind may have (the default weights are 2 to 24).
    public static let maxWeight: UInt64 = 1000

    /// Weights replacing the defaults (`map` 24, `unmap` 6, `split` 4, …) for the kinds named;
    /// 0 turns a kind off. The first operation of a case stays a map unless `map` is off.
    public let operationWeights: [OperationKind: UInt64]
    /// A query of the package's own, drawn from the case's choices on the case's format: after the
    /// generated queries, each case gets up to two of these, each behind its own flag (so that the
    /// shrinker can delete it). Nil for none.
    public let query: (@Sendable (Format, inout ChoiceSequence) -> WalkQuery)?

    /// No extensions: the generator as shipped.
    public init() {
        operationWeights = [:]
        query = nil
    }

    /// Extensions with `operationWeights` and `query`; refuses a weight above ``maxWeight`` and
    /// weights that turn every operation kind off.
    public init(operationWeights: [OperationKind: UInt64] = [:],
                query: (@Sendable (Format, inout ChoiceSequence) -> WalkQuery)? = nil) throws(GeneratorExtensionError) {
        if let (kind, weight) = operationWeights.first(where: { $0.value > Self.maxWeight }) {
            throw .weightTooLarge(kind, weight)
        }
        if OperationKind.allCases.allSatisfy({ (operationWeights[$0] ?? 1) == 0 }) { throw .everyKindOff }
        self.operationWeights = operationWeights
        self.query = query
    }

    /// `defaults` with this package's weights applied and the kinds turned off left out.
    func weighted(_ defaults: [(weight: UInt64, value: OperationKind)]) -> [(weight: UInt64, value: OperationKind)] {
        guard !operationWeights.isEmpty else { return defaults }
        return defaults.map { (weight: operationWeights[$0.value] ?? $0.weight, value: $0.value) }.filter { $0.weight > 0 }
    }

    /// Whether the package turned `kind` off.
    func isOff(_ kind: OperationKind) -> Bool { operationWeights[kind] == 0 }
}

/// Why generator extensions were refused.
public enum GeneratorExtensionError: Error, Equatable, CustomStringConvertible {
    /// A weight above ``GeneratorExtensions/maxWeight``.
    case weightTooLarge(OperationKind, UInt64)
    /// Every operation kind has weight 0: no case could be generated.
    case everyKindOff

    /// What was refused and why.
    public var description: String {
        switch self {
        case .weightTooLarge(let kind, let weight):
            "the weight of \(kind.rawValue) is \(weight); weights are 0 to \(GeneratorExtensions.maxWeight)"
        case .everyKindOff: "every operation kind has weight 0: no case could be generated"
        }
    }
}
