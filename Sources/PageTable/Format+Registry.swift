import Synchronization

extension Format {
    /// A format of one's own — an IOMMU's or a hypervisor's page table — with its geometry checked:
    /// five levels from the PGD down, each sitting on the one below, a real PTE level mapping
    /// base pages of 4 KiB to 64 KiB, a real level above it, at most 57 bits of address, a
    /// power-of-two contiguous block where a level has one, a hugepd page inside its directory's
    /// span, and pfns of 20 to 52 bits. Entries are encoded as `architecture` encodes them; the
    /// oracle, the model and the generator work on the format unchanged (as `pgtable-nopXd.h`
    /// folding lets Linux's generic walkers serve every architecture).
    public init(validating name: String, architecture: Architecture, pageShift: Int, pfnBits: Int,
                levels: [LevelGeometry]) throws(PageTableError) {
        guard architecture != .custom else {
            throw .unsupported("format \"\(name)\": an encoding of one's own is given as Format(validating:encoding:…)", format: name)
        }
        try Self.checkGeometry(name: name, pageShift: pageShift, pfnBits: pfnBits, levels: levels)
        self.init(name: name, architecture: architecture, pageShift: pageShift, pfnBits: pfnBits, levels: levels)
    }

    /// Refuses a geometry a format cannot have (see ``init(validating:architecture:pageShift:pfnBits:levels:)``).
    static func checkGeometry(name: String, pageShift: Int, pfnBits: Int, levels: [LevelGeometry]) throws(PageTableError) {
        func refuse(_ reason: String) -> PageTableError { .unsupported("format \"\(name)\": \(reason)", format: name) }
        guard !name.isEmpty, !name.contains(where: { $0 == " " || $0 == "," || $0 == "\n" }) else {
            throw refuse("a format's name is one word without commas")
        }
        guard levels.count == 5, levels.map(\.level) == Level.all else { throw refuse("a format lists all five levels, PGD first") }
        guard (12...16).contains(pageShift), levels[4].shift == pageShift, !levels[4].isFolded else {
            throw refuse("the PTE level is real and maps base pages of 4 KiB to 64 KiB (page shift 12 to 16)")
        }
        guard (20...52).contains(pfnBits) else { throw refuse("pfns have 20 to 52 bits") }
        for depth in 1..<5 where levels[depth - 1].shift != levels[depth].shift + levels[depth].indexBits {
            throw refuse("level \(levels[depth - 1].level) does not sit on \(levels[depth].level)")
        }
        guard levels.contains(where: { !$0.isFolded && $0.level != .pte }) else { throw refuse("a format has a real level above the PTE") }
        guard levels[0].shift + levels[0].indexBits <= 57, levels.allSatisfy({ $0.indexBits <= 16 }) else {
            throw refuse("at most 57 bits of address and 2^16 entries a table")
        }
        for geometry in levels {
            let count = geometry.contiguousEntries
            guard count >= 1, count & (count - 1) == 0, count <= 64, count == 1 || (!geometry.isFolded && geometry.allowsLeaf
                                                                                     && count <= geometry.entryCount) else {
                throw refuse("level \(geometry.level): a contiguous block is a power of two of up to 64 leaf entries of a real level")
            }
            if let shift = geometry.hugepdPageShift {
                guard geometry.level != .pte, !geometry.isFolded, (pageShift...geometry.shift).contains(shift) else {
                    throw refuse("level \(geometry.level): a hugepd page is at least a base page and at most the directory entry's span")
                }
            }
        }
    }

    /// The formats registered with ``register(_:)``, in registration order.
    public static var registered: [Format] { registry.withLock { $0 } }

    /// Makes `format` known by name beside the presets — to ``named(_:)``, and so to saved cases
    /// (`format NAME`) and the command line's `--format` — for the rest of the process. Registering
    /// the same format twice does nothing; another format under a taken name is refused.
    public static func register(_ format: Format) throws(PageTableError) {
        let clash: Bool = registry.withLock { formats in
            if let known = Format.all.first(where: { $0.name == format.name }) ?? formats.first(where: { $0.name == format.name }) {
                return known != format
            }
            formats.append(format)
            return false
        }
        if clash { throw .unsupported("format name \"\(format.name)\" is taken by another format", format: format.name) }
    }

    /// The registered formats, behind a lock: a campaign's workers look formats up by name.
    private static let registry = Mutex<[Format]>([])
}
