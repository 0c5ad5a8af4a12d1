import PageTable

/// A generated or saved case: a format, the operations that build the tree, and the walks to check.
public struct TestCase: Hashable, Sendable {
    /// The format of the address space.
    public var format: Format
    /// The operations, applied in order to an empty address space.
    public var operations: [Operation]
    /// The walks every design is checked on after the operations (and, in campaigns, after each one).
    public var queries: [WalkQuery]
    /// The racers that race each walk after the last operation (SEMANTICS.md, "Racing walks"):
    /// each walk is checked once more, on that tree, with the racers run at their points.
    public var races: [RaceStep]
    /// The writer operations checked after the walks (SEMANTICS.md, "Writers"), in order, each on
    /// the reference's result of the ones before; none run in a space with VMAs.
    public var writes: [WriteStep]

    /// Creates a case.
    public init(format: Format, operations: [Operation], queries: [WalkQuery], races: [RaceStep] = [], writes: [WriteStep] = []) {
        self.format = format
        self.operations = operations
        self.queries = queries
        self.races = races
        self.writes = writes
    }
}
