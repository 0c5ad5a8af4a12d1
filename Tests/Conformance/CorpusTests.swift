import Testing
import PageTable
import Generators

/// The corpus text format: round trips, and malformed files rejected with file, line and reason.
@Suite struct CorpusTests {
    @Test(arguments: Format.all)
    func generatedCasesRoundTrip(format: Format) throws {
        for index in 0..<40 {
            var choices = ChoiceSequence(seed: CaseSeed.derive(base: 99, format: format, index: index))
            let testCase = CaseGenerator(format: format).generate(&choices)
            let saved = CorpusCase(testCase: testCase, origin: (99, index), design: "flat", firstDifference: "first difference",
                                   choices: choices.recorded)
            let text = CorpusFormat.text(of: saved)
            #expect(try CorpusFormat.parse(text, file: "x.case") == saved, "\(text)")
        }
    }

    static let malformed: [(String, Int, String)] = [
        ("", 0, "the file is empty"),
        ("walkcheck-case 2\nformat tiny\n", 1, "unsupported version 2"),
        ("hello\n", 1, "expected the version line"),
        ("walkcheck-case 1\n", 1, "expected \"format NAME\""),
        ("walkcheck-case 1\nformat vax\n", 2, "unknown format"),
        ("walkcheck-case 1\nformat tiny\nfrobnicate 0x0\n", 3, "unknown operation \"frobnicate\""),
        ("walkcheck-case 1\nformat tiny\nunmap 0x0\n", 3, "missing range end"),
        ("walkcheck-case 1\nformat tiny\nunmap 0x0 zz\n", 3, "range end \"zz\" is not a number"),
        ("walkcheck-case 1\nformat tiny\nunmap 0x2000 0x1000\n", 3, "is empty"),
        ("walkcheck-case 1\nformat tiny\nunmap 0x0 0x100000\n", 3, "past the top"),
        ("walkcheck-case 1\nformat tiny\nunmap 0x0 0x1000 extra\n", 3, "unexpected \"extra\""),
        ("walkcheck-case 1\nformat tiny\nprotect 0x0 0x1000 rwz\n", 3, "unknown protection \"rwz\""),
        ("walkcheck-case 1\nformat tiny\nuffd-wp 0x0 0x1000 maybe\n", 3, "unknown uffd-wp mode \"maybe\""),
        ("walkcheck-case 1\nformat riscv-sv39\nuffd-wp 0x0 0x1000 on\n", 3, "riscv-sv39 has no uffd-wp entries"),
        ("walkcheck-case 1\nformat tiny\nmap 0x0 folio x pages 0+1 rw leaf pte\n", 3, "folio number \"x\" is not a number"),
        ("walkcheck-case 1\nformat tiny\nmap 0x0 anon order 99 pages 0+1 rw leaf pte\n", 3, "order 99 is too large"),
        ("walkcheck-case 1\nformat tiny\nmap 0x0 anon order 2 pages 0+9 rw leaf pte\n", 3, "outside an order-2 folio"),
        ("walkcheck-case 1\nformat tiny\nmap 0x0 zero pages 1 rw leaf pud\n", 3, "no pud level"),
        ("walkcheck-case 1\nformat tiny\nwalk sideways 0x0 0x1000 -\n", 3, "unknown walk view"),
        ("walkcheck-case 1\nformat tiny\nwalk entries 0x0 0x1000 bogus\n", 3, "unknown entry walk flag"),
        ("walkcheck-case 1\nformat tiny\nwalk lookup 0x8000z -\n", 3, "lookup address \"0x8000z\" is not a number"),
        ("walkcheck-case 1\nformat tiny\nmove 0x0 0x1000 from 0x2000\n", 3, "expected \"to\""),
        ("walkcheck-case 1\nformat tiny\nchoices 1 2 x\n", 3, "choice \"x\" is not a number"),
    ]

    @Test(arguments: malformed.indices)
    func malformedFileIsRejectedWithLineAndReason(index: Int) {
        let (text, line, reason) = Self.malformed[index]
        do {
            _ = try CorpusFormat.parse(text, file: "bad.case")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.file == "bad.case" && error.line == line, "\(error)")
            #expect(error.reason.contains(reason), "\(error)")
        }
    }

    /// Random damage to valid files never traps the parser: it parses or throws a CorpusError.
    @Test func damagedFilesNeverTrapTheParser() {
        var random = SplitMix64(seed: 5)
        var choices = ChoiceSequence(seed: 17)
        let valid = Array(CorpusFormat.text(of: CorpusCase(testCase: CaseGenerator(format: .arm64_4k).generate(&choices))).utf8)
        let alphabet = Array("0123456789abcdefx -+,\n#zqwalkmp".utf8)
        for _ in 0..<2000 {
            var bytes = valid
            for _ in 0...(random.next() % 4) {
                let position = Int(random.next() % UInt64(bytes.count))
                switch random.next() % 3 {
                case 0: bytes[position] = alphabet[Int(random.next() % UInt64(alphabet.count))]
                case 1: bytes.remove(at: position)
                default: bytes.insert(alphabet[Int(random.next() % UInt64(alphabet.count))], at: position)
                }
            }
            do { _ = try CorpusFormat.parse(String(decoding: bytes, as: UTF8.self), file: "damaged.case") } catch {
                #expect(error.line >= 0 && !error.reason.isEmpty)
            }
        }
    }

    @Test func unreadableFileIsReportedByName() {
        #expect(throws: CorpusError.self) { try CorpusStore.load("/nonexistent/missing.case") }
    }
}
