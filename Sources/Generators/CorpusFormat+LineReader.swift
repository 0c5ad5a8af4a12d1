import PageTable

/// Reads the words of one corpus line, throwing a ``CorpusError`` that names the line on any mistake.
struct LineReader {
    let words: [Substring]
    let line: Int
    let file: String
    let format: Format
    private var position = 0

    init(words: [Substring], line: Int, file: String, format: Format) {
        self.words = words
        self.line = line
        self.file = file
        self.format = format
    }

    var atEnd: Bool { position >= words.count }

    func fail(_ reason: String) -> CorpusError { CorpusError(file: file, line: line, reason: reason) }

    mutating func skip() { position += 1 }

    mutating func word(_ what: String) throws(CorpusError) -> String {
        guard position < words.count else { throw fail("missing \(what) at the end of the line") }
        defer { position += 1 }
        return String(words[position])
    }

    mutating func keyword(_ expected: String) throws(CorpusError) {
        let found = try word("\"\(expected)\"")
        guard found == expected else { throw fail("expected \"\(expected)\", found \"\(Self.printable(found))\"") }
    }

    /// A decimal or `0x` hexadecimal number (``parseNumber(_:)``), at most `maximum`.
    mutating func number(_ what: String, maximum: UInt64 = .max) throws(CorpusError) -> UInt64 {
        let text = try word(what)
        guard let value = parseNumber(text) else {
            throw fail("\(what) \"\(Self.printable(text))\" is not a number (decimal digits, or 0x and hexadecimal digits)")
        }
        guard value <= maximum else { throw fail("\(what) \(text) is too large (at most \(maximum))") }
        return value
    }

    /// `FIRST+COUNT`, two numbers.
    mutating func pageSpan(_ what: String) throws(CorpusError) -> (first: UInt64, count: UInt64) {
        let text = try word(what)
        let parts = text.split(separator: "+", omittingEmptySubsequences: false)
        guard parts.count == 2, let first = parseNumber(parts[0]), let count = parseNumber(parts[1]) else {
            throw fail("expected \"\(what)\" as two numbers, found \"\(Self.printable(text))\"")
        }
        return (first, count)
    }

    /// `text` with control and non-ASCII bytes shown as `\u{…}` escapes, for an error message.
    static func printable(_ text: some StringProtocol) -> String {
        String(text.unicodeScalars.flatMap { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7f ? String($0) : $0.escaped(asASCII: true) })
    }

    mutating func address(_ what: String) throws(CorpusError) -> UInt64 {
        let value = try number(what)
        guard format.isPageAligned(value) else { throw fail("\(what) \(hex(value)) is not page-aligned") }
        return value
    }

    mutating func range() throws(CorpusError) -> AddressRange {
        let start = try address("range start"), end = try address("range end")
        do { return try AddressRange(start: start, end: end).validated(for: format) } catch { throw fail(error.description) }
    }

    mutating func choice<T>(_ what: String, _ options: [(String, T)]) throws(CorpusError) -> T {
        let text = try word(what)
        guard let match = options.first(where: { $0.0 == text }) else {
            throw fail("unknown \(what) \"\(Self.printable(text))\"; expected one of \(options.map(\.0).joined(separator: ", "))")
        }
        return match.1
    }

    mutating func level() throws(CorpusError) -> Level {
        try choice("level", Level.all.map { ($0.name, $0) })
    }

    func end() throws(CorpusError) {
        guard atEnd else { throw fail("unexpected \"\(words[position...].joined(separator: " "))\" at the end of the line") }
    }

    mutating func operation() throws(CorpusError) -> Operation {
        let name = try word("operation")
        let operation: Operation
        switch name {
        case "map": operation = try map()
        case "unmap": operation = .unmap(try range())
        case "protect": operation = .protect(try range(), try choice("protection", Protection.allCases.map { ($0.rawValue, $0) }))
        case "split": operation = .split(try address("address"))
        case "collapse": operation = .collapse(try address("address"), level: try level())
        case "fold": operation = .fold(try address("address"))
        case "unfold": operation = .unfold(try address("address"))
        case "swap-out": operation = .swapOut(try range())
        case "swap-in": operation = .swapIn(try range())
        case "start-migration": operation = .startMigration(try range())
        case "finish-migration": operation = .finishMigration(try range())
        case "convert": operation = .convert(try range(), to: try choice("conversion", ConversionKind.allCases.map { ($0.rawValue, $0) }))
        case "marker": operation = .installMarker(try range(), try choice("marker", MarkerKind.allCases.map { ($0.rawValue, $0) }))
        case "uffd-wp": operation = .uffdWriteProtect(try range(), protect: try choice("uffd-wp mode", [("on", true), ("off", false)]))
        case "age": operation = .age(try range())
        case "dirty": operation = .dirty(try range())
        case "clear-soft-dirty": operation = .clearSoftDirty(try range())
        case "move":
            let source = try range()
            try keyword("to")
            operation = .move(source, to: try address("destination"))
        case "reclaim": operation = .reclaim(try range())
        case "mmap": operation = try mmap()
        case "munmap": operation = .munmap(try range())
        case "mprotect": operation = .mprotect(try range(), try choice("protection", Protection.allCases.map { ($0.rawValue, $0) }))
        case "madvise": operation = .madvise(try range(), try choice("advice", VMAAdvice.allCases.map { ($0.rawValue, $0) }))
        default:
            throw fail("unknown operation \"\(Self.printable(name))\"; expected map, unmap, protect, split, collapse, fold, unfold, swap-out, "
                       + "swap-in, start-migration, finish-migration, convert, marker, uffd-wp, age, dirty, clear-soft-dirty, move, reclaim, "
                       + "mmap, munmap, mprotect, madvise or walk")
        }
        do { try operation.validate(for: format) } catch { throw fail(error.description) }
        return operation
    }

