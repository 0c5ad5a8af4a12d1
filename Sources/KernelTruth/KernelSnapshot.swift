import PageTable
import Generators

/// What the kernel reports for one page of this process.
public struct KernelPage: Hashable, Sendable {
    /// The page's virtual address.
    public var address: UInt64
    /// pagemap: present.
    public var present: Bool
    /// pagemap: swapped (also set for marker entries such as guard regions).
    public var swapped: Bool
    /// pagemap: a guard region (PM_GUARD_REGION, bit 58).
    public var guardRegion: Bool
    /// pagemap: exclusively mapped (PM_MMAP_EXCLUSIVE).
    public var exclusive: Bool
    /// pagemap: soft-dirty (`pte_soft_dirty()` or `pte_swp_soft_dirty()`, ORed with the VMA's `VM_SOFTDIRTY`).
    public var softDirty: Bool
    /// pagemap: uffd-wp (PM_UFFD_WP, bit 57): a uffd-wp present PTE, swap PTE or uffd-wp marker.
    public var uffdWP: Bool
    /// pagemap: file-backed or shared anonymous (PM_FILE, bit 61).
    public var file: Bool
    /// pagemap with PM_SWAP: the swap type (bits 0-4; 31 is a PTE marker), else 0.
    public var swapType: UInt8
    /// pagemap with PM_SWAP: the swap offset (bits 5-54): a slot, a pfn, or a marker's bits.
    public var swapOffset: UInt64
    /// The frame, when present.
    public var pfn: UInt64
    /// kpageflags of the frame, when present.
    public var flags: UInt64
    /// PAGEMAP_SCAN: part of a PMD mapping (PAGE_IS_HUGE).
    public var huge: Bool

    /// Creates a page record (the snapshot reads them; tests make their own).
    public init(address: UInt64, present: Bool, swapped: Bool = false, guardRegion: Bool = false, exclusive: Bool = false,
                softDirty: Bool = false, uffdWP: Bool = false, file: Bool = false, swapType: UInt8 = 0, swapOffset: UInt64 = 0,
                pfn: UInt64 = 0, flags: UInt64 = 0, huge: Bool = false) {
        self.address = address
        self.present = present
        self.swapped = swapped
        self.guardRegion = guardRegion
        self.exclusive = exclusive
        self.softDirty = softDirty
        self.uffdWP = uffdWP
        self.file = file
        self.swapType = swapType
        self.swapOffset = swapOffset
        self.pfn = pfn
        self.flags = flags
        self.huge = huge
    }

    /// Whether the frame is the zero page or part of the huge zero folio (KPF_ZERO_PAGE).
    public var isZeroPage: Bool { flags & Procfs.kpfZeroPage != 0 }
}

/// One VMA as /proc/self/smaps reports it.
public struct KernelVMA: Hashable, Sendable {
    /// The VMA's range.
    public var range: AddressRange
    /// Rss, bytes (computed by the kernel with walk_page_range).
    public var rss: UInt64
    /// AnonHugePages, bytes (PMD-mapped anonymous THPs).
    public var anonHugePages: UInt64
    /// The flags smaps' `VmFlags:` line shows that the model has (`rd wr ex sh pf mm sd uw hg nh`).
    public var flags: VMAFlags
    /// The inode of the file behind it, or nil for anonymous memory (inode 0).
    public var inode: UInt64?
    /// The file offset of its start in pages (the maps line's offset, over the page size).
    public var pageOffset: UInt64
    /// Whether smaps says it is a hugetlb VMA (`ht`).
    public var hugetlb: Bool
    /// Its `KernelPageSize`, bytes (the hstate's size for a hugetlb VMA).
    public var kernelPageSize: UInt64 = 4096
    /// Private_Hugetlb plus Shared_Hugetlb, bytes: what a hugetlb VMA maps (smaps leaves it out of Rss).
    public var hugetlbBytes: UInt64 = 0

