import PageTable
import Generators

/// Turns a kernel snapshot into a model address space in the x86-64 4-level format: folios from
/// compound pages (their head frames and orders from kpageflags), PMD leaves where PAGEMAP_SCAN
/// says PAGE_IS_HUGE, the zero page and the huge zero page, uffd-wp bits, and every non-present
/// entry pagemap shows by type (`pte_to_pagemap_entry()`: `swp_type() | swp_offset() << 5`):
/// PTE markers, swap entries and migration entries; and the VMAs smaps shows, with their flags.
/// What it cannot import (hwpoison, device entries, hugetlb VMAs) it lists; it never turns an
/// entry into none.
public enum KernelImporter {
    /// The imported space, the folio (head frame, order) each present page belongs to, and what
    /// could not be imported.
    public struct Imported: Sendable {
        /// The model.
        public var space: AddressSpace
        /// Folio head frame and order, by the frame of each present non-zero page.
        public var folioOf: [UInt64: (head: UInt64, order: Int)]
        /// Each page that could not be imported, with the reason; empty when the import is whole.
        public var unimportable: [String]
    }

    /// The swap types pagemap reports (include/linux/swap.h, v6.18).
    static let markerType: UInt8 = 31, hwpoisonType: UInt8 = 24

    /// Imports `snapshot`; throws when a compound page cannot be read.
    public static func importSnapshot(_ snapshot: KernelSnapshot) throws(FileError) -> Imported {
        try importSnapshot(snapshot, pageFlags: { pfn throws(FileError) in try Procfs.pageFlags(pfn) })
    }

    /// Imports `snapshot`, reading kpageflags of frames the snapshot does not hold through `pageFlags`
    /// (a test passes its own).
    public static func importSnapshot(_ snapshot: KernelSnapshot,
                                      pageFlags: (UInt64) throws(FileError) -> UInt64) throws(FileError) -> Imported {
        var folioOf: [UInt64: (head: UInt64, order: Int)] = [:]
        var heads: [UInt64: (order: Int, kind: FolioKind)] = [:]
        var unimportable: [String] = []
        var last: (head: UInt64, order: Int)?
        func folio(of pfn: UInt64, flags: UInt64) throws(FileError) -> (head: UInt64, order: Int) {
            // Consecutive pages mostly share a compound page: reuse the last one found.
            if let known = last, pfn >= known.head, pfn - known.head < 1 << UInt64(known.order) { return known }
            let found = try compoundPage(of: pfn, flags: flags, pageFlags: pageFlags)
            last = found
            return found
        }
        for page in snapshot.pages {
            if page.present, page.pfn != 0 {
                let found = try folio(of: page.pfn, flags: page.flags)
                folioOf[page.pfn] = found
                let kind: FolioKind = page.isZeroPage ? .zero : page.flags & Procfs.kpfAnon != 0 ? .anonymous : .file
                // The zero page itself is the model's own; only the huge zero folio is adopted.
                if !(page.isZeroPage && !page.huge) { heads[found.head] = (found.order, kind) }
            } else if page.swapped, migrationKind(page.swapType) != nil {
                // A migration entry's offset is the frame it migrates: its folio is adopted too.
                let pfn = page.swapOffset
                let found = try folio(of: pfn, flags: try pageFlags(pfn))
                folioOf[pfn] = found
                if heads[found.head] == nil {
                    heads[found.head] = (found.order, try pageFlags(found.head) & Procfs.kpfAnon != 0 ? .anonymous : .file)
                }
            }
        }
        var space = AddressSpace(format: .x86_64_4level)
        // The VMAs, as smaps shows them (a file by its inode, numbered in order of appearance; a
        // hugetlb VMA with the hstate of its KernelPageSize).
        if !snapshot.vmas.isEmpty {
            var files: [UInt64: Int] = [:]
            for inode in snapshot.vmas.compactMap(\.inode) where files[inode] == nil { files[inode] = files.count + 1 }
            let vmas = snapshot.vmas.map { $0.vma(file: $0.inode.map { files[$0]! }, format: space.format) }
            if vmas.contains(where: { $0 == nil }) {
                unimportable.append("a hugetlb VMA of a page size x86-64 has no hugetlb page for: the region is imported without VMAs")
            } else {
                space.vmas = VMAMap(vmas.compactMap { $0 })
            }
        }
        for head in heads.keys.sorted() {
            let (order, kind) = heads[head]!
            let adopted = kind == .zero ? space._adoptHugeZero(pfn: head, order: order) : space._adoptFolio(pfn: head, order: order, kind: kind)
            guard adopted != nil else {
                throw FileError(path: "/proc/kpageflags", reason: "compound page at pfn 0x\(String(head, radix: 16)) overlaps another")
            }
        }
        // Runs of pages with consecutive frames of one folio and the same mapping go in one placement.
        let pages = snapshot.pages
        var index = 0
        while index < pages.count {
            let page = pages[index]
            if page.swapped, !page.present {
                if let entry = nonPresentEntry(page) {
                    space._install(.nonPresent(entry), at: page.address, pages: 1, maxLevel: .pte)
                } else {
                    unimportable.append("page 0x\(String(page.address, radix: 16)): swap type \(page.swapType) "
                                        + "(\(SwapKind(typeNumber: page.swapType))) cannot be imported")
                }
                index += 1
                continue
            }
            guard page.present else { index += 1; continue }
            var attributes: LeafAttributes = page.isZeroPage ? EntryRules.zeroPage : [.user, .young]
            if page.softDirty, !page.isZeroPage { attributes.insert(.softDirty) }
            if page.uffdWP { attributes.insert(.uffdWP) }
            if page.isZeroPage, !page.huge {
                space._install(.present(pfn: PhysicalMemory.zeroPFN, attributes: attributes), at: page.address, pages: 1, maxLevel: .pte)
                index += 1
                continue
            }
            var end = index + 1
            while end < pages.count, pages[end].present, pages[end].pfn == page.pfn + UInt64(end - index),
                  pages[end].huge == page.huge, pages[end].softDirty == page.softDirty, pages[end].uffdWP == page.uffdWP,
                  pages[end].isZeroPage == page.isZeroPage, folioOf[pages[end].pfn]?.head == folioOf[page.pfn]?.head { end += 1 }
            let hugeLevel = space.vmas?.vma(containing: page.address)?.hugetlb?.level ?? .pmd
            space._install(.present(pfn: page.pfn, attributes: attributes), at: page.address, pages: UInt64(end - index),
                           maxLevel: page.huge ? hugeLevel : .pte)
            index = end
        }
        return Imported(space: space, folioOf: folioOf, unimportable: unimportable)
    }

