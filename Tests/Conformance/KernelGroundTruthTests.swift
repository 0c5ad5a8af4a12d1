import Testing
import PageTable
import Oracle
import KernelTruth

/// The oracle and every design against the running kernel, on real states made in this process.
/// Skipped, saying why, where /proc does not give what they need (root, THP in madvise or always
/// mode, kpageflags, PAGEMAP_SCAN).
@Suite(.serialized, .enabled(if: KernelEnvironment.ready, Comment(rawValue: KernelEnvironment.unavailableReason ?? "ready")))
struct KernelGroundTruthTests {
    static let scenarios = KernelScenario.all.map(\.name)

    @Test(arguments: scenarios)
    func oracleDesignsAndKernelAgree(scenario name: String) throws {
        let scenario = try #require(KernelScenario.all.first { $0.name == name })
        if let reason = scenario.unavailableReason { try Test.cancel("\(name) cannot run here: \(reason)") }
        let region = try scenario.run()
        defer { region.tearDown() }
        let snapshot = try KernelSnapshot.take(region.region)
        let imported = try KernelImporter.importSnapshot(snapshot)
        #expect(!snapshot.vmas.isEmpty)
        #expect(TreeInvariants.violations(in: imported.space).isEmpty)
        #expect(imported.unimportable.isEmpty, "\(imported.unimportable.joined(separator: "\n"))")
        for problem in GroundTruth.disagreements(snapshot, imported, designs: shippedDesigns) {
            Issue.record("\(name): \(problem)")
        }
        // The scenario made the state it is about (a test that compared nothing would pass vacuously).
        if let missing = scenario.missingFacts(snapshot, imported) { Issue.record(Comment(rawValue: missing)) }
        // The corpus case `walkcheck import` saves rebuilds the imported tree, entry for entry up to frame numbers.
        let exported = CorpusExport.corpusCase(snapshot, imported, note: name)
        var rebuilt = AddressSpace(format: .x86_64_4level)
        for operation in exported.testCase.operations { try rebuilt.apply(operation) }
        let difference = try ShapeComparison.firstDifference(imported.space, rebuilt, in: region.region)
        #expect(difference == nil, "the exported case does not rebuild the imported tree:\n\(difference ?? "")")
    }
}
