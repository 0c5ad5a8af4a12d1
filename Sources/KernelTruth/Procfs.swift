#if canImport(Glibc)
import Glibc
#endif
import Generators
import PageTable
import KernelShim

/// Reads what the kernel exposes of this process's page tables: /proc/self/pagemap,
/// /proc/kpageflags, /proc/self/smaps and the PAGEMAP_SCAN ioctl.
enum Procfs {
    /// pagemap bits (Documentation/admin-guide/mm/pagemap.rst).
    static let present: UInt64 = 1 << 63, swapped: UInt64 = 1 << 62, fileOrShared: UInt64 = 1 << 61
    static let guardRegion: UInt64 = 1 << 58, uffdWP: UInt64 = 1 << 57, exclusive: UInt64 = 1 << 56, softDirty: UInt64 = 1 << 55
    static let pfnMask: UInt64 = (1 << 55) - 1
    /// kpageflags bits (include/uapi/linux/kernel-page-flags.h).
    static let kpfAnon: UInt64 = 1 << 12, kpfHead: UInt64 = 1 << 15, kpfTail: UInt64 = 1 << 16
    static let kpfTHP: UInt64 = 1 << 22, kpfZeroPage: UInt64 = 1 << 24
    /// PAGEMAP_SCAN categories (include/uapi/linux/fs.h).
    static let pageIsPresent: UInt64 = 1 << 3, pageIsHuge: UInt64 = 1 << 6, pageIsPFNZero: UInt64 = 1 << 5

    /// The pagemap entries of `pages` pages from `address`.
    static func pagemap(_ address: UInt64, pages: Int) throws(FileError) -> [UInt64] {
        try readWords("/proc/self/pagemap", at: address >> 12, count: pages)
    }

    /// The kpageflags of frame `pfn`.
    static func pageFlags(_ pfn: UInt64) throws(FileError) -> UInt64 {
        try readWords("/proc/kpageflags", at: pfn, count: 1)[0]
    }

    private static func readWords(_ path: String, at index: UInt64, count: Int) throws(FileError) -> [UInt64] {
        let file = open(path, O_RDONLY)
        guard file >= 0 else { throw FileError(path: path, reason: "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(file) }
        var words = [UInt64](repeating: 0, count: count)
        let wanted = count * 8
        let read = words.withUnsafeMutableBytes { pread(file, $0.baseAddress, wanted, off_t(index * 8)) }
        guard read == wanted else { throw FileError(path: path, reason: "short read at index \(index)") }
        return words
    }

    /// The ranges of [start, end) that PAGEMAP_SCAN reports with `category`, or nil without the ioctl.
    static func scan(_ start: UInt64, _ end: UInt64, category: UInt64) -> [(start: UInt64, end: UInt64)]? {
        let file = open("/proc/self/pagemap", O_RDONLY)
        guard file >= 0 else { return nil }
        defer { close(file) }
        var regions = [UInt64](repeating: 0, count: 3 * 512)
        // struct pm_scan_arg: size, flags, start, end, walk_end, vec, vec_len, max_pages,
        // category_inverted, category_mask, category_anyof_mask, return_mask.
        let count = regions.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var argument: [UInt64] = [96, 0, start, end, 0, UInt64(UInt(bitPattern: buffer.baseAddress)), 512, 0, 0, category, 0, category]
            return argument.withUnsafeMutableBufferPointer { walkcheck_pagemap_scan(file, $0.baseAddress) }
        }
        guard count >= 0 else { return nil }
        return (0..<Int(count)).map { (regions[3 * $0], regions[3 * $0 + 1]) }
    }

    /// The two-letter names of smaps' `VmFlags:` (fs/proc/task_mmu.c, `show_smap_vma_flags()`) of the flags the model has.
    static let vmFlags: [String: VMAFlags] = [
        "rd": .read, "wr": .write, "ex": .exec, "sh": .shared, "pf": .pfnmap, "mm": .mixedmap, "sd": .softDirty,
        "uw": .uffdWP, "hg": .hugepage, "nh": .noHugepage,
    ]

    /// The VMAs overlapping `region`, with their Rss, AnonHugePages, flags, inode and offset, from /proc/self/smaps.
    static func vmas(in region: AddressRange) throws(FileError) -> [KernelVMA] {
        let text = try FileSystem.read("/proc/self/smaps", maxBytes: 1 << 28)
        var found: [KernelVMA] = []
        var current: KernelVMA?
        for line in text.split(separator: "\n") {
            if let dash = line.firstIndex(of: "-"), let space = line.firstIndex(of: " "), dash < space,
               let low = UInt64(line[..<dash], radix: 16), let high = UInt64(line[line.index(after: dash)..<space], radix: 16) {
                if let vma = current { found.append(vma) }
                let range = AddressRange(start: low, end: high)
                // start-end perms offset dev inode [pathname]
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                let offset = fields.count > 2 ? UInt64(fields[2], radix: 16) ?? 0 : 0
                let inode = fields.count > 4 ? UInt64(fields[4]) ?? 0 : 0
                current = range.clamped(to: region) != nil
                    ? KernelVMA(range: range, rss: 0, anonHugePages: 0, flags: [], inode: inode == 0 ? nil : inode, pageOffset: offset >> 12)
                    : nil
                continue
            }
            guard current != nil else { continue }
            if line.hasPrefix("VmFlags:") {
                for word in line.split(separator: " ").dropFirst() {
                    if let flag = vmFlags[String(word)] { current?.flags.insert(flag) }
                    if word == "ht" { current?.hugetlb = true }
                }
                continue
            }
            let words = line.split(separator: " ")
            guard words.count >= 2, let kibibytes = UInt64(words[1]) else { continue }
            if words[0] == "Rss:" { current?.rss = kibibytes << 10 }
            if words[0] == "KernelPageSize:" { current?.kernelPageSize = kibibytes << 10 }
            if words[0] == "Private_Hugetlb:" || words[0] == "Shared_Hugetlb:" { current?.hugetlbBytes += kibibytes << 10 }
            if words[0] == "AnonHugePages:" { current?.anonHugePages = kibibytes << 10 }
        }
        if let vma = current { found.append(vma) }
        return found
    }
}
