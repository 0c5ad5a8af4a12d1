import Testing
import PageTable
import Oracle
import Implementations

/// The direct reader's own scan (one bounds check, unchecked reads) against reading word by word:
/// conformance runs read through `CountingReader`, which scans word by word, so the path benchmarks
/// take is checked here.
@Suite struct TableReaderTests {
    /// A reader that forwards reads and keeps the protocol's default, word-by-word scan.
    struct WordByWordReader: TableReader {
        let inner: DirectReader
        var space: AddressSpace { inner.space }
        var root: TableHandle { inner.root }
        func read(_ table: TableHandle, _ index: Int) -> UInt64 { inner.read(table, index) }
        func table(atPFN pfn: UInt64) -> TableHandle? { inner.table(atPFN: pfn) }
    }

    /// Every word a scan handed over, and where it stopped.
    static func trace<R: TableReader>(_ reader: R, _ table: TableHandle, from start: Int, to end: Int,
                                      stopAt stop: Int, stride: Int) -> ([Int], [UInt64], Int) {
        var indices: [Int] = []
        var words: [UInt64] = []
        let stopped = reader.scan(table, from: start, to: end) { index, word in
            indices.append(index)
            words.append(word)
            return index == stop ? 0 : (index % 7 == 3 ? stride : 1)
        }
        return (indices, words, stopped)
    }

    @Test func directScanHandsOverWhatReadingWordByWordDoes() throws {
        let space = try built(.x86_64_4level, [mapFolio(1.MiB, order: 4), mapFolio(1.MiB + 64.KiB, order: 4)]).space
        let direct = DirectReader(space)
        let slow = WordByWordReader(inner: direct)
        var table = direct.root
        // Down to the PTE table mapping 1 MiB.
        for level in [Level.pgd, .pud, .pmd] {
            guard case .table(let pfn) = space.format.decode(direct.read(table, space.format.index(of: 1.MiB, at: level)), at: level,
                                                            address: 1.MiB),
                  let child = direct.table(atPFN: pfn)
            else { Issue.record("no table under \(level)"); return }
            table = child
        }
        var compared = 0
        for (start, end) in [(256, 288), (0, 512), (300, 300), (511, 512), (250, 270)] {
            for stop in [-1, start, start + 5, end - 1] {
                for stride in [1, 3, 16] {
                    let fast = Self.trace(direct, table, from: start, to: end, stopAt: stop, stride: stride)
                    let expected = Self.trace(slow, table, from: start, to: end, stopAt: stop, stride: stride)
                    #expect(fast.0 == expected.0 && fast.1 == expected.1 && fast.2 == expected.2,
                            "scan \(start)..<\(end) stop \(stop) stride \(stride)")
                    compared += 1
                }
            }
        }
        #expect(compared == 60)
        // The words of the two folios are really there (the trace is not of an empty table).
        #expect(Self.trace(direct, table, from: 256, to: 288, stopAt: -1, stride: 1).1.allSatisfy { $0 != 0 })
    }

    /// Every folio design read directly (the benchmark's reader) agrees with the oracle on the
    /// known trees, whose walks the conformance tests make through the counting reader.
    @Test(arguments: DesignConformanceTests.trees.indices)
    func directReadsGiveTheOraclesFolios(index: Int) throws {
        let (name, format, operations, interesting) = DesignConformanceTests.trees[index]
        let space = try built(format, operations).space
        for query in DesignConformanceTests.queries(for: format, around: interesting) {
            guard case .folios(let range, let flags) = query, let expected = try? ReferenceWalk.folios(in: space, range: range, flags: flags)
            else { continue }
            for design in Designs.folioWalkers {
                let got = try? design.folios(in: space, range: range, flags: flags)
                #expect(got == expected, "\(name): \(design.name) on \(range) \(flags)")
            }
        }
    }
}
