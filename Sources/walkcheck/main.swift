import WalkCheckCLI

// The shipped command line: every shipped design and mutant (see WalkCheckTool for a package's own).
WalkCheckTool.main(command: "swift run -c release walkcheck")
