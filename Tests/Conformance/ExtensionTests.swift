import Testing
import PageTable
import Oracle
import Implementations
import Generators
import Mutants

/// Extension points: a format of one's own (an IOMMU's), operation weights, queries and
/// exhaustive alphabet entries of one's own, each through public API, the oracle unchanged.
@Suite struct ExtensionTests {
    /// An IOMMU second-level table in the shape of Intel VT-d's 3-level (39-bit) one: x86-64
    /// entries, the PGD and P4D folded, leaves at the PUD, PMD and PTE.
    static func iommuFormat() throws -> Format {
        func level(_ level: Level, _ shift: Int, _ bits: Int, leaf: Bool) -> LevelGeometry {
            LevelGeometry(level: level, shift: shift, indexBits: bits, allowsLeaf: leaf, contiguousEntries: 1, hugepdPageShift: nil)
        }
        return try Format(validating: "iommu-vtd-3level", architecture: .x86_64, pageShift: 12, pfnBits: 40,
                          levels: [level(.pgd, 39, 0, leaf: false), level(.p4d, 39, 0, leaf: false), level(.pud, 30, 9, leaf: true),
                                   level(.pmd, 21, 9, leaf: true), level(.pte, 12, 9, leaf: true)])
    }

    /// Every shipped design conforms on the format, a mutant fails on it, and its cases save and
    /// parse by name once the format is registered.
    @Test func customFormatRunsUnderTheOracleUnchanged() throws {
        let format = try Self.iommuFormat()
        try Format.register(format)
        try Format.register(format)   // the same format again: nothing
        #expect(Format.named("iommu-vtd-3level") == format)
        var configuration = CampaignConfiguration(designs: shippedDesigns, formats: [format], cases: 40, seed: 3)
        configuration.corpusDirectory = nil
        let report = Campaign.run(configuration)
        #expect(report.cases == 40 && report.walks > 0 && report.racedWalks > 0)
        for pair in report.pairs { if let failure = pair.failure { Issue.record("\(failure.report(seed: 3))") } }

        var hunt = CampaignConfiguration(designs: MutantCatalog.designs.only("mutant-pte-holes-skipped"), formats: [format], cases: 200, seed: 3)
        hunt.corpusDirectory = nil
        hunt.stopAtFirstFailure = true
        let failure = try #require(Campaign.run(hunt).pairs.compactMap(\.failure).first, "a mutant survives on the custom format")
        let text = CorpusFormat.text(of: CorpusCase(testCase: failure.testCase))
        #expect(try CorpusFormat.parse(text, file: "iommu.case").testCase == failure.testCase)
    }

