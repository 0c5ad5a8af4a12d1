import PageTable
import Oracle
import Implementations
import Generators
#if canImport(Glibc)
import Glibc
#endif

/// Where the package's files are, from this file's path.
enum PackagePaths {
    /// The package root.
    static let root: String = {
        var path = #filePath
        for _ in 0..<4 { path = String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)]) }
        return path
    }()

    /// The committed corpus.
    static let corpus = root + "/corpus"

    /// A fresh scratch directory for one test.
    static func scratch(_ name: String) -> String {
        let path = "/tmp/walkcheck-tests-\(getpid())-\(name)"
        _ = try? FileSystem.makeDirectory(path)
        return path
    }
}

/// The designs this package ships.
let shippedDesigns = DesignSet(entryWalkers: Designs.entryWalkers, folioWalkers: Designs.folioWalkers, lookups: Designs.lookups,
                               writers: Designs.writers)
