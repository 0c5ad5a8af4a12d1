import Testing
import PageTable
import Oracle
import Generators
import Mutants
#if canImport(Glibc)
import Glibc
#endif

/// Every file in corpus/ is replayed in a child process (an exit test), so that a design that traps
/// on a saved case is reported rather than fatal: every shipped design must conform, and a mutant
/// the file names must still fail on it.
@Suite struct CorpusReplayTests {
    static let files: [String] = ((try? FileSystem.list(PackagePaths.corpus, suffix: ".case")) ?? []).map { PackagePaths.corpus + "/" + $0 }

    @Test func theCorpusIsNotEmpty() {
        #expect(!Self.files.isEmpty, "no .case files in \(PackagePaths.corpus)")
    }

    @Test(arguments: files)
    func shippedDesignsConform(file: String) async {
        let result = await #expect(processExitsWith: .success, observing: [\.standardOutputContent]) { [file = file as String] in
            let saved = try CorpusStore.load(file)
            let result = CaseRunner.run(saved.testCase, designs: shippedDesigns)
            for (design, found) in result.failures { print("\(design) after operation \(found.step): \(found.failure)") }
            if let refused = result.refused { print("refused: \(refused)") }
            if !result.failures.isEmpty || result.refused != nil { exit(1) }
        }
        if let output = result?.standardOutputContent, !output.isEmpty {
            Attachment.record(String(decoding: output, as: UTF8.self), named: "replay.txt")
        }
    }

    @Test(arguments: files.filter { ((try? CorpusStore.load($0))?.design ?? "").hasPrefix("mutant-") })
    func namedMutantStillFails(file: String) async {
        await #expect(processExitsWith: .failure) { [file = file as String] in
            let saved = try CorpusStore.load(file)
            let mutant = MutantCatalog.designs.only(saved.design ?? "")
            if CaseRunner.run(saved.testCase, designs: mutant).failures.isEmpty { return }
            exit(1)
        }
    }
}
