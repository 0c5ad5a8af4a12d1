import CWalker
import MyWalker
import Oracle
import CDesigns
import WalkCheckCLI

// The full walkcheck command line, with this package's designs (and a mutant) by name.
WalkCheckTool.main(designs: DesignSet(entryWalkers: [CEntryWalker(name: "my-c-walker", walk: cwalker_walk)], lookups: [MyLookup()]),
                   mutants: DesignSet(lookups: [MyLookup.mutant]))
