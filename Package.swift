// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "WalkCheck",
    products: [
        .library(name: "PageTable", targets: ["PageTable"]),
        .library(name: "Oracle", targets: ["Oracle"]),
        .library(name: "Implementations", targets: ["Implementations"]),
        .library(name: "Generators", targets: ["Generators"]),
        .library(name: "Mutants", targets: ["Mutants"]),
        .executable(name: "walkcheck", targets: ["walkcheck"]),
    ],
    targets: [
        .target(name: "PageTable", dependencies: ["WordScan"]),
        .target(name: "WordScan"),
        .target(name: "Oracle", dependencies: ["PageTable"]),
        .target(name: "Implementations", dependencies: ["PageTable"]),
        .target(name: "Generators", dependencies: ["PageTable", "Oracle", "Implementations"]),
        .target(name: "Mutants", dependencies: ["PageTable", "Oracle", "Implementations", "Generators"]),
        .target(name: "MallocCounter"),
        .target(name: "FloorLoop"),
        .target(name: "KernelShim"),
        .target(name: "KernelTruth", dependencies: ["PageTable", "Oracle", "Generators", "KernelShim"]),
        .executableTarget(name: "walkcheck", dependencies: ["PageTable", "Oracle", "Implementations", "Generators", "Mutants",
                                                           "MallocCounter", "FloorLoop", "KernelTruth"]),
        .testTarget(
            name: "Conformance",
            dependencies: ["PageTable", "Oracle", "Implementations", "Generators", "Mutants", "KernelTruth"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
