import PageTable

/// A generated or saved case: a format, the operations that build the tree, and the walks to check.
public struct TestCase: Hashable, Sendable {
    /// The format of the address space.
    public var format: Format
    /// The operations, applied in order to an empty address space.
    public var operations: [Operation]
    /// The walks every design is checked on after the operations (and, in campaigns, after each one).
    public var queries: [WalkQuery]

    /// Creates a case.
    public init(format: Format, operations: [Operation], queries: [WalkQuery]) {
        self.format = format
        self.operations = operations
        self.queries = queries
    }
}