    /// A geometry that does not tile, a base page out of range, a bad contiguous block or hugepd
    /// page, and a taken name are refused with a typed error.
    @Test func badFormatsAreRefused() throws {
        let good = try Self.iommuFormat()
        func geometry(_ change: (inout [LevelGeometry]) -> Void) -> [LevelGeometry] {
            var levels = good.levels
            change(&levels)
            return levels
        }
        func with(_ level: Int, shift: Int? = nil, bits: Int? = nil, leaf: Bool? = nil, cont: Int = 1, hugepd: Int? = nil) -> [LevelGeometry] {
            geometry { levels in
                let old = levels[level]
                levels[level] = LevelGeometry(level: old.level, shift: shift ?? old.shift, indexBits: bits ?? old.indexBits,
                                              allowsLeaf: leaf ?? old.allowsLeaf, contiguousEntries: cont, hugepdPageShift: hugepd)
            }
        }
        let bad: [(String, Int, [LevelGeometry])] = [
            ("gap", 12, with(3, bits: 8)),                // the PMD no longer sits on the PTE
            ("page", 11, with(4, shift: 11)),             // a 2 KiB base page
            ("cont", 12, with(4, cont: 3)),               // a block of three
            ("cont-table", 12, with(2, leaf: false, cont: 16)), // a block of entries that cannot be leaves
            ("hugepd", 12, with(3, hugepd: 22)),          // a hugepd page past its directory entry
            ("four", 12, Array(good.levels.prefix(4))),   // four levels listed
        ]
        for (name, pageShift, levels) in bad {
            #expect(throws: PageTableError.self, "\(name)") {
                try Format(validating: name, architecture: .x86_64, pageShift: pageShift, pfnBits: 40, levels: levels)
            }
        }
        #expect(throws: PageTableError.self) { try Format(validating: "with space", architecture: .x86_64, pageShift: 12, pfnBits: 40, levels: good.levels) }
        let impostor = try Format(validating: "tiny", architecture: .x86_64, pageShift: 12, pfnBits: 40, levels: good.levels)
        #expect(throws: PageTableError.self) { try Format.register(impostor) }
        #expect(Format.named("tiny") == .tiny)
    }

    /// Weights steer what is generated, deterministically by seed; out-of-range weights are refused.
    @Test func operationWeightsSteerGeneration() throws {
        func swapOuts(_ extensions: GeneratorExtensions) -> (count: Int, cases: [TestCase]) {
            var generator = CaseGenerator(format: .x86_64_4level)
            generator.extensions = extensions
            var cases: [TestCase] = []
            for index in 0..<100 {
                var choices = ChoiceSequence(seed: CaseSeed.derive(base: 9, format: .x86_64_4level, index: index))
                cases.append(generator.generate(&choices))
            }
            let count = cases.flatMap(\.operations).filter { if case .swapOut = $0 { true } else { false } }.count
            return (count, cases)
        }
        let steered = try GeneratorExtensions(operationWeights: [.swapOut: 500, .protect: 0])
        let (plain, _) = swapOuts(GeneratorExtensions())
        let (many, first) = swapOuts(steered)
        #expect(many > 4 * max(plain, 1), "swap-outs: \(plain) by default, \(many) weighted 500")
        #expect(first.flatMap(\.operations).allSatisfy { if case .protect = $0 { false } else { true } })
        #expect(swapOuts(steered).cases == first)
        #expect(throws: GeneratorExtensionError.weightTooLarge(.split, 5000)) { try GeneratorExtensions(operationWeights: [.split: 5000]) }
        let everyKindOff = Dictionary(uniqueKeysWithValues: OperationKind.allCases.map { ($0, UInt64(0)) })
        #expect(throws: GeneratorExtensionError.everyKindOff) { try GeneratorExtensions(operationWeights: everyKindOff) }
    }

    /// A package's queries (here lookups of the last page of a PMD's span) are drawn into cases,
    /// each behind its own flag, and checked as any query.
    @Test func ownQueriesAreDrawn() throws {
        let atPMDTop = try GeneratorExtensions(query: { format, choices in
            let pmd = format.geometry(.pmd).entrySize
            return .lookup(UInt64(choices.draw(below: 8)) * pmd + pmd - format.pageSize, [])
        })
        var configuration = CampaignConfiguration(designs: shippedDesigns.only("lookup"), formats: [.x86_64_4level], cases: 30, seed: 5)
        configuration.corpusDirectory = nil
        configuration.extensions = atPMDTop
        var generator = configuration.generator(for: .x86_64_4level)
        var drawn = 0
        for index in 0..<30 {
            var choices = ChoiceSequence(seed: CaseSeed.derive(base: 5, format: .x86_64_4level, index: index))
            drawn += generator.generate(&choices).queries.filter {
                if case .lookup(let address, let flags) = $0 { (address + 0x1000) % 0x200000 == 0 && flags.isEmpty } else { false }
            }.count
        }
        #expect(drawn >= 10)
        #expect(Campaign.run(configuration).pairs.allSatisfy { $0.failure == nil })
        generator.extensions = GeneratorExtensions()
        #expect(generator.extensions.query == nil)
    }

    /// An exhaustive alphabet takes a package's operations and queries; invalid ones are refused.
    @Test func exhaustiveAlphabetTakesOwnEntries() throws {
        let extra = Operation.map(address: 48 * 1024, source: .folio(kind: .file, order: 1, firstPage: 0, pageCount: 2), writable: false,
                                  shape: MapShape())
        let space = try Exhaustive.tiny.adding(alphabet: [extra], queries: [.entries(AddressRange(start: 32 * 1024, end: 64 * 1024), [])])
        #expect(space.alphabet.count == Exhaustive.tiny.alphabet.count + 1 && space.queries.count == Exhaustive.tiny.queries.count + 1)
        let report = Exhaustive.run(designs: shippedDesigns.only("recursive"), space: space, maxLength: 1)
        #expect(report.failures.isEmpty && report.sequences == space.alphabet.count + 1)
        let unaligned = Operation.map(address: 100, source: .folio(kind: .file, order: 0, firstPage: 0, pageCount: 1), writable: false,
                                      shape: MapShape())
        #expect(throws: PageTableError.self) { try Exhaustive.tiny.adding(alphabet: [unaligned]) }
    }
}