    /// The migration kind of a swap type, if it is one (`SWP_MIGRATION_*`: 25, 26, 27).
    static func migrationKind(_ type: UInt8) -> SwapKind? {
        let kind = SwapKind(typeNumber: type)
        return kind.isMigration ? kind : nil
    }

    /// The non-present entry a swapped page of pagemap stands for, or nil when the model cannot hold
    /// it here. Markers keep their bits (`PTE_MARKER_UFFD_WP` 1, `POISONED` 2, `GUARD` 4); swap entries
    /// their slot, taken as exclusive (pagemap reports exclusivity for present pages only); both
    /// carry the soft-dirty and uffd-wp bits pagemap reports.
    static func nonPresentEntry(_ page: KernelPage) -> SwapEntry? {
        var flags: SwapFlags = []
        if page.softDirty { flags.insert(.softDirty) }
        if page.uffdWP { flags.insert(.uffdWP) }
        switch page.swapType {
        case markerType:
            return .marker(MarkerBits(rawValue: page.swapOffset & 7))
        case ..<hwpoisonType:
            return SwapEntry(kind: .swap(type: page.swapType), offset: page.swapOffset, flags: flags.union(.exclusive))
        case let type where migrationKind(type) != nil:
            return SwapEntry(kind: SwapKind(typeNumber: type), offset: page.swapOffset, flags: flags)
        default:
            return nil
        }
    }

    /// The head frame and order of the compound page holding `pfn` (order 0 if it is not compound).
    static func compoundPage(of pfn: UInt64, flags: UInt64,
                             pageFlags: (UInt64) throws(FileError) -> UInt64) throws(FileError) -> (head: UInt64, order: Int) {
        guard flags & (Procfs.kpfHead | Procfs.kpfTail) != 0 else { return (pfn, 0) }
        var head = pfn
        var headFlags = flags
        while headFlags & Procfs.kpfHead == 0 {
            guard head > 0, pfn - head < 1 << 18 else { throw FileError(path: "/proc/kpageflags", reason: "no compound head before pfn 0x\(String(pfn, radix: 16))") }
            head -= 1
            headFlags = try pageFlags(head)
        }
        var count: UInt64 = 1
        while count < 1 << 18, try pageFlags(head + count) & Procfs.kpfTail != 0 { count += 1 }
        guard count.nonzeroBitCount == 1 else {
            throw FileError(path: "/proc/kpageflags", reason: "compound page at 0x\(String(head, radix: 16)) has \(count) pages, not a power of two")
        }
        return (head, count.trailingZeroBitCount)
    }
}
