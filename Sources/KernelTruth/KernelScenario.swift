#if canImport(Glibc)
import Glibc
#endif
import PageTable
import Generators
import KernelShim
import Synchronization

/// A real state the kernel is asked to make in this process's memory, to be read back and compared.
public struct KernelScenario: Sendable {
    /// The scenario's name.
    public let name: String
    /// What it does, in a sentence.
    public let summary: String
    /// Why this machine cannot make the state (a sysfs knob absent or not writable), or nil.
    let prerequisite: @Sendable () -> String?
    let setUp: @Sendable () throws(FileError) -> KernelRegion

    /// Creates a scenario; `prerequisite` says why it cannot run here, or nil when it can.
    init(name: String, summary: String, prerequisite: @escaping @Sendable () -> String? = { nil },
         setUp: @escaping @Sendable () throws(FileError) -> KernelRegion) {
        self.name = name
        self.summary = summary
        self.prerequisite = prerequisite
        self.setUp = setUp
    }

    /// Why this machine cannot make the scenario's state, or nil when it can.
    public var unavailableReason: String? { prerequisite() }

    /// Makes the state; the caller reads it and then calls ``KernelRegion/tearDown()``.
    public func run() throws(FileError) -> KernelRegion { try setUp() }
}

/// Memory a scenario mapped: the region to read, and what to release afterwards.
public struct KernelRegion: Sendable {
    /// The addresses to read and compare.
    public let region: AddressRange
    let mappings: [AddressRange]
    let child: (pid: Int32, release: Int32)?
    /// Descriptors to close after the state was read (a userfaultfd: closing it clears uffd-wp).
    var descriptors: [Int32] = []

    init(region: AddressRange, mappings: [AddressRange], child: (pid: Int32, release: Int32)?, descriptors: [Int32] = []) {
        self.region = region
        self.mappings = mappings
        self.child = child
        self.descriptors = descriptors
    }

    /// Unmaps the scenario's memory, closes its descriptors and lets a forked child exit.
    public func tearDown() {
        if let child { walkcheck_release_child(child.pid, child.release) }
        for descriptor in descriptors { close(descriptor) }
        for mapping in mappings { munmap(UnsafeMutableRawPointer(bitPattern: UInt(mapping.start)), Int(mapping.size)) }
    }
}

extension KernelScenario {
    static let kib: UInt64 = 1024, mib: UInt64 = 1 << 20
    static let madvHugepage: Int32 = 14, madvNoHugepage: Int32 = 15, madvDontneed: Int32 = 4, madvGuardInstall: Int32 = 102

