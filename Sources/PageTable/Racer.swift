/// A change another thread makes while a walker holds `mmap_lock` for read: what a racing walk is
/// raced by. Each is a model operation (or the MMU's) restricted to what Linux lets run beside a
/// reader, with the lock its writer takes (SEMANTICS.md, "Racing walks").
public enum Racer: Hashable, Sendable, CustomStringConvertible {
    /// `MADV_DONTNEED` (`zap_page_range_single()` with PT_RECLAIM): clears the range under each PTE
    /// table's lock, then frees every PTE table the range covers whole and left empty (`mm/pt_reclaim.c`,
    /// PMD lock + PTE lock, the table RCU-freed).
    case zap(AddressRange)
    /// khugepaged's `retract_page_tables()`/`collapse_pte_mapped_thp()`: the PTE table under the PMD
    /// slot holding the address replaced by a PMD leaf, when one file folio maps all of it (PMD lock
    /// + PTE lock, the table freed with `pte_free_defer()`). Anonymous collapse takes `mmap_lock` for
    /// write, so it never races a reader: then nothing happens.
    case collapse(UInt64)
    /// `split_huge_pmd()` (PMD lock) or a contiguous block's unfold (`contpte_convert()`, PTE lock):
    /// the unit holding the address split one step.
    case split(UInt64)
    /// `try_to_unmap_one()` (PTE lock): present pages become swap entries (file pages dropped).
    case swapOut(AddressRange)
    /// `try_to_migrate_one()` (PTE lock): present pages become migration entries.
    case startMigration(AddressRange)
    /// `remove_migration_pte()` (PTE lock): migration entries become present again.
    case finishMigration(AddressRange)
    /// `folio_referenced_one()` → `ptep_clear_flush_young()` (PTE lock): young cleared.
    case age(AddressRange)
    /// The MMU's access (no lock, at any time): young set on the one entry translating the address,
    /// and dirty too on a write to a writable entry; on arm64 only that entry of a contiguous block.
    case access(UInt64, write: Bool)

    /// The addresses whose PTE tables the writer must lock; nil for the MMU, which takes no lock.
    /// A racer waits while the walker holds the lock of a PTE table mapping any of them.
    public func lockedSpan(in format: Format) -> AddressRange? {
        switch self {
        case .zap(let range), .swapOut(let range), .startMigration(let range), .finishMigration(let range), .age(let range):
            return range
        case .collapse(let address), .split(let address):
            let size = format.geometry(.pmd).entrySize
            return AddressRange(start: Format.alignDown(address, size), end: Format.alignDown(address, size) + size)
        case .access:
            return nil
        }
    }

    /// Whether it is the MMU's young/dirty update.
    public var isHardware: Bool { if case .access = self { true } else { false } }

    /// The racer's corpus spelling, after `race N`.
    public var description: String {
        switch self {
        case .zap(let range): "zap \(range.corpusText)"
        case .collapse(let address): "collapse 0x\(String(address, radix: 16))"
        case .split(let address): "split 0x\(String(address, radix: 16))"
        case .swapOut(let range): "swap-out \(range.corpusText)"
        case .startMigration(let range): "start-migration \(range.corpusText)"
        case .finishMigration(let range): "finish-migration \(range.corpusText)"
        case .age(let range): "age \(range.corpusText)"
        case .access(let address, let write): "access 0x\(String(address, radix: 16)) \(write ? "write" : "read")"
        }
    }

    /// Checks the racer's arguments against `format`, as ``Operation/validate(for:)`` does.
    public func validate(for format: Format) throws(PageTableError) {
        switch self {
        case .zap(let range), .swapOut(let range), .startMigration(let range), .finishMigration(let range), .age(let range):
            _ = try range.validated(for: format)
        case .collapse(let address), .split(let address), .access(let address, _):
            guard address < format.top else { throw .pastTop(address, top: format.top, format: format.name) }
        }
    }
}

/// One racer of a race schedule: it runs after the walker's `point`-th scheduling point (a table
/// read, a re-check, a map or unmap, a lock or unlock), or, anchored at the walker's `lock`-th PTE
/// lock or map, `point` points after the moment just before it (0: between the walker's read of
/// the PMD and the lock's re-check of it, the window a retry exists for). When it needs a PTE lock
/// the walker holds, it runs as soon as the walker drops it.
public struct RaceStep: Hashable, Sendable, CustomStringConvertible {
    /// How many scheduling points of the walk come before the racer (at least 1); for an anchored
    /// step, how many come after the anchor (at least 0).
    public var point: Int
    /// The change.
    public var racer: Racer
    /// The PTE lock or map (1 for the walk's first) the step is anchored at, or nil.
    public var lock: Int?

    /// Creates a step after the walk's `point`-th scheduling point.
    public init(point: Int, racer: Racer) {
        self.point = point
        self.racer = racer
    }

    /// Creates a step `offset` points after the moment before the walk's `lock`-th PTE lock or map.
    public init(lock: Int, offset: Int, racer: Racer) {
        self.point = offset
        self.racer = racer
        self.lock = lock
    }

    /// `race N racer` or `race lock K D racer`, its corpus line.
    public var description: String {
        if let lock { "race lock \(lock) \(point) \(racer)" } else { "race \(point) \(racer)" }
    }
}

extension AddressRange {
    /// `0xSTART 0xEND`, as corpus lines write a range.
    public var corpusText: String { "0x\(String(start, radix: 16)) 0x\(String(end, radix: 16))" }
}
