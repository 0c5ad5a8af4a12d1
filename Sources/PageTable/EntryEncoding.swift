/// An entry encoding of one's own — an IOMMU's or a hypervisor's page-table entries — for a
/// ``Format`` built with ``Format/init(validating:encoding:pageShift:pfnBits:levels:)``: the role
/// the `pte_*()`/`pmd_*()` helpers of `arch/*/include/asm/pgtable.h` play for an architecture.
///
/// It must store every kind of ``Entry`` the model writes (tables, hugepd directories where the
/// geometry has them, leaves with their attributes, PROT_NONE leaves, and non-present entries of
/// every ``SwapKind`` with their offset and flags), give every one a non-zero word (0 is none),
/// and decode what it encodes; the format's constructor checks that on a set of entries and
/// refuses an encoding that does not round-trip. Attributes and flags it has no bit for are
/// dropped on encoding (as arm64 drops soft-dirty).
public protocol EntryEncoding: Sendable {
    /// The encoding's name, for reports.
    var name: String { get }
    /// The entry a non-zero `word` holds: in a slot whose entries may point to tables
    /// (`holdsTables`, a directory slot outside hugepd tables) or not, mapping `address`.
    func decode(_ word: UInt64, holdsTables: Bool, address: UInt64, format: Format) -> Entry
    /// The word that holds `entry` (never ``Entry/none``) in such a slot.
    func encode(_ entry: Entry, holdsTables: Bool, format: Format) -> UInt64
    /// Whether present and marker entries have a uffd-wp bit (false by default).
    var supportsUffdWP: Bool { get }
    /// Whether entries have a soft-dirty bit (false by default).
    var supportsSoftDirty: Bool { get }
    /// The swap flags a non-present entry keeps (`exclusive` by default).
    var storableSwapFlags: SwapFlags { get }
}

extension EntryEncoding {
    /// No uffd-wp bit.
    public var supportsUffdWP: Bool { false }
    /// No soft-dirty bit.
    public var supportsSoftDirty: Bool { false }
    /// Only the exclusive flag.
    public var storableSwapFlags: SwapFlags { [.exclusive] }
}

/// A format's encoding of its own, held by reference (one word in every ``Format`` copy) and
/// compared by name and type.
public final class CustomEncoding: Hashable, Sendable {
    /// The encoding.
    public let encoding: any EntryEncoding

    init(_ encoding: any EntryEncoding) { self.encoding = encoding }

    /// Two are equal when they are the same type under the same name.
    public static func == (lhs: CustomEncoding, rhs: CustomEncoding) -> Bool {
        ObjectIdentifier(type(of: lhs.encoding)) == ObjectIdentifier(type(of: rhs.encoding)) && lhs.encoding.name == rhs.encoding.name
    }

    /// Hashes the name.
    public func hash(into hasher: inout Hasher) { hasher.combine(encoding.name) }
}

extension Format {
    /// A format of one's own with an entry encoding of one's own: its geometry checked as
    /// ``init(validating:architecture:pageShift:pfnBits:levels:)`` checks it, then its encoding on
    /// every kind of entry (tables, hugepd directories, leaves with each attribute it stores and
    /// the smallest and largest pfns, PROT_NONE leaves, non-present entries of every kind with
    /// each flag it stores): each must encode to a non-zero word and decode to itself.
    public init(validating name: String, encoding: some EntryEncoding, pageShift: Int, pfnBits: Int,
                levels: [LevelGeometry]) throws(PageTableError) {
        try Self.checkGeometry(name: name, pageShift: pageShift, pfnBits: pfnBits, levels: levels)
        self.init(name: name, architecture: .custom, pageShift: pageShift, pfnBits: pfnBits, levels: levels,
                  customEncoding: CustomEncoding(encoding))
        try checkEncodingRoundTrips()
    }

    /// Encodes and decodes a sample of every kind of entry, refusing the first that does not
    /// come back as it went in (a programming error in the encoding, reported by name).
    func checkEncodingRoundTrips() throws(PageTableError) {
        let maxPFN: UInt64 = (1 << UInt64(pfnBits)) - 1
        var attributeSets: [LeafAttributes] = [[], [.user], [.writable, .user, .young, .dirty]]
        for (attribute, _) in LeafAttributes.named where storableAttributes.contains(attribute) && attribute != .protNone {
            attributeSets.append([.user, attribute])
        }
        var samples: [(Entry, Level, Bool)] = []
        for geometry in levels where !geometry.isFolded {
            let level = geometry.level
            if level != .pte { samples.append((.table(pfn: 0x1234 & maxPFN), level, false)) }
            if let shift = geometry.hugepdPageShift {
                samples.append((.hugepd(pfn: 0x2345 & maxPFN, pageShift: shift), level, false))
                samples.append((.leaf(pfn: 0x400 & maxPFN, attributes: [.writable, .user, .young]), level, true))
            }
            guard geometry.allowsLeaf else { continue }
            let pages = UInt64(1) << UInt64(geometry.shift - pageShift)
            for pfn in [0, maxPFN & ~(pages - 1)] {
                for attributes in attributeSets {
                    var stored = attributes
                    if stored.contains(.contiguous) && geometry.contiguousEntries <= 1 { stored.remove(.contiguous) }
                    samples.append((.leaf(pfn: pfn, attributes: stored), level, false))
                }
            }
            samples.append((.leaf(pfn: 0x10 * pages & maxPFN, attributes: [.protNone, .user]), level, false))
        }
        let kinds: [SwapKind] = [.swap(type: 0), .swap(type: 3), .hwpoison, .migrationRead, .migrationReadExclusive, .migrationWrite,
                                 .deviceWrite, .deviceRead, .deviceExclusive]
        let flagSets: [SwapFlags] = [[], storableSwapFlags] + SwapFlags.named.map(\.0).filter { storableSwapFlags.contains($0) }
        for kind in kinds {
            for flags in flagSets {
                let kept = kind.isMigration ? flags : flags.subtracting([.young, .dirty])
                samples.append((.nonPresent(SwapEntry(kind: kind, offset: 0x1234 & maxPFN, flags: kept)), .pte, false))
            }
        }
        samples.append((.nonPresent(.marker(.poisoned)), .pte, false))
        if supportsUffdWP { samples.append((.nonPresent(.marker(.uffdWP)), .pte, false)) }
        for (entry, level, inHugepd) in samples {
            let word = encode(entry, at: level, inHugepd: inHugepd)
            let decoded = word == 0 ? Entry.none : decode(word, at: level, inHugepd: inHugepd, address: 0)
            guard word != 0, decoded == entry else {
                throw .unsupported("format \"\(name)\": encoding \(customEncoding?.encoding.name ?? "?") stores \(entry) at \(level)"
                                   + "\(inHugepd ? " in a hugepd table" : "") as 0x\(String(word, radix: 16)), which decodes to \(decoded)",
                                   format: name)
            }
        }
    }
}
