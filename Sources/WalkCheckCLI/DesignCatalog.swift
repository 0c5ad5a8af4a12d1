import PageTable
import Oracle
import Generators
import Implementations
import Mutants

/// The designs the command line can name: the shipped ones, the package's own (``WalkCheckTool``),
/// and the mutants.
enum DesignCatalog {
    /// What ``WalkCheckTool/main(designs:mutants:command:)`` registers, before any command runs.
    private struct Registration {
        var outside = DesignSet()
        var outsideMutants = DesignSet()
        var command = "swift run -c release walkcheck"
        var extensions = GeneratorExtensions()
    }
    /// Written once, by the entry point, before any thread is started; read-only after.
    nonisolated(unsafe) private static var registration = Registration()

    /// Registers a package's designs and mutants and how its executable is run.
    static func register(outside: DesignSet, mutants: DesignSet, command: String, extensions: GeneratorExtensions) {
        registration = Registration(outside: outside, outsideMutants: mutants, command: command, extensions: extensions)
    }

    /// The package's operation weights and queries, for every campaign and shrink of this command line.
    static var extensions: GeneratorExtensions { registration.extensions }

    /// The generator this command line's campaigns draw cases from on `format` (with the
    /// package's extensions), for a shrink or census to regenerate them.
    static func generator(for format: Format, races: Int, writes: Int) -> CaseGenerator {
        var generator = CaseGenerator(format: format, maxRaces: races, maxWrites: writes)
        generator.extensions = extensions
        return generator
    }

    /// How a user runs this executable (`swift run -c release walkcheck` for the shipped one).
    static var command: String { registration.command }

    /// The shipped designs.
    static let shipped = DesignSet(entryWalkers: Designs.entryWalkers, folioWalkers: Designs.folioWalkers, lookups: Designs.lookups,
                                  writers: Designs.writers)

    /// The package's own designs (none for the shipped executable).
    static var outside: DesignSet { registration.outside }

    /// Every design a default campaign runs: the package's own first, then the shipped ones.
    static var standing: DesignSet { outside.merging(shipped) }

    /// Every mutant: the shipped ones and the package's own.
    static var mutants: DesignSet { MutantCatalog.designs.merging(registration.outsideMutants) }

    /// The designs named in `names` (the standing ones by default); `mutants` stands for every mutant.
    static func select(_ names: [String]) throws -> DesignSet {
        guard !names.isEmpty else { return standing }
        let all = standing.merging(mutants)
        var selected = DesignSet()
        for name in names {
            let match = name == "mutants" ? mutants : all.only(name)
            guard !match.names.isEmpty else {
                throw UsageError(message: "unknown design \"\(name)\"; designs are \(standing.names.joined(separator: ", ")), "
                                 + "and the mutants \(mutants.names.joined(separator: ", ")) (or \"mutants\")")
            }
            selected = selected.merging(match)
        }
        return selected
    }

    /// The formats named in `names` (all by default).
    static func formats(_ names: [String]) throws -> [Format] {
        guard !names.isEmpty else { return Format.all + Format.registered }
        return try names.map { name in
            guard let format = Format.named(name) else {
                throw UsageError(message: "unknown format \"\(name)\"; formats are \((Format.all + Format.registered).map(\.name).joined(separator: ", "))")
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
