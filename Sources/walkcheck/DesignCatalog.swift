import PageTable
import Oracle
import Implementations
import Mutants

/// The designs the command line can name: the shipped ones and the mutants.
enum DesignCatalog {
    /// The shipped designs.
    static let shipped = DesignSet(entryWalkers: Designs.entryWalkers, folioWalkers: Designs.folioWalkers, lookups: Designs.lookups,
                                  writers: Designs.writers)

    /// The designs named in `names` (shipped ones by default); `mutants` stands for every mutant.
    static func select(_ names: [String]) throws -> DesignSet {
        guard !names.isEmpty else { return shipped }
        let all = shipped.merging(MutantCatalog.designs)
        var selected = DesignSet()
        for name in names {
            let match = name == "mutants" ? MutantCatalog.designs : all.only(name)
            guard !match.names.isEmpty else {
                throw UsageError(message: "unknown design \"\(name)\"; designs are \(shipped.names.joined(separator: ", ")), "
                                 + "and the mutants \(MutantCatalog.designs.names.joined(separator: ", ")) (or \"mutants\")")
            }
            selected = selected.merging(match)
        }
        return selected
    }

    /// The formats named in `names` (all by default).
    static func formats(_ names: [String]) throws -> [Format] {
        guard !names.isEmpty else { return Format.all }
        return try names.map { name in
            guard let format = Format.named(name) else {
                throw UsageError(message: "unknown format \"\(name)\"; formats are \(Format.all.map(\.name).joined(separator: ", "))")
            }
            return format
        }
    }
}

extension DesignSet {
    /// This set and `other`, without repeating a design.
    func merging(_ other: DesignSet) -> DesignSet {
        let names = Set(self.names)
        return DesignSet(entryWalkers: entryWalkers + other.entryWalkers.filter { !names.contains($0.name) },
                         folioWalkers: folioWalkers + other.folioWalkers.filter { !names.contains($0.name) },
                         lookups: lookups + other.lookups.filter { !names.contains($0.name) },
                         writers: writers + other.writers.filter { !names.contains($0.name) })
    }
}
