import PageTable
import Oracle
import Generators
import KernelTruth

/// `walkcheck import SCENARIO`: makes a real state in this process, reads it back from the kernel,
/// compares kernel, oracle and designs, and saves it as a corpus case.
enum ImportCommand {
    static func main(_ arguments: inout Arguments) throws -> Int32 {
        let output = try arguments.value("output")
        let names = try arguments.positional()
        if let reason = KernelEnvironment.unavailableReason { throw UsageError(message: "cannot import here: \(reason)") }
        let chosen = names.isEmpty ? KernelScenario.all : try names.map { name in
            guard let scenario = KernelScenario.all.first(where: { $0.name == name }) else {
                throw UsageError(message: "unknown scenario \"\(name)\"; scenarios are \(KernelScenario.all.map(\.name).joined(separator: ", "))")
            }
            return scenario
        }
        var failed = 0
        for scenario in chosen {
            if let reason = scenario.unavailableReason {
                print("\(scenario.name): skipped: \(reason)")
                continue
            }
            let region = try scenario.run()
            defer { region.tearDown() }
            let snapshot = try KernelSnapshot.take(region.region)
            let imported = try KernelImporter.importSnapshot(snapshot)
            var problems = imported.unimportable + GroundTruth.disagreements(snapshot, imported, designs: DesignCatalog.shipped)
            if let missing = scenario.missingFacts(snapshot, imported) { problems.insert(missing, at: 0) }
            // The case saved below must rebuild the imported tree, entry for entry up to frame numbers.
            let saved = CorpusExport.corpusCase(snapshot, imported, note: "imported from the kernel: scenario \(scenario.name)")
            var rebuilt = AddressSpace(format: imported.space.format)
            for operation in saved.testCase.operations { try rebuilt.apply(operation) }
            if let difference = try ShapeComparison.firstDifference(imported.space, rebuilt, in: region.region) {
                problems.append("the exported case does not rebuild the imported tree:\n" + difference)
            }
            let huge = snapshot.pages.filter(\.huge).count, present = snapshot.pages.filter(\.present).count
            print("\(scenario.name): \(scenario.summary); \(snapshot.vmas.count) VMAs, \(present) present pages, \(huge) PMD-mapped: "
                  + (problems.isEmpty ? "kernel, oracle and designs agree" : "\(problems.count) disagreements"))
            for problem in problems.prefix(10) { print("  " + problem) }
            failed += problems.isEmpty ? 0 : 1
            if let output {
                try FileSystem.makeDirectory(output)
                let path = try CorpusStore(directory: output).save(saved, as: "kernel-\(scenario.name).case")
                print("  saved as \(path)")
            }
        }
        return failed == 0 ? 0 : 1
    }
}
