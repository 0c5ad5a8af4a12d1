// swift-tools-version: 6.2
import PackageDescription

// A package of one's own walker designs, checked by WalkCheck: a Swift lookup, a C entry walker,
// the full command line for both (my-walkcheck), and tests. WalkCheck is a path dependency here
// (a checkout beside this package); its package identity — the `package:` of each product — is
// the last component of its path or URL: "walkcheck" for ../walkcheck or .../walkcheck.git.
let package = Package(
    name: "my-walkers",
    dependencies: [.package(path: "../walkcheck")],   // or .package(url: "https://…/walkcheck.git", branch: "main")
    targets: [
        .target(name: "MyWalker", dependencies: [.product(name: "PageTable", package: "walkcheck")]),
        .target(name: "CWalker", dependencies: [.product(name: "WalkCheckC", package: "walkcheck")]),
        .executableTarget(name: "my-walkcheck", dependencies: [
            "MyWalker", "CWalker",
            .product(name: "WalkCheckCLI", package: "walkcheck"),
            .product(name: "WalkCheckC", package: "walkcheck"),
            .product(name: "Oracle", package: "walkcheck"),
        ]),
        .testTarget(name: "MyWalkerTests", dependencies: [
            "MyWalker", "CWalker",
            .product(name: "PageTable", package: "walkcheck"),
            .product(name: "Oracle", package: "walkcheck"),
            .product(name: "Generators", package: "walkcheck"),
            .product(name: "WalkCheckC", package: "walkcheck"),
            .product(name: "WalkCheckCLI", package: "walkcheck"),
        ]),
    ]
)
