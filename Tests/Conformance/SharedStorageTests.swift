import Testing
import PageTable
import Oracle
import Implementations

/// `Format` and `PhysicalMemory` hold their parts by reference (a walk's copy is one retain), and
/// readers give the space's format, VMAs and memory without copying the space. They must still
/// behave as values: a copy never sees a later change to the original, equality and hashing look
/// at the parts, and what a reader gives is what its space holds.
@Suite struct SharedStorageTests {
    /// A copy of a memory keeps what it had when the original allocates, takes the huge zero
    /// folio or special frames, and allocates next what the original allocated.
    @Test func memoryCopiesDoNotShareWrites() throws {
        var original = PhysicalMemory()
        let first = original.allocateFolio(order: 2, kind: .anonymous)
        try #require(first != nil)
        let copy = original
        #expect(copy == original)
        #expect(copy.hashValue == original.hashValue)

        let allocated = original.allocateFolio(order: 4, kind: .file)
        let folio = try #require(allocated)
        let hugeZero = original.hugeZero(order: 9)
        let special = original.allocateSpecial(count: 3)
        try #require(hugeZero != nil && special != nil)
        #expect(original.folios.count == 4)
        #expect(copy.folios.count == 2, "the copy saw the original's allocations")
        #expect(copy.hugeZeroFolio == nil)
        #expect(copy != original)

        // The copy allocates on from where it was, as the original did then.
        var copied = copy
        let allocatedAgain = copied.allocateFolio(order: 4, kind: .file)
        let again = try #require(allocatedAgain)
        #expect(again.pfn == folio.pfn && again.id == folio.id)
        #expect(original.folios.count == 4, "the original saw the copy's allocation")
    }

    /// Two memories built apart by the same steps are equal and hash alike.
    @Test func memoriesBuiltApartAreEqual() throws {
        func build() throws -> PhysicalMemory {
            var memory = PhysicalMemory()
            let small = memory.allocateFolio(order: 0, kind: .anonymous)
            let large = memory.allocateFolio(order: 3, kind: .anonymous)
            try #require(small != nil && large != nil)
            return memory
        }
        let first = try build(), second = try build()
        #expect(first == second)
        #expect(first.hashValue == second.hashValue)
    }

    /// A format made again from the same parts equals the preset and hashes alike; one part
    /// changed makes it differ.
    @Test func formatsCompareByTheirParts() {
        let preset = Format.x86_64_4level
        let same = Format(name: preset.name, architecture: preset.architecture, pageShift: preset.pageShift,
                          pfnBits: preset.pfnBits, levels: preset.levels)
        #expect(same == preset)
        #expect(same.hashValue == preset.hashValue)
        #expect(Set([same, preset]).count == 1)
        let renamed = Format(name: "x86-64-other", architecture: preset.architecture, pageShift: preset.pageShift,
                             pfnBits: preset.pfnBits, levels: preset.levels)
        #expect(renamed != preset)
        let narrower = Format(name: preset.name, architecture: preset.architecture, pageShift: preset.pageShift,
                              pfnBits: preset.pfnBits - 1, levels: preset.levels)
        #expect(narrower != preset)
        #expect(preset != .arm64_4k)
    }

    /// What each reader gives for the space's format, VMAs and memory is what the space holds.
    @Test func readersGiveTheSpacesParts() throws {
        let space = try built(.arm64_4k, [.mmap(AddressRange(start: 1.MiB, end: 2.MiB), VMASpec(flags: [.read, .write])),
                                          mapFolio(1.MiB, order: 4)]).space
        let direct = DirectReader(space)
        let counting = CountingReader(direct)
        for (format, vmas, memory) in [(direct.format, direct.vmas, direct.memory),
                                       (counting.format, counting.vmas, counting.memory)] {
            #expect(format == space.format)
            #expect(vmas == space.vmas)
            #expect(vmas != nil)
            #expect(memory == space.memory)
        }
    }
}
