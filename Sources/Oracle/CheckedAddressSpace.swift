import PageTable

/// An address space paired with its abstract model: every operation is applied to both, then the
/// tree is checked against the model page by page and against its structural invariants.
public struct CheckedAddressSpace: Sendable {
    /// The tree.
    public private(set) var space: AddressSpace
    /// The abstract model.
    public private(set) var model: AbstractModel

    /// Creates an empty pair for `format`.
    public init(format: Format) {
        space = AddressSpace(format: format)
        model = AbstractModel(format: format)
    }

    /// Applies `operation` to both and returns what is wrong afterwards (empty when all is well).
    ///
    /// Bad arguments throw from both sides alike, leaving both unchanged; a disagreement about
    /// that is itself reported as a problem.
    public mutating func apply(_ operation: Operation) throws(PageTableError) -> [String] {
        let before = space
        do {
            try space.apply(operation)
        } catch {
            var problems: [String] = []
            if space != before { problems.append("the tree changed although \(operation) threw \(error)") }
            do { try model.apply(operation); problems.append("the model accepted what the tree refused: \(error)") } catch {}
            if problems.isEmpty { throw error }
            return problems
        }
        do { try model.apply(operation) } catch { return ["the model refused what the tree accepted: \(error)"] }
        return check()
    }

    /// The problems in the current state: invariant violations and the first model disagreement.
    public func check() -> [String] {
        var problems = TreeInvariants.violations(in: space)
        if let disagreement = ModelComparison.firstDisagreement(space, model) { problems.append("model: " + disagreement) }
        if space.memory != model.memory { problems.append("tree and model allocated different frames") }
        if space.vmas != model.vmas { problems.append("tree and model have different VMAs") }
        if space.nextSwapSlot != model.nextSwapSlot { problems.append("tree and model used different swap slots") }
        return problems
    }
}
