import Testing
import PageTable
import Generators

/// The corpus parser and the operation applier under a fixed, seeded set of mutated corpus files
/// (``CorpusFuzz``): every input ends in a case or a typed error, every refusal leaves the tree
/// unchanged, every tree keeps its invariants. The inputs are the same on every run.
@Suite struct CorpusFuzzTests {
    static let mutationsPerFile = 200

    @Test func mutatedCorpusFilesNeverTrapOrHalfApply() throws {
        let files = try FileSystem.list(PackagePaths.corpus, suffix: ".case")
        try #require(files.count > 20)
        var outcomes: [String: Int] = [:]
        for (fileIndex, name) in files.enumerated() {
            let text = try FileSystem.read(PackagePaths.corpus + "/" + name, maxBytes: CorpusFormat.maxFileBytes)
            for mutation in 0..<Self.mutationsPerFile {
                let input = CorpusFuzz.mutate(text, seed: UInt64(fileIndex) << 32 | UInt64(mutation))
                switch try CorpusFuzz.check(Array(input.utf8)) {
                case .malformed: outcomes["malformed", default: 0] += 1
                case .applied: outcomes["applied", default: 0] += 1
                case .refused: outcomes["refused", default: 0] += 1
                }
            }
        }
        // The mutations reach all three ends, so the check is not vacuous.
        print("corpus fuzz: \(files.count) files × \(Self.mutationsPerFile) mutations: \(outcomes)")
        #expect(outcomes["malformed", default: 0] > 100 && outcomes["applied", default: 0] > 100 && outcomes["refused", default: 0] > 0,
                "\(outcomes)")
    }

    /// One seed, one mutation; and a well-formed case applies.
    @Test func mutationsAreDeterministic() {
        let text = "walkcheck-case 1\nformat tiny\nmap 0x0 anon order 0 pages 0+1 ro leaf pte\n"
        #expect(throws: Never.self) { try CorpusFuzz.check(Array(text.utf8)) }
        #expect(CorpusFuzz.mutate(text, seed: 1) == CorpusFuzz.mutate(text, seed: 1))
        #expect(CorpusFuzz.mutate(text, seed: 1) != CorpusFuzz.mutate(text, seed: 2) || CorpusFuzz.mutate(text, seed: 3) != text)
    }
}
