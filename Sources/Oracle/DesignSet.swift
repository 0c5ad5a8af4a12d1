import PageTable

/// The designs a conformance check runs, by the walk views they serve.
public struct DesignSet: Sendable {
    /// Designs checked on entry-walk queries.
    public var entryWalkers: [any EntryWalkDesign]
    /// Designs checked on folio-walk queries.
    public var folioWalkers: [any FolioWalkDesign]
    /// Designs checked on lookup queries.
    public var lookups: [any LookupDesign]
    /// Designs checked on writer operations.
    public var writers: [any WriterDesign]

    /// Creates a set of designs.
    public init(entryWalkers: [any EntryWalkDesign] = [], folioWalkers: [any FolioWalkDesign] = [],
                lookups: [any LookupDesign] = [], writers: [any WriterDesign] = []) {
        self.entryWalkers = entryWalkers
        self.folioWalkers = folioWalkers
        self.lookups = lookups
        self.writers = writers
    }

    /// The names of the designs in the set that serve `query`, in order.
    public func names(serving query: WalkQuery) -> [String] {
        switch query {
        case .entries: entryWalkers.map(\.name)
        case .folios: folioWalkers.map(\.name)
        case .lookup: lookups.map(\.name)
        }
    }

    /// The names of the designs in the set, each once, in order.
    public var names: [String] {
        var seen: [String] = []
        for name in entryWalkers.map(\.name) + folioWalkers.map(\.name) + lookups.map(\.name) + writers.map(\.name) where !seen.contains(name) {
            seen.append(name)
        }
        return seen
    }
}