    /// `race N RACER ARGUMENTS`, a racer run after the walk's Nth scheduling point, or `race lock K
    /// D RACER ARGUMENTS`, D points after the moment before the walk's Kth PTE lock or map (after `race`).
    mutating func race() throws(CorpusError) -> RaceStep {
        var lock: Int?
        if position < words.count, words[position] == "lock" {
            skip()
            let number = try number("lock number", maximum: UInt64(CorpusFormat.maxRacePoint))
            guard number >= 1 else { throw fail("lock number 0: the walk's first PTE lock or map is lock 1") }
            lock = Int(number)
        }
        let point = try number(lock == nil ? "race point" : "race offset", maximum: UInt64(CorpusFormat.maxRacePoint))
        guard point >= 1 || lock != nil else {
            throw fail("race point 0: a racer runs after at least one scheduling point (before the walk, it is an operation)")
        }
        let name = try word("racer")
        let racer: Racer
        switch name {
        case "zap": racer = .zap(try range())
        case "collapse": racer = .collapse(try address("address"))
        case "split": racer = .split(try address("address"))
        case "swap-out": racer = .swapOut(try range())
        case "start-migration": racer = .startMigration(try range())
        case "finish-migration": racer = .finishMigration(try range())
        case "age": racer = .age(try range())
        case "access": racer = .access(try address("address"), write: try choice("access", [("read", false), ("write", true)]))
        default:
            throw fail("unknown racer \"\(Self.printable(name))\"; expected zap, collapse, split, swap-out, start-migration, "
                       + "finish-migration, age or access")
        }
        do { try racer.validate(for: format) } catch { throw fail(error.description) }
        return lock.map { RaceStep(lock: $0, offset: Int(point), racer: racer) } ?? RaceStep(point: Int(point), racer: racer)
    }

    /// `[child] set ADDRESS order N rw|ro`, `zap START END [drop-markers]`, `protect START END
    /// PROTECTION` or `copy [uffd-wp] [pin N,N,…]` (after `write`).
    mutating func writeStep() throws(CorpusError) -> WriteStep {
        var inChild = false
        if position < words.count, words[position] == "child" {
            skip()
            inChild = true
        }
        let name = try word("writer operation")
        let operation: WriterOperation
        switch name {
        case "set":
            let address = try address("set address")
            try keyword("order")
            let order = Int(try number("order", maximum: 62))
            operation = .setEntries(address: address, order: order, writable: try choice("protection", [("rw", true), ("ro", false)]))
        case "zap":
            let range = try range()
            var drop = false
            if position < words.count, words[position] == "drop-markers" {
                skip()
                drop = true
            }
            operation = .zap(range, dropMarkers: drop)
        case "protect":
            operation = .changeProtection(try range(), try choice("protection", Protection.allCases.map { ($0.rawValue, $0) }))
        case "copy":
            var uffdWP = false
            var pinned: [FolioID] = []
            if position < words.count, words[position] == "uffd-wp" {
                skip()
                uffdWP = true
            }
            if position < words.count, words[position] == "pin" {
                skip()
                let list = try word("pinned folios")
                for part in list.split(separator: ",", omittingEmptySubsequences: false) {
                    guard let id = parseNumber(part), id <= UInt64(Int32.max) else {
                        throw fail("pinned folio \"\(Self.printable(part))\" is not a folio number")
                    }
                    guard pinned.count < CorpusFormat.maxPinned else { throw fail("more than \(CorpusFormat.maxPinned) pinned folios") }
                    pinned.append(FolioID(rawValue: Int(id)))
                }
            }
            operation = .copy(CopyOptions(destinationUffdWP: uffdWP, pinned: pinned))
        default:
            throw fail("unknown writer operation \"\(Self.printable(name))\"; expected set, zap, protect or copy")
        }
        do { try operation.validate(for: format) } catch { throw fail(error.description) }
        return WriteStep(operation, inChild: inChild)
    }

