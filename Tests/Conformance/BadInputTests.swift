import Testing
import PageTable
import Oracle

/// Bad arguments get a typed error that names what was wrong, and change nothing.
@Suite struct BadInputTests {
    static let cases: [(Format, Operation, PageTableError)] = [
        (.x86_64_4level, .unmap(span(0x1001, 0x3000)), .unalignedAddress(0x1001, alignment: 0x1000, role: "range start")),
        (.x86_64_4level, .unmap(span(0x3000, 0x3000)), .emptyRange(span(0x3000, 0x3000))),
        (.x86_64_4level, .unmap(span(0x4000, 0x3000)), .emptyRange(span(0x4000, 0x3000))),
        (.x86_64_4level, .age(span(0, (1 << 48) + 0x1000)), .pastTop((1 << 48) + 0x1000, top: 1 << 48, format: "x86-64-4level")),
        (.x86_64_4level, .split(1 << 48), .pastTop(1 << 48, top: 1 << 48, format: "x86-64-4level")),
        (.x86_64_4level, .collapse(0, level: .pte), .levelNotInFormat(.pte, format: "x86-64-4level", need: "hold a collapsed leaf")),
        (.powerpc_hugepd, .collapse(0, level: .pmd), .levelNotInFormat(.pmd, format: "ppc64-hugepd", need: "hold a collapsed leaf")),
        (.x86_64_4level, mapFolio(0, order: 0, leaf: .p4d), .levelNotInFormat(.p4d, format: "x86-64-4level", need: "hold a leaf")),
        (.x86_64_4level, mapFolio(0, order: 0, contiguous: true), .unsupported("contiguous entries", format: "x86-64-4level")),
        (.arm64_4k, mapFolio(0, order: 0, hugepd: true), .unsupported("hugepd directories", format: "arm64-4k")),
        (.tiny, mapFolio(0, order: 4), .badFolio("order 4 exceeds tiny's largest leaf (order 3)")),
        (.tiny, .map(address: 0, source: .folio(kind: .anonymous, order: 2, firstPage: 3, pageCount: 2), writable: true, shape: MapShape()),
         .badFolio("pages 3..<5 lie outside an order-2 folio")),
        (.tiny, .map(address: 252.KiB, source: .zeroPage(pageCount: 2), writable: false, shape: MapShape()),
         .pastTop(260.KiB, top: 256.KiB, format: "tiny")),
        (.tiny, .move(span(0, 8.KiB), to: 252.KiB), .pastTop(260.KiB, top: 256.KiB, format: "tiny")),
        (.tiny, .move(span(0, 8.KiB), to: 0x800), .unalignedAddress(0x800, alignment: 0x1000, role: "move destination")),
        // VMA requests: flags that do not go together, a flag the format lacks, a misaligned range,
        // and the first mmap of a space whose page 0 is mapped without a VMA (it would lie outside).
        (.tiny, .mmap(span(0, 8.KiB), VMASpec(flags: [.read, .pfnmap, .mixedmap])), .badVMA("pfnmap and mixedmap together")),
        (.tiny, .mmap(span(0, 8.KiB), VMASpec(flags: [.hugepage, .noHugepage])), .badVMA("hugepage and nohugepage together")),
        (.riscv_sv39, .mmap(span(0, 8.KiB), VMASpec(flags: [.read, .uffdWP])), .unsupported("uffd-wp entries", format: "riscv-sv39")),
        (.riscv_sv39, .madvise(span(0, 8.KiB), .uffdRegister), .unsupported("uffd-wp entries", format: "riscv-sv39")),
        (.tiny, .mprotect(span(0x800, 8.KiB), .readOnly), .unalignedAddress(0x800, alignment: 0x1000, role: "range start")),
        (.tiny, .mmap(span(8.KiB, 16.KiB), VMASpec(flags: [.read])),
         .outsideVMA(span(8.KiB, 16.KiB), need: "an mmap in a space whose mappings have no VMA")),
    ]

    @Test(arguments: cases.indices)
    func operationIsRefusedAndNothingChanges(index: Int) throws {
        let (format, operation, expected) = Self.cases[index]
        var checked = try built(format, [mapFolio(0, order: 0)])
        let before = checked
        #expect(throws: expected) { _ = try checked.apply(operation) }
        #expect(checked.space == before.space && checked.model == before.model)
        #expect(!expected.description.isEmpty)
    }

    @Test func walksRefuseBadRanges() throws {
        let space = AddressSpace(format: .x86_64_4level)
        #expect(throws: PageTableError.emptyRange(span(0x2000, 0x1000))) { try ReferenceWalk.entries(in: space, range: span(0x2000, 0x1000)) }
        #expect(throws: PageTableError.unalignedAddress(0x10, alignment: 0x1000, role: "range end")) {
            try ReferenceWalk.folios(in: space, range: span(0, 0x10))
        }
        #expect(throws: PageTableError.pastTop(1 << 48, top: 1 << 48, format: "x86-64-4level")) {
            try ReferenceWalk.lookup(in: space, address: 1 << 48)
        }
    }

    @Test func errorMessagesSayWhatWasWrong() {
        #expect(PageTableError.unalignedAddress(0x1001, alignment: 0x1000, role: "range start").description
                == "range start 0x1001 is not aligned to 0x1000")
        #expect(PageTableError.emptyRange(span(3, 3)).description == "range [0x3, 0x3) is empty: its start must be below its end")
    }
}
