import Testing
import PageTable
import Oracle
import Implementations
import Generators

/// The direct reader's own batch scan (one bounds check, all words compared at once, the exact scan
/// only on a miss) against the protocol's default, word by word: conformance runs read through
/// `CountingReader`, which takes the default, so the path benchmarks take is checked here.
@Suite struct TableReaderTests {
    /// A reader that forwards reads and keeps the protocol's default, word-by-word scan.
    struct WordByWordReader: TableReader {
        let inner: DirectReader
        var space: AddressSpace { inner.space }
        var root: TableHandle { inner.root }
        func read(_ table: TableHandle, _ index: Int) -> UInt64 { inner.read(table, index) }
        func table(atPFN pfn: UInt64) -> TableHandle? { inner.table(atPFN: pfn) }
    }

    /// A PTE-sized table filled with words that mostly follow `pattern` from `base`: ignored bits
    /// and the hint bit set at random, and about one word in `missEvery` off the pattern by one
    /// compared bit. Returns the space and the table's handle.
    static func patternedTable(_ pattern: BatchPattern, base: UInt64, missEvery: UInt64, seed: UInt64) throws
        -> (AddressSpace, TableHandle)
    {
        var space = try built(.x86_64_4level, [mapFolio(1.MiB, order: 0)]).space
        var random = SplitMix64(seed: seed)
        let table = try #require(space.tables.descriptors.indices.last { space.tables.descriptors[$0].state == .live })
        let id = TableID(rawValue: table)
        let entries = space.tables.descriptor(id).entryCount
        for index in 0..<entries {
            var word = base &+ UInt64(index) &* pattern.stride
            word |= random.next() & ~pattern.mask
            if random.next() % missEvery == 0 { word ^= 1 << (12 &+ random.next() % 30) }
            space._corruptWord(SlotRef(table: id, index: index), word)
        }
        return (space, TableHandle(base: space.tables.descriptor(id).storageOffset))
    }

    /// With the walker's two kinds of pattern: one that ignores bits (set at random in the table),
    /// plain and hinted, and one that compares every bit (the chain scan), over a table whose
    /// words follow it exactly but for the misses (rarer for it: one pattern to reach the end, not three).
    @Test(arguments: [(UInt64(3), false), (40, false), (1_000_000, false), (30, true), (400, true), (1_000_000, true)])
    func directBatchScanStopsWhereTheWordByWordScanStops(missEvery: UInt64, everyBit: Bool) throws {
        let hint: UInt64 = 1 << 52
        let plain = everyBit ? BatchPattern(mask: .max, stride: 1 << 12) : BatchPattern(mask: ~(1 << 5 | 1 << 6 | hint), stride: 1 << 12)
        let patterns = everyBit ? [plain] : [plain, plain.hinted(by: hint, blockEntries: 16), plain.hinted(by: hint, blockEntries: 3)]
        let base: UInt64 = 0x8000_0000_0123_4067
        let (space, table) = try Self.patternedTable(plain, base: base, missEvery: missEvery, seed: missEvery)
        let direct = DirectReader(space)
        let slow = WordByWordReader(inner: direct)
        var random = SplitMix64(seed: 7)
        var stoppedEarly = 0
        var reachedEnd = 0
        for trial in 0..<4000 {
            let start = Int(random.next() % 512)
            let end = start + Int(random.next() % UInt64(513 - start))
            // Mostly the pattern's own start; sometimes off it, so the first word already misses.
            let offPattern: UInt64 = trial % 10 == 0 ? 1 << 12 : 0
            let first = ((base & plain.mask) &+ UInt64(start) &* plain.stride) &+ offPattern
            for pattern in patterns {
                let fast = direct.scanBatch(table, from: start, to: end, expecting: first, pattern)
                let expected = slow.scanBatch(table, from: start, to: end, expecting: first, pattern)
                #expect(fast == expected, "\(start)..<\(end) first 0x\(String(first, radix: 16)) hint \(pattern.hintBit != 0) \(pattern.blockEntries)")
                if expected.end < end { stoppedEarly += 1 } else if end - start >= 8 { reachedEnd += 1 }
            }
        }
        // The trials reach both outcomes (neither path goes untested); only scans of eight words or
        // more count as reaching the end, so empty and tiny ranges cannot pass for the fast path.
        #expect(stoppedEarly > 100 && reachedEnd > 100, "stopped early \(stoppedEarly), reached the end \(reachedEnd)")
    }

    /// The block compares under the direct reader's scan, narrow and wide (the wide where the CPU
    /// runs it), each with a mask and with every bit compared (the wide one has a loop for each),
    /// and with block sizes they are never given (below 8, not a multiple of 8): whatever the
    /// input, a compare may stop early (the exact scan finds the stop) but never past a word off
    /// the pattern, it reports `count` only when every word follows, and both compares give the
    /// same answer.
    @Test(arguments: [-5, 0, 5, 12, 16, 24, 100, 128], [false, true])
    func blockCompareNeverPassesAMiss(laterBlock: Int, everyBit: Bool) {
        let pattern = BatchPattern(mask: everyBit ? .max : ~(1 << 5), stride: 1 << 12)
        let compares = BatchPattern.WordCompare.allCases.filter { $0 == .narrow || BatchPattern.wideCompareRuns }
        var random = SplitMix64(seed: UInt64(laterBlock + 10))
        var stopped = 0
        var stoppedPastTheFirstBlock = 0
        for _ in 0..<500 {
            let count = Int(random.next() % 300)
            var words = (0..<count).map { UInt64(0x1000_0067) &+ UInt64($0) &* pattern.stride ^ (everyBit ? 0 : random.next() & (1 << 5)) }
            if count > 0, random.next() % 4 != 0 { words[Int(random.next() % UInt64(count))] ^= 1 << 20 }
            let exact = pattern.exactScan(from: 0, to: count, expecting: 0x1000_0067 & pattern.mask) { words[$0] }
            let answers = compares.map { compare in
                words.withUnsafeBufferPointer {
                    pattern.wordsFollowing($0.baseAddress ?? UnsafePointer(bitPattern: 8)!, count: count,
                                           expecting: 0x1000_0067 & pattern.mask, laterBlock: laterBlock, using: compare)
                }
            }
            for (compare, following) in zip(compares, answers) {
                #expect(following <= exact.end, "\(compare), count \(count): \(following) words claimed, the first miss at \(exact.end)")
                #expect((following == count) == (exact.end == count), "\(compare), count \(count): \(following), exact \(exact.end)")
            }
            #expect(Set(answers).count == 1, "count \(count): \(zip(compares, answers).map { "\($0) \($1)" })")
            if exact.end < count { stopped += 1 }
            if exact.end < count, exact.end >= 24 { stoppedPastTheFirstBlock += 1 }
        }
        #expect(stopped > 100 && stoppedPastTheFirstBlock > 50, "stopped \(stopped), past the first block \(stoppedPastTheFirstBlock)")
    }

    /// Turning the wide compare off (`walkcheck bench --narrow-compare`) holds for the rest of the
    /// process, even where the CPU runs it and was asked before: in a child process, as the choice
    /// is the process's.
    @Test func theWideCompareStaysOffOnceTurnedOff() async {
        await #expect(processExitsWith: .success) {
            let runs = BatchPattern.wideCompareRuns
            precondition(BatchPattern.wideCompareChosen == runs, "chosen before turning off")
            BatchPattern.turnOffWideCompare()
            precondition(!BatchPattern.wideCompareChosen, "still chosen after turning off")
            precondition(BatchPattern.wideCompareRuns == runs, "what the CPU runs changed")
        }
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
