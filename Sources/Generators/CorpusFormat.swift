#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PageTable

/// The text form of corpus files: a version line, the format, then one operation, walk, racer or
/// writer operation per line (`race N RACER …`: the racer runs after the Nth scheduling point of
/// each walk, on the tree the operations built; SEMANTICS.md, "Racing walks"; `write [child] OP`:
/// a writer operation checked after the walks, on the parent or on the child of the last `write
/// copy` before it; SEMANTICS.md, "Writers").
///
/// ```
/// walkcheck-case 1
/// format x86-64-4level
/// seed 0x5eed case 17
/// design recursive
/// # first difference at item 0 of 1 expected, 1 actual: address 0x201000, path pgd:0 pud:0 pmd:1
/// map 0x200000 anon order 9 pages 0+512 rw leaf pmd
/// walk entries 0x201000 0x203000 -
/// race 3 zap 0x200000 0x400000
/// write copy uffd-wp pin 1
/// write child zap 0x200000 0x201000
/// choices 0 3 1 …
/// ```
public enum CorpusFormat {
    /// The version this code writes and reads.
    public static let version = 1
    /// The most operations a case may hold (generated cases hold at most 12, the exhaustive mode 4,
    /// a kernel import a few hundred).
    public static let maxOperations = 4096
    /// The most walk queries a case may hold (each is checked after every operation).
    public static let maxQueries = 256
    /// The most racers a case may hold.
    public static let maxRaces = 16
    /// The most writer operations a case may hold.
    public static let maxWrites = 64
    /// The most folios one copy may pin.
    public static let maxPinned = 64
    /// The largest scheduling point a racer may name.
    public static let maxRacePoint = 1 << 24
    /// The largest corpus file read, in bytes.
    public static let maxFileBytes = 1 << 20