    /// An anonymous mapping of `size` bytes aligned to `alignment` (over-allocated, then trimmed).
    static func mapAligned(_ size: UInt64, alignment: UInt64) throws(FileError) -> AddressRange {
        guard let raw = mmap(nil, Int(size + alignment), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              raw != MAP_FAILED else { throw FileError(path: "mmap", reason: String(cString: strerror(errno))) }
        let start = UInt64(UInt(bitPattern: raw))
        let aligned = Format.alignDown(start + alignment - 1, alignment)
        if aligned > start { munmap(raw, Int(aligned - start)) }
        let end = start + size + alignment
        if end > aligned + size { munmap(UnsafeMutableRawPointer(bitPattern: UInt(aligned + size)), Int(end - aligned - size)) }
        return AddressRange(start: aligned, end: aligned + size)
    }

    static func advise(_ range: AddressRange, _ advice: Int32) throws(FileError) {
        guard madvise(pointer(range.start), Int(range.size), advice) == 0 else {
            throw FileError(path: "madvise(\(advice))", reason: String(cString: strerror(errno)))
        }
    }

    static func pointer(_ address: UInt64) -> UnsafeMutableRawPointer { UnsafeMutableRawPointer(bitPattern: UInt(address))! }

    /// Writes one byte on every page of `range` (a write fault maps it).
    static func touch(_ range: AddressRange) {
        for page in stride(from: range.start, to: range.end, by: 4096) { pointer(page).storeBytes(of: 1, as: UInt8.self) }
    }

    /// Reads one byte of every page of `range` (a read fault maps the zero page); the sum goes to a
    /// sink so that an optimised build keeps the loads.
    static func read(_ range: AddressRange) {
        var sum: UInt64 = 0
        for page in stride(from: range.start, to: range.end, by: 4096) { sum &+= UInt64(pointer(page).load(as: UInt8.self)) }
        readSink.withLock { $0 &+= sum }
    }
    static let readSink = Mutex<UInt64>(0)

    /// A THP region: 4 MiB aligned to 2 MiB, MADV_HUGEPAGE, every page written.
    static func thpRegion() throws(FileError) -> AddressRange {
        let range = try mapAligned(4 * mib, alignment: 2 * mib)
        try advise(range, madvHugepage)
        touch(range)
        return range
    }

    /// Every scenario: the base-page and PMD ones first, then the large-folio ones
    /// (`KernelScenario+Folios.swift`).
    public static let all: [KernelScenario] = baseScenarios + folioScenarios

    /// The scenarios of THPs, mremap, guard regions, the zero page and fork.
    static let baseScenarios: [KernelScenario] = [
        KernelScenario(name: "thp", summary: "mmap, MADV_HUGEPAGE and touch: PMD-mapped THPs") {
            () throws(FileError) in
            let range = try thpRegion()
            return KernelRegion(region: range, mappings: [range], child: nil)
        },
        KernelScenario(name: "thp-mprotect", summary: "mprotect on one page of a THP, which splits its PMD") {
            () throws(FileError) in
            let range = try thpRegion()
            guard mprotect(pointer(range.start + 4 * kib), 4096, PROT_READ) == 0 else { throw FileError(path: "mprotect", reason: String(cString: strerror(errno))) }
            return KernelRegion(region: range, mappings: [range], child: nil)
        },
        KernelScenario(name: "thp-partial-dontneed", summary: "MADV_DONTNEED on 64 KiB of a THP: a partially mapped large folio") {
            () throws(FileError) in
            let range = try thpRegion()
            try advise(AddressRange(start: range.start + 64 * kib, end: range.start + 128 * kib), madvDontneed)
            return KernelRegion(region: range, mappings: [range], child: nil)
        },
        KernelScenario(name: "mremap-unaligned", summary: "mremap of a THP to an address 4 KiB past a 2 MiB boundary") {
            () throws(FileError) in
            let source = try thpRegion()
            let window = try mapAligned(8 * mib, alignment: 2 * mib)
            let destination = window.start + 2 * mib + 4 * kib
            guard let moved = walkcheck_mremap_fixed(pointer(source.start), 2 * UInt(mib), pointer(destination)), moved != MAP_FAILED else {
                throw FileError(path: "mremap", reason: String(cString: strerror(errno)))
            }
            return KernelRegion(region: window, mappings: [window, AddressRange(start: source.start + 2 * mib, end: source.end)], child: nil)
        },
        KernelScenario(name: "guard", summary: "MADV_GUARD_INSTALL on 16 KiB of 64 KiB of written base pages") {
            () throws(FileError) in
            let range = try mapAligned(64 * kib, alignment: 64 * kib)
            try advise(range, madvNoHugepage)
            touch(range)
            try advise(AddressRange(start: range.start + 16 * kib, end: range.start + 32 * kib), madvGuardInstall)
            return KernelRegion(region: range, mappings: [range], child: nil)
        },
        KernelScenario(name: "zero-page", summary: "a read-only touch of 64 KiB of base pages: the zero page") {
            () throws(FileError) in
            let range = try mapAligned(64 * kib, alignment: 64 * kib)
            try advise(range, madvNoHugepage)
            read(range)
            return KernelRegion(region: range, mappings: [range], child: nil)
        },
        KernelScenario(name: "fork", summary: "fork after writing a THP region: the pages are shared with the child") {
            () throws(FileError) in
            let range = try thpRegion()
            var release: Int32 = -1
            let pid = walkcheck_fork_paused(&release)
            guard pid > 0 else { throw FileError(path: "fork", reason: String(cString: strerror(errno))) }
            return KernelRegion(region: range, mappings: [range], child: (pid, release))
        },
    ]
}

extension KernelScenario {
    /// Whether the scenario made the state it is about, from the kernel's own report; nil when it did,
    /// else what is missing (a comparison over the wrong state would pass vacuously).
    public func missingFacts(_ snapshot: KernelSnapshot, _ imported: KernelImporter.Imported) -> String? {
        let pages = snapshot.pages
        let huge = pages.filter(\.huge).count, guards = pages.filter(\.guardRegion).count
        let zero = pages.filter { $0.present && $0.isZeroPage }.count, present = pages.filter(\.present).count
        let anonHuge = snapshot.vmas.reduce(0) { $0 + $1.anonHugePages } >> 20
        let largeFolios = Set(imported.folioOf.values.filter { $0.order >= 9 }.map(\.head)).count
        let mthps = Set(imported.folioOf.values.filter { $0.order == 4 }.map(\.head)).count
        let uffdWP = pages.filter(\.uffdWP).count
        let holds: Bool
        switch name {
        case "thp": holds = huge == 1024 && anonHuge == 4
        case "thp-mprotect": holds = huge == 512 && anonHuge == 2 && largeFolios == 2 && snapshot.vmas.count == 3
        case "thp-partial-dontneed": holds = huge == 512 && present == 1024 - 16 && largeFolios == 2
        case "mremap-unaligned": holds = huge == 0 && anonHuge == 0 && present == 512 && largeFolios == 1
        case "guard": holds = guards == 4 && present == 12
        case "zero-page": holds = zero == 16
        case "fork": holds = huge == 1024 && pages.allSatisfy { !$0.exclusive }
        case "mthp-64k": holds = mthps == 4 && present == 64 && huge == 0
        case "mthp-mprotect": holds = mthps == 4 && present == 64 && snapshot.vmas.count == 3
        case "mthp-uffd-wp": holds = mthps == 4 && uffdWP == 4
        case "madv-collapse": holds = huge == 512 && anonHuge == 2
        case "madv-free-partial": holds = huge == 512 && present == 1024
        case "memfd-twice":
            let first = pages.prefix(16), second = pages.dropFirst(32).prefix(16)
            holds = first.allSatisfy(\.present) && first.map(\.pfn) == second.map(\.pfn)
        case "huge-zero-page": holds = zero == 1024 && huge == 1024
        case "hugetlb": holds = present == 2048 && huge >= 1024 && snapshot.vmas.contains(where: \.hugetlb)
        default: holds = false
        }
        return holds ? nil : "\(name) did not make its state: huge \(huge), guard \(guards), zero \(zero), present \(present), "
            + "AnonHugePages \(anonHuge) MiB, order-9 folios \(largeFolios), order-4 folios \(mthps), uffd-wp \(uffdWP), "
            + "VMAs \(snapshot.vmas.count) (large folio allocation can fail on a fragmented machine)"
    }
}
