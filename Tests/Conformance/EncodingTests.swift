import Testing
import PageTable
import Generators

/// Entry words computed by hand from each architecture's bit layout, and encode/decode round trips.
@Suite struct EncodingTests {
    @Test func x86Words() {
        let f = Format.x86_64_4level
        let pte = Entry.leaf(pfn: 0x1234, attributes: [.writable, .user, .young, .dirty])
        // P|RW|US|A|D and NX (bit 63): pgtable_types.h, PAGE_SHARED = __PP|__RW|_USR|___A|__NX.
        #expect(f.encode(pte, at: .pte) == 0x8000_0000_0123_4067)
        #expect(f.encode(pte, at: .pmd) == 0x8000_0000_0123_40e7)  // + PSE
        // Executable: NX clear (PAGE_READONLY_EXEC has no __NX).
        #expect(f.encode(.leaf(pfn: 0x1234, attributes: [.user, .young, .executable]), at: .pte) == 0x123_4025)
        // uffd-wp: _PAGE_UFFD_WP = _PAGE_BIT_SOFTW2 = bit 10.
        #expect(f.encode(.leaf(pfn: 0x1234, attributes: [.user, .young, .uffdWP]), at: .pte) == 0x8000_0000_0123_4425)
        #expect(f.decode(0x8000_0000_0123_4425, at: .pte, address: 0) == .leaf(pfn: 0x1234, attributes: [.user, .young, .uffdWP]))
        // PROT_NONE: P clear, G (PROTNONE) set, pfn bits 12...51 stored inverted (L1TF).
        #expect(f.encode(.leaf(pfn: 0x1234, attributes: [.young, .protNone]), at: .pte) == 0xf_ffff_fedc_b120)
        #expect(f.decode(0xf_ffff_fedc_b120, at: .pte, address: 0) == .leaf(pfn: 0x1234, attributes: [.young, .protNone]))
        // Swap type 0 offset 5: ~offset in bits 9...58, type in 59...63.
        #expect(f.encode(.nonPresent(SwapEntry(kind: .swap(type: 0), offset: 5)), at: .pte) == 0x07ff_ffff_ffff_f400)
        #expect(f.encode(.nonPresent(.marker(.guardRegion)), at: .pte) == 0xffff_ffff_ffff_f600)
        #expect(f.encode(.table(pfn: 0x80), at: .pmd) == 0x8_0067)
        #expect(f.decode(0x8_0067, at: .pmd, address: 0) == .table(pfn: 0x80))
    }

    @Test func arm64Words() {
        let f = Format.arm64_4k
        // valid|page|AP[1] user|AP[2] rdonly (clean)|SH|AF|nG|DBM, and PXN|UXN (bits 53, 54): a user
        // page that is not executable (pgtable-prot.h, PAGE_SHARED = ...|PTE_PXN|PTE_UXN|PTE_WRITE).
        #expect(f.encode(.leaf(pfn: 0x1234, attributes: [.writable, .user, .young]), at: .pte) == 0x68_0000_0123_4fc3)
        // writable and dirty: AP[2] clear
        #expect(f.encode(.leaf(pfn: 0x1234, attributes: [.writable, .user, .young, .dirty]), at: .pte) == 0x68_0000_0123_4f43)
        // a block has bit 1 clear; contiguous sets bit 52
        #expect(f.encode(.leaf(pfn: 0x200, attributes: [.writable, .user, .young]), at: .pmd) == 0x68_0000_0020_0fc1)
        #expect(f.encode(.leaf(pfn: 0x200, attributes: [.user, .contiguous]), at: .pte) == 0x70_0000_0020_0bc3)
        #expect(f.decode(0x68_0000_0123_4f43, at: .pte, address: 0) == .leaf(pfn: 0x1234, attributes: [.writable, .user, .young, .dirty]))
        #expect(f.decode(0x68_0000_0123_4fc3, at: .pte, address: 0) == .leaf(pfn: 0x1234, attributes: [.writable, .user, .young]))
        // Executable: UXN clear, PXN still set (PAGE_READONLY_EXEC = ...|PTE_RDONLY|PTE_NG|PTE_PXN).
        #expect(f.encode(.leaf(pfn: 0x1234, attributes: [.user, .young, .executable]), at: .pte) == 0x20_0000_0123_4fc3)
        #expect(f.decode(0x20_0000_0123_4fc3, at: .pte, address: 0) == .leaf(pfn: 0x1234, attributes: [.user, .young, .executable]))
        // uffd-wp: PTE_UFFD_WP, bit 58 (pgtable-prot.h).
        #expect(f.encode(.leaf(pfn: 0x1234, attributes: [.user, .young, .uffdWP]), at: .pte) == 0x460_0000_0123_4fc3)  // not writable: no DBM
        // read-only dirty: software PTE_DIRTY (bit 55)
        #expect(f.decode(0xe0_0000_0123_4bc3, at: .pte, address: 0) == .leaf(pfn: 0x1234, attributes: [.user, .dirty]))
        // PROT_NONE: valid clear, PTE_PRESENT_INVALID (bit 11) set; PAGE_NONE has PXN and UXN too
        #expect(f.decode(0x123_4b82, at: .pte, address: 0) == .leaf(pfn: 0x1234, attributes: [.protNone]))
        #expect(f.encode(.leaf(pfn: 0x1234, attributes: [.protNone]), at: .pte) == 0x60_0000_0123_4b82)
        // swap: type in 6...10, offset from 12, exclusive bit 2
        #expect(f.encode(.nonPresent(SwapEntry(kind: .swap(type: 1), offset: 7, flags: .exclusive)), at: .pte) == 0x7044)
        #expect(f.encode(.table(pfn: 0x80), at: .pud) == 0x8_0003)
        // 64K granule: the address field holds pfn << 16
        #expect(Format.arm64_64k.encode(.table(pfn: 0x80), at: .pmd) == 0x80_0003)
    }

