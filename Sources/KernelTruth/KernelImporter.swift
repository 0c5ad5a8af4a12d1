import PageTable
import Generators

/// Turns a kernel snapshot into a model address space in the x86-64 4-level format: folios from
/// compound pages (their head frames and orders from kpageflags), PMD leaves where PAGEMAP_SCAN
/// says PAGE_IS_HUGE, the zero page, and guard markers.
public enum KernelImporter {
    /// The imported space, and the folio (head frame, order) each present page belongs to.
    public struct Imported: Sendable {
        /// The model.
        public var space: AddressSpace
        /// Folio head frame and order, by the frame of each present non-zero page.
        public var folioOf: [UInt64: (head: UInt64, order: Int)]
    }

    /// Imports `snapshot`; throws when a compound page cannot be read.
    public static func importSnapshot(_ snapshot: KernelSnapshot) throws(FileError) -> Imported {
        var folioOf: [UInt64: (head: UInt64, order: Int)] = [:]
        var heads: [UInt64: (order: Int, anonymous: Bool)] = [:]
        var last: (head: UInt64, order: Int)?
        for page in snapshot.pages where page.present && !page.isZeroPage {
            // Consecutive pages mostly share a compound page: reuse the last one found.
            let folio: (head: UInt64, order: Int)
            if let known = last, page.pfn >= known.head, page.pfn - known.head < 1 << UInt64(known.order) {
                folio = known
            } else {
                folio = try compoundPage(of: page.pfn, flags: page.flags)
                last = folio
            }
            folioOf[page.pfn] = folio
            heads[folio.head] = (folio.order, page.flags & Procfs.kpfAnon != 0)
        }
        var space = AddressSpace(format: .x86_64_4level)
        var adopted: [UInt64: Folio] = [:]
        for head in heads.keys.sorted() {
            guard let folio = space._adoptFolio(pfn: head, order: heads[head]!.order, kind: heads[head]!.anonymous ? .anonymous : .file) else {
                throw FileError(path: "/proc/kpageflags", reason: "compound page at pfn 0x\(String(head, radix: 16)) overlaps another")
            }
            adopted[head] = folio
        }
        // Runs of pages with consecutive frames of one folio and the same mapping size go in one placement.
        var index = 0
        let pages = snapshot.pages
        while index < pages.count {
            let page = pages[index]
            var attributes: LeafAttributes = [.user, .young]
            if page.softDirty { attributes.insert(.softDirty) }
            if page.guardRegion {
                space._install(.nonPresent(.marker(.guardRegion)), at: page.address, pages: 1, maxLevel: .pte)
                index += 1
                continue
            }
            guard page.present else { index += 1; continue }
            if page.isZeroPage {
                // The zero page's PTE is special and not soft-dirty (do_anonymous_page()); pagemap's
                // soft-dirty bit there comes from the VMA's VM_SOFTDIRTY.
                space._install(.present(pfn: PhysicalMemory.zeroPFN, attributes: EntryRules.zeroPage), at: page.address, pages: 1, maxLevel: .pte)
                index += 1
                continue
            }
            var end = index + 1
            while end < pages.count, pages[end].present, !pages[end].isZeroPage, pages[end].pfn == page.pfn + UInt64(end - index),
                  pages[end].huge == page.huge, pages[end].softDirty == page.softDirty,
                  folioOf[pages[end].pfn]?.head == folioOf[page.pfn]?.head { end += 1 }
            space._install(.present(pfn: page.pfn, attributes: attributes), at: page.address, pages: UInt64(end - index),
                           maxLevel: page.huge ? .pmd : .pte)
            index = end
        }
        return Imported(space: space, folioOf: folioOf)
    }

    /// The head frame and order of the compound page holding `pfn` (order 0 if it is not compound).
    static func compoundPage(of pfn: UInt64, flags: UInt64) throws(FileError) -> (head: UInt64, order: Int) {
        guard flags & (Procfs.kpfHead | Procfs.kpfTail) != 0 else { return (pfn, 0) }
        var head = pfn
        var headFlags = flags
        while headFlags & Procfs.kpfHead == 0 {
            guard head > 0, pfn - head < 1 << 18 else { throw FileError(path: "/proc/kpageflags", reason: "no compound head before pfn 0x\(String(pfn, radix: 16))") }
            head -= 1
            headFlags = try Procfs.pageFlags(head)
        }
        var count: UInt64 = 1
        while count < 1 << 18, try Procfs.pageFlags(head + count) & Procfs.kpfTail != 0 { count += 1 }
        guard count.nonzeroBitCount == 1 else {
            throw FileError(path: "/proc/kpageflags", reason: "compound page at 0x\(String(head, radix: 16)) has \(count) pages, not a power of two")
        }
        return (head, count.trailingZeroBitCount)
    }
}