/// A made-up IOMMU entry encoding, as a user would write one: bit 0 valid, bit 1 writable, bits
/// 2–9 the other attributes, bit 10 a table, bit 11 PROT_NONE (valid clear), bit 62 a hugepd
/// directory with its page shift in bits 56–61, the pfn from bit 12; a non-present entry keeps its
/// kind in bits 1–5 and its flags in bits 6–10 beside its offset (bit 63 marks swap type 0, whose
/// first slot would otherwise be the word 0).
struct ToyIOMMUEncoding: EntryEncoding {
    let name = "toy-iommu"
    var supportsSoftDirty: Bool { true }
    var supportsUffdWP: Bool { true }
    var storableSwapFlags: SwapFlags { [.exclusive, .softDirty, .uffdWP, .young, .dirty] }
    /// Attribute bits 2–10, in `LeafAttributes.named`'s order but PROT_NONE and writable.
    static let attributeBits: [(LeafAttributes, UInt64)] = [(.user, 1 << 2), (.young, 1 << 3), (.dirty, 1 << 4), (.softDirty, 1 << 5),
                                                            (.special, 1 << 6), (.contiguous, 1 << 7), (.uffdWP, 1 << 8),
                                                            (.executable, 1 << 9)]
    static let pfnMask: UInt64 = (1 << 44) - 1

    func encode(_ entry: Entry, holdsTables: Bool, format: Format) -> UInt64 {
        switch entry {
        case .none: return 0
        case .table(let pfn): return pfn << 12 | 1 << 10 | 1
        case .hugepd(let pfn, let shift): return 1 << 62 | UInt64(shift) << 56 | pfn << 12 | 1 << 10 | 1
        case .leaf(let pfn, let attributes):
            var word = pfn << 12 | (attributes.contains(.protNone) ? 1 << 11 : 1)
            if attributes.contains(.writable) { word |= 0b10 }
            for (attribute, bit) in Self.attributeBits where attributes.contains(attribute) { word |= bit }
            return word
        case .nonPresent(let swap):
            return swap.offset << 12 | UInt64(swap.flags.rawValue) << 6 | UInt64(swap.kind.typeNumber) << 1 | (swap.kind == .swap(type: 0) ? 1 << 63 : 0)
        }
    }

    func decode(_ word: UInt64, holdsTables: Bool, address: UInt64, format: Format) -> Entry {
        let pfn = word >> 12 & Self.pfnMask
        if word & 1 == 1 {
            if word & 1 << 62 != 0 { return .hugepd(pfn: pfn, pageShift: Int(word >> 56 & 0x3f)) }
            if holdsTables && word & 1 << 10 != 0 { return .table(pfn: pfn) }
        }
        if word & 1 == 1 || word & 1 << 11 != 0 {
            var attributes: LeafAttributes = word & 1 == 0 ? [.protNone] : []
            if word & 0b10 != 0 { attributes.insert(.writable) }
            for (attribute, bit) in Self.attributeBits where word & bit != 0 { attributes.insert(attribute) }
            return .leaf(pfn: pfn, attributes: attributes)
        }
        return .nonPresent(SwapEntry(kind: SwapKind(typeNumber: UInt8(word >> 1 & 0x1f)), offset: word >> 12 & ((1 << 50) - 1),
                                     flags: SwapFlags(rawValue: UInt8(word >> 6 & 0x1f))))
    }
}

