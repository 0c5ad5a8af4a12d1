// swift-tools-version: 6.2
import PackageDescription

/// The model, oracle, designs and engine are compiled optimised in every configuration: `swift test`
/// is a property-based campaign whose budget is measured in cases, and a debug build runs them
/// about 18 times slower (a 10-case riscv-sv39 campaign: 32 s debug, 1.8 s release). SwiftPM
/// refuses unsafe flags in a package used as a versioned dependency, so a checkout at a release
/// tag builds without them (as swift-testing does); path and branch dependencies keep them.
let optimised: [SwiftSetting] = Context.gitInformation?.currentTag == nil ? [.unsafeFlags(["-O"])] : []

let package = Package(
    name: "WalkCheck",
    products: [
        .library(name: "PageTable", targets: ["PageTable"]),
        .library(name: "Oracle", targets: ["Oracle"]),
        .library(name: "Implementations", targets: ["Implementations"]),
        .library(name: "Generators", targets: ["Generators"]),
        .library(name: "Mutants", targets: ["Mutants"]),
        .library(name: "WalkCheckCLI", targets: ["WalkCheckCLI"]),
        .library(name: "WalkCheckC", targets: ["WalkCheckC", "CDesigns"]),
        .executable(name: "walkcheck", targets: ["walkcheck"]),
        .executable(name: "walkcheck-fuzz", targets: ["walkcheck-fuzz"]),
    ],
    targets: [
        .target(name: "PageTable", dependencies: ["WordScan"], swiftSettings: optimised),
        .target(name: "WordScan"),
        .target(name: "Oracle", dependencies: ["PageTable"], swiftSettings: optimised),
        .target(name: "Implementations", dependencies: ["PageTable"], swiftSettings: optimised),
        .target(name: "Generators", dependencies: ["PageTable", "Oracle", "Implementations"], swiftSettings: optimised),
        .target(name: "Mutants", dependencies: ["PageTable", "Oracle", "Implementations", "Generators"], swiftSettings: optimised),
        .target(name: "MallocCounter"),
        .target(name: "FloorLoop"),
        .target(name: "KernelShim"),
        .target(name: "ChildShim"),
        .executableTarget(name: "walkcheck-fuzz", dependencies: ["Generators"]),
        .target(name: "KernelTruth", dependencies: ["PageTable", "Oracle", "Generators", "KernelShim"]),
        .target(name: "WalkCheckC"),
        .target(name: "CDesigns", dependencies: ["PageTable", "WalkCheckC"], swiftSettings: optimised),
        // The example C design, built here from the outside example package's sources (Examples/my-walkers),
        // under another module name: a package depending on this one declares its own CWalker.
        .target(name: "ExampleCWalker", dependencies: ["WalkCheckC"], path: "Examples/my-walkers/Sources/CWalker"),
        .target(name: "WalkCheckCLI", dependencies: ["PageTable", "Oracle", "Implementations", "Generators", "Mutants",
                                                     "MallocCounter", "FloorLoop", "KernelTruth", "ChildShim"]),
        .executableTarget(name: "walkcheck", dependencies: ["WalkCheckCLI", "Oracle", "CDesigns", "ExampleCWalker"]),
        .target(name: "CWalkerMutants", dependencies: ["WalkCheckC", "ExampleCWalker"], path: "Tests/CWalkerMutants"),
        .testTarget(
            name: "Conformance",
            dependencies: ["PageTable", "Oracle", "Implementations", "Generators", "Mutants", "KernelTruth", "CDesigns", "ExampleCWalker",
                           "CWalkerMutants", "WalkCheckCLI"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
