/// What a non-present entry stands for: a swap slot or one of the special swap types Linux reserves.
///
/// The type numbers are those of `include/linux/swap.h` in v6.18, with 5 type bits and every option
/// on (device private, migration, memory failure, PTE markers): three device types since v6.15
/// merged the two device-exclusive ones, so `MAX_SWAPFILES` = 32 - 3 - 3 - 1 - 1 = 24 swap files,
/// then hwpoison 24, migration 25-27, device 28-30 and the marker 31.
public enum SwapKind: Hashable, Sendable, CustomStringConvertible {
    /// A page in swap file `type` (0...23) at the entry's offset.
    case swap(type: UInt8)
    /// A hardware-poisoned page (`SWP_HWPOISON`); the offset is its pfn.
    case hwpoison
    /// A page under migration, mapped read-only (`SWP_MIGRATION_READ`); the offset is its pfn.
    case migrationRead
    /// An exclusive anonymous page under migration, mapped read-only (`SWP_MIGRATION_READ_EXCLUSIVE`).
    case migrationReadExclusive
    /// A page under migration, mapped writable (`SWP_MIGRATION_WRITE`).
    case migrationWrite
    /// A device-private page, mapped writable (`SWP_DEVICE_WRITE`); the offset is the device pfn.
    case deviceWrite
    /// A device-private page, mapped read-only (`SWP_DEVICE_READ`).
    case deviceRead
    /// A page the device holds exclusively (`SWP_DEVICE_EXCLUSIVE`, one type since v6.15); the offset is its pfn.
    case deviceExclusive
    /// A PTE marker (`SWP_PTE_MARKER`); the offset holds ``MarkerBits``.
    case marker

    /// The number of swap types real swap files may use (`MAX_SWAPFILES`).
    public static let swapFileCount: UInt8 = 24

    /// The 5-bit type number Linux stores in the entry.
    public var typeNumber: UInt8 {
        switch self {
        case .swap(let type): type
        case .hwpoison: 24
        case .migrationRead: 25
        case .migrationReadExclusive: 26
        case .migrationWrite: 27
        case .deviceWrite: 28
        case .deviceRead: 29
        case .deviceExclusive: 30
        case .marker: 31
        }
    }

    /// The kind a 5-bit type number stands for.
    public init(typeNumber: UInt8) {
        switch typeNumber & 31 {
        case 24: self = .hwpoison
        case 25: self = .migrationRead
        case 26: self = .migrationReadExclusive
        case 27: self = .migrationWrite
        case 28: self = .deviceWrite
        case 29: self = .deviceRead
        case 30: self = .deviceExclusive
        case 31: self = .marker
        case let type: self = .swap(type: type)
        }
    }

    /// Whether this is one of the three migration kinds.
    public var isMigration: Bool { self == .migrationRead || self == .migrationReadExclusive || self == .migrationWrite }

    /// Whether this is a device-private kind (`is_device_private_entry()`).
    public var isDevicePrivate: Bool { self == .deviceWrite || self == .deviceRead }

    /// Whether the offset is a pfn (migration, device and hwpoison entries).
    public var offsetIsPFN: Bool {
        switch self {
        case .swap, .marker: false
        default: true
        }
    }

    /// The name used in reports and corpus files.
    public var description: String {
        switch self {
        case .swap(let type): "swap\(type)"
        case .hwpoison: "hwpoison"
        case .migrationRead: "migration-read"
        case .migrationReadExclusive: "migration-read-exclusive"
        case .migrationWrite: "migration-write"
        case .deviceWrite: "device-write"
        case .deviceRead: "device-read"
        case .deviceExclusive: "device-exclusive"
        case .marker: "marker"
        }
    }
}