extension ExtensionTests {
    /// An encoding of one's own: a 3-level IOMMU format with it round-trips every kind of entry,
    /// every shipped design conforms on it and a mutant fails; an encoding that drops a bit is
    /// refused with the entry it mangles.
    @Test func customEncodingRunsUnderTheOracleUnchanged() throws {
        func level(_ level: Level, _ shift: Int, _ bits: Int, leaf: Bool, cont: Int = 1) -> LevelGeometry {
            LevelGeometry(level: level, shift: shift, indexBits: bits, allowsLeaf: leaf, contiguousEntries: cont, hugepdPageShift: nil)
        }
        let levels = [level(.pgd, 39, 0, leaf: false), level(.p4d, 39, 0, leaf: false), level(.pud, 30, 9, leaf: true),
                      level(.pmd, 21, 9, leaf: true), level(.pte, 12, 9, leaf: true, cont: 16)]
        let format = try Format(validating: "toy-iommu-3level", encoding: ToyIOMMUEncoding(), pageShift: 12, pfnBits: 40, levels: levels)
        #expect(format.architecture == .custom && format.supportsSoftDirty && format.hasContiguousEntries)
        var configuration = CampaignConfiguration(designs: shippedDesigns, formats: [format], cases: 40, seed: 4)
        configuration.corpusDirectory = nil
        let report = Campaign.run(configuration)
        #expect(report.cases == 40 && report.walks > 0)
        for pair in report.pairs { if let failure = pair.failure { Issue.record("\(failure.report(seed: 4))") } }

        var hunt = CampaignConfiguration(designs: MutantCatalog.designs.only("mutant-young-dirty-not-ored"), formats: [format], cases: 300, seed: 4)
        hunt.corpusDirectory = nil
        hunt.stopAtFirstFailure = true
        #expect(Campaign.run(hunt).pairs.contains { $0.failure != nil }, "a mutant survives on the custom encoding")

        struct DropsDirty: EntryEncoding {
            let name = "drops-dirty"
            func encode(_ entry: Entry, holdsTables: Bool, format: Format) -> UInt64 {
                guard case .leaf(let pfn, let attributes) = entry else { return ToyIOMMUEncoding().encode(entry, holdsTables: holdsTables, format: format) }
                return ToyIOMMUEncoding().encode(.leaf(pfn: pfn, attributes: attributes.subtracting(.dirty)), holdsTables: holdsTables, format: format)
            }
            func decode(_ word: UInt64, holdsTables: Bool, address: UInt64, format: Format) -> Entry {
                ToyIOMMUEncoding().decode(word, holdsTables: holdsTables, address: address, format: format)
            }
        }
        #expect(throws: PageTableError.self) {
            try Format(validating: "drops-dirty", encoding: DropsDirty(), pageShift: 12, pfnBits: 40, levels: levels)
        }
        #expect(throws: PageTableError.self) {
            try Format(validating: "custom-without", architecture: .custom, pageShift: 12, pfnBits: 40, levels: levels)
        }
    }
}

extension ExtensionTests {
    /// The helpers a walker author reuses are public: the translation of one address (refusing one
    /// past the top), and a PMD leaf found where it was mapped — on x86-64-4level a 2 MiB folio at
    /// 2 MiB is one PMD leaf spanning [2 MiB, 4 MiB) (PMD_SIZE, arch/x86/include/asm/pgtable_64_types.h).
    @Test func translationIsPublicAndRefusesPastTheTop() throws {
        var space = AddressSpace(format: .x86_64_4level)
        try space.apply(.map(address: 0x200000, source: .folio(kind: .anonymous, order: 9, firstPage: 0, pageCount: 512), writable: true,
                             shape: MapShape(leafLevel: .pmd)))
        let found = try space.translation(of: 0x201000)
        #expect(found.level == .pmd && found.span == AddressRange(start: 0x200000, end: 0x400000))
        guard case .leaf = found.entry else { Issue.record("expected a PMD leaf, found \(found.entry)"); return }
        #expect(throws: PageTableError.self) { try space.translation(of: 1 << 48) }
    }
}