    /// `mmap START END anon FLAGS` or `mmap START END file N pgoff OFFSET FLAGS`, either followed
    /// by `hugetlb SIZE` for a hugetlb VMA of that huge page size.
    private mutating func mmap() throws(CorpusError) -> Operation {
        let range = try range()
        var spec = VMASpec(flags: [])
        switch try choice("backing", [("anon", false), ("file", true)]) {
        case true:
            spec.file = Int(try number("file number", maximum: UInt64(Int32.max)))
            try keyword("pgoff")
            spec.pageOffset = try number("page offset", maximum: 1 << 52)
        case false: break
        }
        let text = try word("VMA flags")
        guard let flags = VMAFlags(parsing: Substring(text)) else {
            throw fail("unknown VMA flags \"\(Self.printable(text))\"; expected - or names joined by commas from "
                       + VMAFlags.named.map(\.1).joined(separator: ", "))
        }
        spec.flags = flags
        if !atEnd {
            try keyword("hugetlb")
            let size = try number("huge page size")
            guard size.nonzeroBitCount == 1 else { throw fail("huge page size \(hex(size)) is not a power of two") }
            spec.hugetlbShift = size.trailingZeroBitCount
        }
        return .mmap(range, spec)
    }

    private mutating func map() throws(CorpusError) -> Operation {
        let address = try address("map address")
        let source: MapSource
        switch try word("source") {
        case "anon", "file":
            let kind: FolioKind = words[position - 1] == "anon" ? .anonymous : .file
            try keyword("order")
            let order = try number("order", maximum: 63)
            try keyword("pages")
            let (first, count) = try pageSpan("FIRST+COUNT")
            source = .folio(kind: kind, order: Int(order), firstPage: first, pageCount: count)
        case "zero":
            try keyword("pages")
            source = .zeroPage(pageCount: try number("page count"))
        case "folio":
            let id = try number("folio number", maximum: UInt64(Int.max))
            try keyword("pages")
            let (first, count) = try pageSpan("FIRST+COUNT")
            source = .existingFolio(FolioID(rawValue: Int(id)), firstPage: first, pageCount: count)
        case "special":
            try keyword("pages")
            source = .special(pageCount: try number("page count"))
        case let other:
            throw fail("unknown map source \"\(Self.printable(other))\"; expected anon, file, folio, zero or special")
        }
        let writable = try choice("protection", [("rw", true), ("ro", false)])
        try keyword("leaf")
        var shape = MapShape(leafLevel: try level())
        while !atEnd {
            switch try word("shape flag") {
            case "contiguous": shape.contiguous = true
            case "hugepd": shape.hugepd = true
            case let other: throw fail("unknown shape flag \"\(Self.printable(other))\"; expected contiguous or hugepd")
            }
        }
        return .map(address: address, source: source, writable: writable, shape: shape)
    }

    /// A walk's range: any two numbers, since a bad range is a valid query whose answer is an error.
    mutating func walkRange() throws(CorpusError) -> AddressRange {
        AddressRange(start: try number("walk start"), end: try number("walk end"))
    }

    mutating func query() throws(CorpusError) -> WalkQuery {
        switch try word("walk view") {
        case "entries":
            let range = try walkRange()
            let text = try word("entry walk flags")
            guard let flags = EntryWalkFlags(parsing: Substring(text)) else {
                throw fail("unknown entry walk flag in \"\(Self.printable(text))\"; expected skip-none or coalesce")
            }
            return .entries(range, flags)
        case "folios":
            let range = try walkRange()
            let text = try word("folio walk flags")
            guard let flags = FolioWalkFlags(parsing: Substring(text)) else {
                throw fail("unknown folio walk flag in \"\(Self.printable(text))\"; expected \(FolioWalkFlags.named.map(\.1).joined(separator: ", ")) or -")
            }
            return .folios(range, flags)
        case "lookup":
            // Any address, as for walk ranges: a lookup past the top is a valid query whose answer is an error.
            let address = try number("lookup address")
            let text = try word("lookup flags")
            guard let flags = LookupFlags(parsing: Substring(text)) else {
                throw fail("unknown lookup flag in \"\(Self.printable(text))\"; expected zero-page or migration")
            }
            return .lookup(address, flags)
        case let other:
            throw fail("unknown walk view \"\(Self.printable(other))\"; expected entries, folios or lookup")
        }
    }
}