/// The bits of a PTE marker (`include/linux/swapops.h`; newer trees `leafops.h`).
public struct MarkerBits: NamedOptions, Hashable, Sendable {
    /// The raw marker bits, as Linux numbers them.
    public let rawValue: UInt64
    /// Creates marker bits from raw bits.
    @inlinable public init(rawValue: UInt64) { self.rawValue = rawValue }
    /// `PTE_MARKER_UFFD_WP`: userfaultfd write-protect on a none PTE.
    @inlinable public static var uffdWP: MarkerBits { MarkerBits(rawValue: 1 << 0) }
    /// `PTE_MARKER_POISONED`: the page was poisoned (UFFDIO_POISON, swapin error).
    @inlinable public static var poisoned: MarkerBits { MarkerBits(rawValue: 1 << 1) }
    /// `PTE_MARKER_GUARD`: a guard region page (MADV_GUARD_INSTALL); faults like PROT_NONE.
    @inlinable public static var guardRegion: MarkerBits { MarkerBits(rawValue: 1 << 2) }

    /// The markers and their names.
    public static let named: [(MarkerBits, String)] = [(.uffdWP, "uffd-wp"), (.poisoned, "poisoned"), (.guardRegion, "guard")]
}

/// Per-entry flags a non-present entry carries beside its type and offset.
public struct SwapFlags: NamedOptions, Hashable, Sendable {
    /// The raw flag bits; the values are this package's own.
    public let rawValue: UInt8
    /// Creates flags from raw bits.
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// The page was exclusive to this mapping (`pte_swp_exclusive`).
    @inlinable public static var exclusive: SwapFlags { SwapFlags(rawValue: 1 << 0) }
    /// Soft-dirty carried across swap (`pte_swp_soft_dirty`); never set on arm64.
    @inlinable public static var softDirty: SwapFlags { SwapFlags(rawValue: 1 << 1) }
    /// Userfaultfd write-protect carried across swap (`pte_swp_uffd_wp`).
    @inlinable public static var uffdWP: SwapFlags { SwapFlags(rawValue: 1 << 2) }
    /// A migration entry remembers the page was young (`SWP_MIG_YOUNG_BIT`).
    @inlinable public static var young: SwapFlags { SwapFlags(rawValue: 1 << 3) }
    /// A migration entry remembers the page was dirty (`SWP_MIG_DIRTY_BIT`).
    @inlinable public static var dirty: SwapFlags { SwapFlags(rawValue: 1 << 4) }

    /// The flags and their names.
    public static let named: [(SwapFlags, String)] = [
        (.exclusive, "exclusive"), (.softDirty, "soft-dirty"), (.uffdWP, "uffd-wp"), (.young, "young"), (.dirty, "dirty"),
    ]

}

/// A decoded non-present entry: its kind, its offset (slot, pfn or marker bits) and its flags.
public struct SwapEntry: Hashable, Sendable, CustomStringConvertible {
    /// What the entry stands for.
    public var kind: SwapKind
    /// The swap slot, the pfn (migration, device, hwpoison) or the marker bits.
    public var offset: UInt64
    /// The flags carried beside type and offset.
    public var flags: SwapFlags

    /// Creates a non-present entry.
    public init(kind: SwapKind, offset: UInt64, flags: SwapFlags = []) {
        self.kind = kind
        self.offset = offset
        self.flags = flags
    }

    /// A PTE marker entry with `bits` (and `flags`, which `mremap()` may set: `move_soft_dirty_pte()`).
    public static func marker(_ bits: MarkerBits, flags: SwapFlags = []) -> SwapEntry {
        SwapEntry(kind: .marker, offset: bits.rawValue, flags: flags)
    }

    /// The marker bits, when this is a marker.
    public var markerBits: MarkerBits? { kind == .marker ? MarkerBits(rawValue: offset) : nil }

    /// `kind offset flags`, with markers spelled out.
    public var description: String {
        if let bits = markerBits { return "marker \(bits)" }
        let offsetText = kind.offsetIsPFN ? "pfn 0x\(String(offset, radix: 16))" : "slot \(offset)"
        return "\(kind) \(offsetText) \(flags)"
    }
}