    @Test func riscvWords() {
        let f = Format.riscv_sv39
        // V|R|W|U|A|D, PPN from bit 10
        #expect(f.encode(.leaf(pfn: 0x1234, attributes: [.writable, .user, .young, .dirty]), at: .pte) == 0x48_d0d7)
        // Svnapot: every entry of the block stores base | 0b1000 and N; the pfn comes from the address.
        let napot: UInt64 = 1 << 63 | 0x108 << 10 | 0x53  // N | ppn | V|R|U|A
        #expect(f.encode(.leaf(pfn: 0x105, attributes: [.user, .young, .contiguous]), at: .pte) == napot)
        #expect(f.decode(napot, at: .pte, address: 0x1_5000) == .leaf(pfn: 0x105, attributes: [.user, .young, .contiguous]))
        #expect(f.decode(napot, at: .pte, address: 0x1_0000) == .leaf(pfn: 0x100, attributes: [.user, .young, .contiguous]))
        // a valid entry without R, W or X is a table at any level
        #expect(f.decode(0x80 << 10 | 1, at: .pgd, address: 0) == .table(pfn: 0x80))
        #expect(f.decode(0x200 << 10 | 0x43, at: .pgd, address: 0) == .leaf(pfn: 0x200, attributes: [.young]))
    }

    @Test func powerpcWords() {
        let f = Format.powerpc_hugepd
        #expect(f.encode(.leaf(pfn: 0x1234, attributes: [.writable, .user, .young, .dirty]), at: .pte) == 0xc000_0000_0123_4186)
        // hugepd pointer: present, no _PAGE_PTE, page shift in the low six bits
        #expect(f.encode(.hugepd(pfn: 0x8000_0000, pageShift: 16), at: .pmd) == 0x8000_0800_0000_0010)
        #expect(f.decode(0x8000_0800_0000_0010, at: .pmd, address: 0) == .hugepd(pfn: 0x8000_0000, pageShift: 16))
        #expect(f.decode(0x8000_0800_0000_0000, at: .pmd, address: 0) == .table(pfn: 0x8000_0000))
        // PROT_NONE: present leaf with no R, W or X (and privileged)
        #expect(f.decode(0xc000_0000_0123_4108, at: .pte, address: 0) == .leaf(pfn: 0x1234, attributes: [.young, .protNone]))
    }

    /// Random canonical entries of every kind survive encode then decode on every format and level.
    @Test(arguments: Format.all)
    func roundTrip(format: Format) {
        var random = SplitMix64(seed: 0x5eed ^ UInt64(format.name.utf8.count))
        let allAttributes: [LeafAttributes] = [.writable, .user, .young, .dirty, .softDirty, .special, .uffdWP, .executable]
        for geometry in format.levels where !geometry.isFolded {
            let places: [Bool] = geometry.hugepdPageShift == nil ? [false] : [false, true]
            for inHugepd in places {
                for _ in 0..<200 {
                    let entry = randomEntry(&random, format: format, geometry: geometry, inHugepd: inHugepd, attributes: allAttributes)
                    let word = format.encode(entry, at: geometry.level, inHugepd: inHugepd)
                    #expect(word != 0, "\(entry) encodes as none at \(geometry.level)")
                    let decoded = format.decode(word, at: geometry.level, inHugepd: inHugepd, address: 0)
                    #expect(decoded == entry, "\(format) \(geometry.level)\(inHugepd ? " hugepd" : ""): \(entry) -> 0x\(String(word, radix: 16)) -> \(decoded)")
                }
            }
        }
    }