    /// The text of `saved`.
    public static func text(of saved: CorpusCase) -> String {
        var lines = ["walkcheck-case \(version)", "format \(saved.testCase.format.name)"]
        if let origin = saved.origin { lines.append("seed \(hex(origin.seed)) case \(origin.index)") }
        if let design = saved.design { lines.append("design \(design)") }
        if let difference = saved.firstDifference { lines.append("# \(difference)") }
        lines += saved.testCase.operations.map(line(for:))
        lines += saved.testCase.queries.map(\.description)
        lines += saved.testCase.races.map(\.description)
        lines += saved.testCase.writes.map(\.description)
        if let choices = saved.choices { lines.append("choices " + choices.map(String.init).joined(separator: " ")) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The corpus line of one operation.
    public static func line(for operation: Operation) -> String {
        func range(_ r: AddressRange) -> String { "\(hex(r.start)) \(hex(r.end))" }
        switch operation {
        case .map(let address, let source, let writable, let shape):
            let what: String
            switch source {
            case .folio(let kind, let order, let first, let count): what = "\(kind.rawValue) order \(order) pages \(first)+\(count)"
            case .zeroPage(let count): what = "zero pages \(count)"
            case .special(let count): what = "special pages \(count)"
            case .existingFolio(let id, let first, let count): what = "folio \(id.rawValue) pages \(first)+\(count)"
            }
            var text = "map \(hex(address)) \(what) \(writable ? "rw" : "ro") leaf \(shape.leafLevel)"
            if shape.contiguous { text += " contiguous" }
            if shape.hugepd { text += " hugepd" }
            return text
        case .unmap(let r): return "unmap \(range(r))"
        case .protect(let r, let protection): return "protect \(range(r)) \(protection.rawValue)"
        case .split(let address): return "split \(hex(address))"
        case .collapse(let address, let level): return "collapse \(hex(address)) \(level)"
        case .fold(let address): return "fold \(hex(address))"
        case .unfold(let address): return "unfold \(hex(address))"
        case .swapOut(let r): return "swap-out \(range(r))"
        case .swapIn(let r): return "swap-in \(range(r))"
        case .startMigration(let r): return "start-migration \(range(r))"
        case .finishMigration(let r): return "finish-migration \(range(r))"
        case .convert(let r, let kind): return "convert \(range(r)) \(kind.rawValue)"
        case .installMarker(let r, let kind): return "marker \(range(r)) \(kind.rawValue)"
        case .uffdWriteProtect(let r, let protect): return "uffd-wp \(range(r)) \(protect ? "on" : "off")"
        case .age(let r): return "age \(range(r))"
        case .dirty(let r): return "dirty \(range(r))"
        case .clearSoftDirty(let r): return "clear-soft-dirty \(range(r))"
        case .move(let r, let destination): return "move \(range(r)) to \(hex(destination))"
        case .reclaim(let r): return "reclaim \(range(r))"
        case .mmap(let r, let spec):
            let backing = spec.file.map { "file \($0) pgoff \(hex(spec.pageOffset))" } ?? "anon"
            return "mmap \(range(r)) \(backing) \(spec.flags)" + (spec.hugetlbShift.map { " hugetlb \(hex(UInt64(1) << UInt64($0)))" } ?? "")
        case .munmap(let r): return "munmap \(range(r))"
        case .mprotect(let r, let protection): return "mprotect \(range(r)) \(protection.rawValue)"
        case .madvise(let r, let advice): return "madvise \(range(r)) \(advice.rawValue)"
        }
    }

    /// Parses the text of a corpus file; `file` names it in errors. Never traps on bad input.
    ///
    /// Lines may end in CRLF and the file may start with a UTF-8 byte-order mark; words are separated
    /// by spaces or tabs. Every number is range-checked, and a case may hold at most
    /// ``maxOperations`` operations and ``maxQueries`` walks.
    public static func parse(_ text: String, file: String) throws(CorpusError) -> CorpusCase {
        let body = text.unicodeScalars.first == "\u{FEFF}" ? Substring(text.unicodeScalars.dropFirst()) : Substring(text)
        // "\r\n" is one Character in Swift, so it is a separator of its own.
        var lines = body.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated()
            .map { (number: $0.offset + 1, words: $0.element.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })) }
            .filter { !$0.words.isEmpty }
        func fail(_ line: Int, _ reason: String) -> CorpusError { CorpusError(file: file, line: line, reason: reason) }
        guard let header = lines.first else { throw fail(0, "the file is empty; expected \"walkcheck-case \(version)\"") }
        guard header.words.count == 2, header.words[0] == "walkcheck-case" else {
            let found = LineReader.printable(header.words.joined(separator: " ").prefix(60))
            throw fail(header.number, "expected the version line \"walkcheck-case \(version)\", found \"\(found)\"")
        }
        guard header.words[1] == "\(version)" else { throw fail(header.number, "unsupported version \(header.words[1]); this build reads version \(version)") }
        lines.removeFirst()
        guard let formatLine = lines.first, formatLine.words.first == "format" else {
            throw fail(lines.first?.number ?? header.number, "expected \"format NAME\" after the version line")
        }
        guard formatLine.words.count == 2, let format = Format.named(String(formatLine.words[1])) else {
            throw fail(formatLine.number, "unknown format; expected one of \((Format.all + Format.registered).map(\.name).joined(separator: ", "))")
        }
        lines.removeFirst()
        var saved = CorpusCase(testCase: TestCase(format: format, operations: [], queries: []))
        for (number, words) in lines {
            var reader = LineReader(words: words, line: number, file: file, format: format)
            switch words[0] {
            case _ where words[0].hasPrefix("#"):
                if saved.firstDifference == nil, words.count > 1 { saved.firstDifference = words.dropFirst().joined(separator: " ") }
                continue
            case "seed":
                reader.skip()
                let seed = try reader.number("seed")
                try reader.keyword("case")
                saved.origin = (seed, Int(try reader.number("case index", maximum: UInt64(Int.max))))
            case "design":
                reader.skip()
                let name = try reader.word("design name")
                guard !name.isEmpty, name.utf8.allSatisfy({ $0 < 0x80 && (isalnum(Int32($0)) != 0 || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".")) })
                else { throw fail(number, "design name \"\(LineReader.printable(name))\" may hold only letters, digits, '-', '_' and '.'") }
                saved.design = name
            case "choices":
                reader.skip()
                var choices: [UInt64] = []
                while !reader.atEnd { choices.append(try reader.number("choice")) }
                saved.choices = choices
            case "race":
                reader.skip()
                guard saved.testCase.races.count < maxRaces else { throw fail(number, "more than \(maxRaces) racers in one case") }
                saved.testCase.races.append(try reader.race())
            case "write":
                reader.skip()
                guard saved.testCase.writes.count < maxWrites else { throw fail(number, "more than \(maxWrites) writer operations in one case") }
                let step = try reader.writeStep()
                guard !step.inChild || saved.testCase.writes.contains(where: { $0.operation.isCopy }) else {
                    throw fail(number, "\"write child\" before any \"write copy\": there is no child yet")
                }
                saved.testCase.writes.append(step)
            case "walk":
                reader.skip()
                guard saved.testCase.queries.count < maxQueries else { throw fail(number, "more than \(maxQueries) walks in one case") }
                saved.testCase.queries.append(try reader.query())
            default:
                guard saved.testCase.operations.count < maxOperations else { throw fail(number, "more than \(maxOperations) operations in one case") }
                saved.testCase.operations.append(try reader.operation())
                saved.operationLines.append(number)
            }
            try reader.end()
        }
        return saved
    }
}
