import Testing
import PageTable
import Oracle
import Implementations

/// Folios back to back in frame order, which the batched walker takes as one chain: the memory's
/// answer to whether they are, and a walk where the PTEs run on through frames no folio holds.
@Suite struct FolioChainTests {
    /// Folios of order 4, 0 and 4 allocated in turn: the second starts where the first ends, the
    /// third is aligned up, leaving 15 frames no folio holds between it and the second.
    static let gapped = [mapFolio(1.MiB, order: 4), mapFolio(1.MiB + 64.KiB, order: 0), mapFolio(1.MiB + 128.KiB, order: 4)]

    @Test func backToBackFollowsTheFrames() throws {
        let memory = try built(.x86_64_4level, Self.gapped).space.memory
        let (zero, first, second, third) = (FolioID(rawValue: 0), FolioID(rawValue: 1), FolioID(rawValue: 2), FolioID(rawValue: 3))
        #expect(memory.folios[2].pfn == memory.folios[1].endPFN)
        #expect(memory.folios[3].pfn == memory.folios[2].endPFN + 15)
        #expect(memory.liesBackToBack(from: first, through: first))
        #expect(memory.liesBackToBack(from: first, through: second))
        #expect(memory.liesBackToBack(from: third, through: third))
        #expect(!memory.liesBackToBack(from: second, through: third))
        #expect(!memory.liesBackToBack(from: first, through: third))
        #expect(!memory.liesBackToBack(from: second, through: first), "backwards")
        #expect(!memory.liesBackToBack(from: zero, through: zero), "the zero page chains with nothing")
        #expect(!memory.liesBackToBack(from: zero, through: first))
        #expect(!memory.liesBackToBack(from: first, through: FolioID(rawValue: 4)), "past the last folio")
        #expect(!memory.liesBackToBack(from: FolioID(rawValue: -1), through: first), "before the first folio")
    }

    /// The PTEs between the second folio and the third are written to map the 15 frames no folio
    /// holds, so one word pattern runs from the first folio's first page to the third's last,
    /// though the back-to-back run ends with the second folio. Every
    /// folio design, counted and read directly, must still give the oracle's runs: the first two
    /// folios, nothing for the frames no folio holds, then the third folio from its page 0.
    @Test func aChainDoesNotRunThroughFramesNoFolioHolds() throws {
        var space = try built(.x86_64_4level, Self.gapped).space
        let table = try #require(space.tables.liveTables.last { space.tables.descriptor($0).level == .pte })
        let firstIndex = space.format.index(of: 1.MiB, at: .pte)
        let firstWord = space.tables.word(SlotRef(table: table, index: firstIndex))
        let stride = try #require(space.format.batchPattern(ignoring: FolioWalkFlags.batchDefault.ignoredAttributes)).stride
        for page in 17..<32 {
            space._corruptWord(SlotRef(table: table, index: firstIndex + page), firstWord &+ UInt64(page) &* stride)
        }
        let range = span(1.MiB, 1.MiB + 192.KiB)
        let expected = try ReferenceWalk.folios(in: space, range: range)
        #expect(expected.map(\.range) == [span(1.MiB, 1.MiB + 64.KiB), span(1.MiB + 64.KiB, 1.MiB + 68.KiB),
                                          span(1.MiB + 128.KiB, 1.MiB + 192.KiB)])
        #expect(expected.map(\.firstPage) == [0, 0, 0])
        for design in Designs.folioWalkers {
            #expect(try design.folios(in: space, range: range) == expected, "\(design.name), read directly")
            if let failure = Conformance.check(design, in: space, range: range, flags: .batchDefault) {
                Issue.record("\(design.name): \(failure)")
            }
        }
    }
}
