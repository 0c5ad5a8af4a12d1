import PageTable

/// One writer operation of a case (SEMANTICS.md, "Writers"), and the space it writes: the parent
/// (the space the case's operations built, as earlier writes left it) or the child of the last
/// copy before it.
public struct WriteStep: Hashable, Sendable, CustomStringConvertible {
    /// The operation.
    public var operation: WriterOperation
    /// Whether it writes the child of the last copy before it instead of the parent.
    public var inChild: Bool

    /// Creates a step.
    public init(_ operation: WriterOperation, inChild: Bool = false) {
        self.operation = operation
        self.inChild = inChild
    }

    /// `write [child] OPERATION`, the corpus line.
    public var description: String { "write " + (inChild ? "child " : "") + operation.description }
}

extension [WriteStep] {
    /// Whether every step that writes a child has a copy before it.
    public var childrenExist: Bool {
        var copied = false
        for step in self {
            if step.inChild, !copied { return false }
            if step.operation.isCopy { copied = true }
        }
        return true
    }
}
