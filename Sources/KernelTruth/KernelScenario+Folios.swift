#if canImport(Glibc)
import Glibc
#endif
import PageTable
import Generators
import KernelShim

extension KernelScenario {
    static let madvFree: Int32 = 8, madvCollapse: Int32 = 25, mapHugetlb: Int32 = 0x40000
    static let thpDirectory = "/sys/kernel/mm/transparent_hugepage"
    static let mthp64k = thpDirectory + "/hugepages-64kB/enabled"
    static let useZeroPage = thpDirectory + "/use_zero_page"

    /// Scenarios of large folios below and at the PMD size, uffd-wp, a shared file mapped twice and
    /// the huge zero page. Those needing a sysfs knob skip, saying why, where it is absent or read-only.
    static let folioScenarios: [KernelScenario] = [
        KernelScenario(name: "hugetlb", summary: "MAP_HUGETLB: two 2 MiB hugetlb pages written, next to a THP region",
                       prerequisite: { HugePages.freeReason(needed: 2) }) {
            () throws(FileError) in
            // A hugetlb mapping of two huge pages right after a THP region (hugetlb next to THP).
            let window = try mapAligned(8 * mib, alignment: 2 * mib)
            munmap(pointer(window.start + 4 * mib), Int(4 * mib))
            let hugetlb = AddressRange(start: window.start + 4 * mib, end: window.end)
            guard let raw = mmap(pointer(hugetlb.start), Int(hugetlb.size), PROT_READ | PROT_WRITE,
                                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | mapHugetlb, -1, 0), raw != MAP_FAILED else {
                throw FileError(path: "mmap(MAP_HUGETLB)", reason: String(cString: strerror(errno)))
            }
            let thp = AddressRange(start: window.start, end: window.start + 4 * mib)
            try advise(thp, madvHugepage)
            touch(thp)
            touch(hugetlb)
            return KernelRegion(region: window, mappings: [window], child: nil)
        },
        KernelScenario(name: "mthp-64k", summary: "64 KiB anonymous mTHPs (hugepages-64kB set to always, then restored)",
                       prerequisite: { Sysfs.writable(mthp64k) }) {
            () throws(FileError) in
            let range = try mthpRegion()
            return KernelRegion(region: range, mappings: [range], child: nil)
        },
        KernelScenario(name: "mthp-mprotect", summary: "mprotect on one page inside a 64 KiB mTHP: the folio spans three VMAs",
                       prerequisite: { Sysfs.writable(mthp64k) }) {
            () throws(FileError) in
            let range = try mthpRegion()
            guard mprotect(pointer(range.start + 20 * kib), 4096, PROT_READ) == 0 else {
                throw FileError(path: "mprotect", reason: String(cString: strerror(errno)))
            }
            return KernelRegion(region: range, mappings: [range], child: nil)
        },
        KernelScenario(name: "mthp-uffd-wp", summary: "UFFDIO_WRITEPROTECT on 16 KiB inside a 64 KiB mTHP",
                       prerequisite: { Sysfs.writable(mthp64k) }) {
            () throws(FileError) in
            let range = try mthpRegion()
            let descriptor = walkcheck_uffd_register_wp(pointer(range.start), UInt(range.size))
            guard descriptor >= 0 else { throw FileError(path: "userfaultfd", reason: String(cString: strerror(errno))) }
            guard walkcheck_uffd_write_protect(descriptor, pointer(range.start + 16 * kib), UInt(16 * kib), 1) == 0 else {
                let reason = String(cString: strerror(errno))
                close(descriptor)
                throw FileError(path: "UFFDIO_WRITEPROTECT", reason: reason)
            }
            // Kept open until the state is read: closing a userfaultfd clears its uffd-wp bits.
            return KernelRegion(region: range, mappings: [range], child: nil, descriptors: [descriptor])
        },
        KernelScenario(name: "madv-collapse", summary: "2 MiB written as base pages, then MADV_COLLAPSE: a PMD-mapped THP") {
            () throws(FileError) in
            let range = try mapAligned(2 * mib, alignment: 2 * mib)
            touch(range)
            try advise(range, madvCollapse)
            return KernelRegion(region: range, mappings: [range], child: nil)
        },
        KernelScenario(name: "madv-free-partial", summary: "MADV_FREE on 64 KiB of a THP: the PMD split, the pages lazily freed") {
            () throws(FileError) in
            let range = try thpRegion()
            try advise(AddressRange(start: range.start + 64 * kib, end: range.start + 128 * kib), madvFree)
            return KernelRegion(region: range, mappings: [range], child: nil)
        },
        KernelScenario(name: "memfd-twice", summary: "a 64 KiB memfd mapped shared at two addresses: one page-cache folio, two mappings") {
            () throws(FileError) in
            let window = try mapAligned(256 * kib, alignment: 64 * kib)
            guard mprotect(pointer(window.start), Int(window.size), PROT_NONE) == 0 else {
                throw FileError(path: "mprotect", reason: String(cString: strerror(errno)))
            }
            let file = walkcheck_memfd("walkcheck")
            guard file >= 0 else { throw FileError(path: "memfd_create", reason: String(cString: strerror(errno))) }
            defer { close(file) }
            guard ftruncate(file, off_t(64 * kib)) == 0 else { throw FileError(path: "ftruncate", reason: String(cString: strerror(errno))) }
            for offset in [0, 128 * kib] {
                guard let mapped = mmap(pointer(window.start + offset), Int(64 * kib), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, file, 0),
                      mapped != MAP_FAILED else { throw FileError(path: "mmap memfd", reason: String(cString: strerror(errno))) }
            }
            touch(AddressRange(start: window.start, end: window.start + 64 * kib))
            read(AddressRange(start: window.start + 128 * kib, end: window.start + 192 * kib))
            return KernelRegion(region: window, mappings: [window], child: nil)
        },
        KernelScenario(name: "huge-zero-page", summary: "a read-only touch of 4 MiB in a THP region: the huge zero page by PMDs",
                       prerequisite: { Sysfs.read(useZeroPage).map { $0 == "1" ? nil : "use_zero_page is \($0): no huge zero page" } ?? "no \(useZeroPage)" }) {
            () throws(FileError) in
            let range = try mapAligned(4 * mib, alignment: 2 * mib)
            try advise(range, madvHugepage)
            read(range)
            return KernelRegion(region: range, mappings: [range], child: nil)
        },
    ]

