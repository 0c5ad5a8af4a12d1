import PageTable
import Oracle

/// The deliberately broken designs: what the suite must catch.
public enum MutantCatalog {
    /// Every mutant, as a design set.
    public static let designs = DesignSet(entryWalkers: [UnclippedLeafWalker(), LoopingWalker()], folioWalkers: [TrappingWalker()])
}