    private func randomEntry(_ random: inout SplitMix64, format: Format, geometry: LevelGeometry, inHugepd: Bool,
                             attributes all: [LeafAttributes]) -> Entry {
        let leafHere = inHugepd || geometry.allowsLeaf
        let pfn = (random.next() % (1 << 24) + 1) << 4
        switch random.next() % 4 {
        case 0 where geometry.level != .pte && !inHugepd:
            return .table(pfn: pfn)
        case 1 where leafHere || geometry.level == .pte:
            var attributes = LeafAttributes(all.filter { _ in random.next() % 2 == 0 })
            if random.next() % 4 == 0 { attributes.subtract([.writable, .user, .executable]); attributes.insert(.protNone) }
            return .leaf(pfn: pfn, attributes: attributes.intersection(format.storableAttributes))
        default:
            let kinds: [SwapKind] = [.swap(type: 3), .hwpoison, .migrationRead, .migrationReadExclusive, .migrationWrite,
                                     .deviceWrite, .deviceRead, .deviceExclusive]
            let kind = kinds[Int(random.next() % UInt64(kinds.count))]
            var flags = SwapFlags(rawValue: UInt8(random.next() % 32)).intersection(format.storableSwapFlags)
            if !kind.isMigration { flags.subtract([.young, .dirty]) }
            if random.next() % 5 == 0 { return .nonPresent(.marker(MarkerBits(rawValue: random.next() % 7 + 1))) }
            return .nonPresent(SwapEntry(kind: kind, offset: pfn, flags: flags))
        }
    }
}

/// The word patterns the batched walker compares: consecutive pages differing only in ignored bits
/// match, a respected difference or a non-consecutive frame does not.
@Suite struct BatchPatternTests {
    @Test(arguments: [Format.x86_64_4level, .arm64_4k, .riscv_sv39, .powerpc_hugepd])
    func patternMatchesExactlyTheIgnoredDifferences(format: Format) throws {
        let all: [LeafAttributes] = [.young, .dirty, .softDirty, .writable]
        var random = SplitMix64(seed: 8)
        for ignoredBits in 0..<16 {
            let ignored = LeafAttributes(all.enumerated().filter { ignoredBits & (1 << $0.offset) != 0 }.map(\.element))
            guard let pattern = format.batchPattern(ignoring: ignored) else {
                #expect(format.architecture == .arm64 && ignored.contains(.writable) && !ignored.contains(.dirty))
                continue
            }
            for _ in 0..<100 {
                let base = LeafAttributes(all.filter { _ in random.next() % 2 == 0 }).union(.user).intersection(format.storableAttributes)
                let pfn = random.next() % (1 << 20) + 16
                var other = base
                let flipped = all[Int(random.next() % 4)]
                if other.contains(flipped) { other.remove(flipped) } else { other.insert(flipped) }
                other = other.intersection(format.storableAttributes)
                let first = format.encode(.leaf(pfn: pfn, attributes: base), at: .pte)
                let next = format.encode(.leaf(pfn: pfn + 1, attributes: other), at: .pte)
                let matches = next & pattern.mask == (first & pattern.mask) &+ pattern.stride
                #expect(matches == (other.subtracting(ignored).isSubset(of: base) && base.subtracting(ignored).isSubset(of: other)),
                        "\(format) ignoring \(ignored): \(base) then \(other)")
                let gap = format.encode(.leaf(pfn: pfn + 2, attributes: base), at: .pte)
                #expect(gap & pattern.mask != (first & pattern.mask) &+ pattern.stride)
            }
        }
    }

    /// `pte_pfn()`'s field: a plain present leaf's frame is its field's bits shifted down, and any
    /// change inside the field keeps the decoded attributes (what lets the batched walker start a
    /// batch from the last one's word without a decode). Words are built by the encoder, then
    /// changed inside the field at random, up to its top bit.
    @Test(arguments: [Format.x86_64_4level, .arm64_4k, .arm64_64k, .riscv_sv39, .powerpc_hugepd])
    func frameFieldHoldsThePFNAndNothingElse(format: Format) {
        let field = format.pteFrameField
        let shift = UInt64(field.trailingZeroBitCount)
        let all: [LeafAttributes] = [.young, .dirty, .softDirty, .writable, .user, .executable, .special, .uffdWP]
        var random = SplitMix64(seed: 0xf1e1d)
        for _ in 0..<400 {
            let attributes = LeafAttributes(all.filter { _ in random.next() % 2 == 0 }).intersection(format.storableAttributes)
            let pfn = random.next() & (field >> shift)
            let word = format.encode(.leaf(pfn: pfn, attributes: attributes), at: .pte)
            #expect((word & field) >> shift == pfn, "\(format): pfn \(pfn) encoded outside the field")
            let moved = word ^ (random.next() & field)
            #expect(format.decode(moved, at: .pte, address: 0) == .leaf(pfn: (moved & field) >> shift, attributes: attributes),
                    "\(format): \(attributes), word \(String(word, radix: 16)) → \(String(moved, radix: 16))")
        }
    }
}