    /// Creates a VMA record.
    public init(range: AddressRange, rss: UInt64, anonHugePages: UInt64, flags: VMAFlags = [.read, .write], inode: UInt64? = nil,
                pageOffset: UInt64 = 0, hugetlb: Bool = false) {
        self.range = range
        self.rss = rss
        self.anonHugePages = anonHugePages
        self.flags = flags
        self.inode = inode
        self.pageOffset = pageOffset
        self.hugetlb = hugetlb
    }

    /// The model's VMA for it in `format`: a file VMA numbered `file`, or an anonymous one; a
    /// hugetlb one with the hstate of its page size (nil when the format has no such huge page).
    public func vma(file: Int?, format: Format) -> VMA? {
        var vma = VMA(range: range, flags: flags, file: file, pageOffset: file == nil ? range.start >> 12 : pageOffset)
        if hugetlb {
            guard let shape = format.hugetlbShape(shift: kernelPageSize.trailingZeroBitCount) else { return nil }
            vma.hugetlb = shape
        }
        return vma
    }
}

/// A consistent read of a region: pagemap, kpageflags, PAGEMAP_SCAN and smaps, read twice until two
/// reads agree (khugepaged and reclaim may change the tables under a read).
public struct KernelSnapshot: Hashable, Sendable {
    /// Every page of the region.
    public var pages: [KernelPage]
    /// The VMAs inside the region.
    public var vmas: [KernelVMA]

    /// The region read: from the first page to the end of the last, or nil when it holds none.
    public var region: AddressRange? {
        guard let first = pages.first, let last = pages.last else { return nil }
        return AddressRange(start: first.address, end: last.address + 4096)
    }

    /// The ranges a comparison walks: every VMA, then the whole region across them.
    public var comparedRanges: [AddressRange] { vmas.map(\.range) + [region].compactMap { $0 } }

    /// Creates a snapshot from its pages and VMAs.
    public init(pages: [KernelPage], vmas: [KernelVMA]) {
        self.pages = pages
        self.vmas = vmas
    }

    /// Reads `region` (its pages, and the VMAs overlapping it) until two reads agree, at most `attempts` times.
    public static func take(_ region: AddressRange, attempts: Int = 10) throws(FileError) -> KernelSnapshot {
        var previous = try read(region)
        for _ in 0..<attempts {
            let next = try read(region)
            if next == previous { return next }
            previous = next
        }
        throw FileError(path: "/proc/self/pagemap", reason: "the tables kept changing: \(attempts) reads never agreed twice")
    }

    private static func read(_ region: AddressRange) throws(FileError) -> KernelSnapshot {
        let count = Int((region.end - region.start) >> 12)
        let entries = try Procfs.pagemap(region.start, pages: count)
        let huge = Procfs.scan(region.start, region.end, category: Procfs.pageIsHuge) ?? []
        var pages: [KernelPage] = []
        pages.reserveCapacity(count)
        for (index, entry) in entries.enumerated() {
            let address = region.start + UInt64(index) << 12
            let present = entry & Procfs.present != 0
            let swapped = entry & Procfs.swapped != 0
            let pfn = present ? entry & Procfs.pfnMask : 0
            pages.append(KernelPage(address: address, present: present, swapped: swapped,
                                    guardRegion: entry & Procfs.guardRegion != 0, exclusive: entry & Procfs.exclusive != 0,
                                    softDirty: entry & Procfs.softDirty != 0, uffdWP: entry & Procfs.uffdWP != 0,
                                    file: entry & Procfs.fileOrShared != 0,
                                    swapType: swapped ? UInt8(truncatingIfNeeded: entry & 31) : 0,
                                    swapOffset: swapped ? (entry & Procfs.pfnMask) >> 5 : 0, pfn: pfn,
                                    flags: present && pfn != 0 ? try Procfs.pageFlags(pfn) : 0,
                                    huge: huge.contains { $0.start <= address && address < $0.end }))
        }
        return KernelSnapshot(pages: pages, vmas: try Procfs.vmas(in: region))
    }
}