    /// 256 KiB of anonymous memory, 64 KiB aligned and too small for a PMD THP, written with 64 KiB
    /// mTHPs enabled; the knob is restored before returning (the folios stay).
    static func mthpRegion() throws(FileError) -> AddressRange {
        let range = try mapAligned(256 * kib, alignment: 64 * kib)
        let previous = try Sysfs.selected(mthp64k)
        try Sysfs.write(mthp64k, "always")
        defer { try? Sysfs.write(mthp64k, previous) }
        touch(range)
        return range
    }
}

/// The few sysfs knobs the scenarios read and set.
/// The machine's hugetlb pool (/proc/meminfo).
enum HugePages {
    /// Why `needed` free 2 MiB huge pages are not there, or nil when they are.
    static func freeReason(needed: Int) -> String? {
        guard let text = try? FileSystem.read("/proc/meminfo", maxBytes: 1 << 16) else { return "/proc/meminfo cannot be read" }
        func value(_ key: String) -> Int? {
            text.split(separator: "\n").first { $0.hasPrefix(key + ":") }.flatMap { $0.split(separator: " ").dropFirst().first.flatMap { Int($0) } }
        }
        guard value("Hugepagesize") == 2048 else { return "the default huge page size is not 2 MiB" }
        let free = value("HugePages_Free") ?? 0
        return free >= needed ? nil
            : "\(free) free 2 MiB huge pages (HugePages_Free), \(needed) needed: reserve them with `echo \(needed) > /proc/sys/vm/nr_hugepages`"
    }
}

enum Sysfs {
    /// The file's first line, or nil when it cannot be read.
    static func read(_ path: String) -> String? {
        (try? FileSystem.read(path, maxBytes: 1 << 16)).map { String($0.split(separator: "\n").first ?? "") }
    }

    /// The bracketed choice of a `a [b] c` knob.
    static func selected(_ path: String) throws(FileError) -> String {
        guard let line = read(path), let open = line.firstIndex(of: "["), let close = line.firstIndex(of: "]"), open < close else {
            throw FileError(path: path, reason: "no [selected] value")
        }
        return String(line[line.index(after: open)..<close])
    }

    /// Writes `value` to the knob (sysfs files take one write; no temporary file).
    static func write(_ path: String, _ value: String) throws(FileError) {
        let file = open(path, O_WRONLY)
        guard file >= 0 else { throw FileError(path: path, reason: "cannot open for writing: \(String(cString: strerror(errno)))") }
        defer { close(file) }
        let bytes = Array(value.utf8)
        guard Glibc.write(file, bytes, bytes.count) == bytes.count else {
            throw FileError(path: path, reason: "cannot write \"\(value)\": \(String(cString: strerror(errno)))")
        }
    }

    /// Nil when the knob exists and takes a write (its own value written back), else why not.
    static func writable(_ path: String) -> String? {
        do {
            try write(path, try selected(path))
            return nil
        } catch {
            return "\(error.path): \(error.reason)"
        }
    }
}
