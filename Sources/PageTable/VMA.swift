/// The `vm_flags` of a VMA that walkers and the operations look at (`include/linux/mm.h`).
public struct VMAFlags: NamedOptions, Hashable, Sendable {
    /// The raw bits.
    public let rawValue: UInt16
    /// Creates flags from raw bits.
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }
    /// `VM_READ`.
    public static let read = VMAFlags(rawValue: 1 << 0)
    /// `VM_WRITE`.
    public static let write = VMAFlags(rawValue: 1 << 1)
    /// `VM_EXEC`.
    public static let exec = VMAFlags(rawValue: 1 << 2)
    /// `VM_SHARED` (a shared anonymous VMA is shmem: not `vma_is_anonymous()`).
    public static let shared = VMAFlags(rawValue: 1 << 3)
    /// `VM_PFNMAP`: pure PFN mappings (`remap_pfn_range()`); part of `VM_SPECIAL`.
    public static let pfnmap = VMAFlags(rawValue: 1 << 4)
    /// `VM_MIXEDMAP`: struct-page and pure-PFN pages (`vm_insert_page()`, `vmf_insert_mixed()`); part of `VM_SPECIAL`.
    public static let mixedmap = VMAFlags(rawValue: 1 << 5)
    /// `VM_SOFTDIRTY`: the whole VMA reads as soft-dirty in pagemap.
    public static let softDirty = VMAFlags(rawValue: 1 << 6)
    /// `VM_UFFD_WP`: registered with userfaultfd in write-protect mode.
    public static let uffdWP = VMAFlags(rawValue: 1 << 7)
    /// `VM_HUGEPAGE` (`MADV_HUGEPAGE`).
    public static let hugepage = VMAFlags(rawValue: 1 << 8)
    /// `VM_NOHUGEPAGE` (`MADV_NOHUGEPAGE`).
    public static let noHugepage = VMAFlags(rawValue: 1 << 9)

    /// `VM_SPECIAL`'s members WalkCheck models: such VMAs never merge (`vma_merge_new_range()`).
    public static let special: VMAFlags = [.pfnmap, .mixedmap]
    /// The protection bits.
    public static let protection: VMAFlags = [.read, .write, .exec]

    /// The flags and their corpus names.
    public static let named: [(VMAFlags, String)] = [
        (.read, "read"), (.write, "write"), (.exec, "exec"), (.shared, "shared"), (.pfnmap, "pfnmap"), (.mixedmap, "mixedmap"),
        (.softDirty, "soft-dirty"), (.uffdWP, "uffd-wp"), (.hugepage, "hugepage"), (.noHugepage, "nohugepage"),
    ]

    /// The protection bits of `protection` (`calc_vm_prot_bits()`).
    public static func bits(of protection: Protection) -> VMAFlags {
        switch protection {
        case .none: []
        case .readOnly: .read
        case .readWrite: [.read, .write]
        case .readExec: [.read, .exec]
        case .readWriteExec: [.read, .write, .exec]
        }
    }
}

/// One virtual memory area (`struct vm_area_struct`): a page-aligned range and what walkers ask of it.
public struct VMA: Hashable, Sendable, CustomStringConvertible {
    /// `[vm_start, vm_end)`.
    public var range: AddressRange
    /// `vm_flags`.
    public var flags: VMAFlags
    /// The file behind it (`vm_file`), by number, or nil for an anonymous VMA.
    public var file: Int?
    /// `vm_pgoff`: the page offset of `range.start` in the file, or `vm_start >> PAGE_SHIFT` for an
    /// anonymous VMA when it was created.
    public var pageOffset: UInt64
    /// The `anon_vma` it was given by its first anonymous fault (`anon_vma_prepare()`), by number.
    public var anonVMA: Int?
    /// For a hugetlb VMA (`VM_HUGETLB`), how its huge pages are mapped (its hstate); nil otherwise.
    public var hugetlb: HugetlbShape?

    /// Creates a VMA.
    public init(range: AddressRange, flags: VMAFlags, file: Int? = nil, pageOffset: UInt64, anonVMA: Int? = nil,
                hugetlb: HugetlbShape? = nil) {
        self.range = range
        self.flags = flags
        self.file = file
        self.pageOffset = pageOffset
        self.anonVMA = anonVMA
        self.hugetlb = hugetlb
    }

    /// `vma_is_anonymous()`: no file and not shared (a shared anonymous VMA is shmem).
    public var isAnonymous: Bool { file == nil && !flags.contains(.shared) }

    /// `[start, end) anon|file N pgoff 0x… flags`.
    public var description: String {
        "\(range) \(file.map { "file \($0)" } ?? "anon") pgoff 0x\(String(pageOffset, radix: 16)) \(flags)"
            + (anonVMA.map { " anon_vma \($0)" } ?? "") + (hugetlb.map { " hugetlb 0x\(String($0.size, radix: 16))" } ?? "")
    }
}

/// What an `mmap` creates: everything of a ``VMA`` but its range, anon_vma and (for anonymous ones) its offset.
public struct VMASpec: Hashable, Sendable {
    /// The file, by number, or nil for anonymous memory.
    public var file: Int?
    /// The file page offset of the mapping's start (ignored for anonymous memory).
    public var pageOffset: UInt64
    /// The flags asked for (`VM_SOFTDIRTY` is set by mmap itself where the format has soft-dirty).
    public var flags: VMAFlags
    /// For a hugetlb mapping (`MAP_HUGETLB`, or a hugetlbfs file), its huge page size's shift.
    public var hugetlbShift: Int?

    /// Creates a specification.
    public init(file: Int? = nil, pageOffset: UInt64 = 0, flags: VMAFlags, hugetlbShift: Int? = nil) {
        self.file = file
        self.pageOffset = pageOffset
        self.flags = flags
        self.hugetlbShift = hugetlbShift
    }
}

/// The advice of a madvise-style operation that changes VMA flags (and so splits and merges VMAs).
public enum VMAAdvice: String, Hashable, Sendable, CaseIterable {
    /// `MADV_HUGEPAGE`: set `VM_HUGEPAGE`, clear `VM_NOHUGEPAGE` (`hugepage_madvise()`).
    case hugepage
    /// `MADV_NOHUGEPAGE`: set `VM_NOHUGEPAGE`, clear `VM_HUGEPAGE`.
    case noHugepage = "nohugepage"
    /// `UFFDIO_REGISTER` with `MODE_WP`: set `VM_UFFD_WP` (`userfaultfd_register_range()`).
    case uffdRegister = "uffd-register"
    /// `UFFDIO_UNREGISTER`: resolve uffd-wp in the range, then clear `VM_UFFD_WP` (`userfaultfd_clear_vma()`).
    case uffdUnregister = "uffd-unregister"

    /// The flags after the advice.
    public func apply(to flags: VMAFlags) -> VMAFlags {
        var flags = flags
        switch self {
        case .hugepage: flags.insert(.hugepage); flags.remove(.noHugepage)
        case .noHugepage: flags.insert(.noHugepage); flags.remove(.hugepage)
        case .uffdRegister: flags.insert(.uffdWP)
        case .uffdUnregister: flags.remove(.uffdWP)
        }
        return flags
    }
}
