import PageTable

/// The walker designs this package ships, for campaigns and benchmarks to iterate over.
public enum Designs {
    /// Every design that performs the entry walk.
    public static let entryWalkers: [any EntryWalkDesign] = [RecursiveWalker(), FlatIteratorWalker(), LookupWalker()]
    /// Every design that performs the folio walk.
    public static let folioWalkers: [any FolioWalkDesign] = [RecursiveWalker(), FlatIteratorWalker(), BatchedFolioWalker(), LookupWalker()]
    /// Every design that performs the lookup.
    public static let lookups: [any LookupDesign] = [LookupWalker()]
    /// Every writer design (SEMANTICS.md, "Writers").
    public static let writers: [any WriterDesign] = [EntryWriter(), BatchedWriter(), PairIterator()]
}
