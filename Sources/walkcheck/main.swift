import Oracle
import CDesigns
import ExampleCWalker
import WalkCheckCLI

// The shipped command line: every shipped design and mutant, and the example C design registered
// as any package registers its own (README, "Your own designs on the command line").
WalkCheckTool.main(designs: DesignSet(entryWalkers: [CEntryWalker(name: "c-walker", walk: cwalker_walk)]),
                   command: "swift run -c release walkcheck")
