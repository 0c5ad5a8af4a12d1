import PageTable
import WalkCheckC

/// An entry walker written in C (`include/walkcheck.h`), registered as a design: WalkCheck hands it
/// a `struct wc_walk` whose accessors read the tree through the design's reader — so a C walker is
/// counted, raced, checked, shrunk, replayed and benchmarked as a Swift one is — and turns each of
/// its reports into an ``EntryWalkItem``, as `walk_page_range()`'s `pte_entry` callers would.
public struct CEntryWalker: EntryWalkBody {
    /// The design's name in reports and on the command line.
    public let name: String
    /// The C function that walks.
    let walk: wc_entry_walk_fn

    /// Registers the C function `walk` as the design `name`.
    public init(name: String, walk: wc_entry_walk_fn) {
        self.name = name
        self.walk = walk
    }

    /// The entry walk (`walk_page_range()`'s view), VMA by VMA as the opened entry points run it.
    public func walkEntries<R: TableReader>(_ reader: R, range: AddressRange, flags: EntryWalkFlags,
                                            _ visit: (EntryWalkItem) -> Void) throws(PageTableError) {
        try walkEntriesOpened(reader, range: range, flags: flags, visit)
    }

    /// The walk of one VMA's part of the range (or of the whole range): the C function, called once.
    public func walkEntriesBody<R: TableReader>(_ reader: R, range: AddressRange, flags: EntryWalkFlags,
                                                _ visit: (EntryWalkItem) -> Void) throws(PageTableError) {
        let format = reader.format
        let range = try range.validated(for: format)
        withoutActuallyEscaping(visit) { visit in
            withUnsafePointer(to: reader) { readerPointer in
                var context = CWalkContext(reader: CWalkReaderRef(reader: readerPointer), format: format, visit: visit)
                var walk = CWalkContext.walkStruct(format: format, flags: flags, root: reader.root)
                withUnsafeMutablePointer(to: &context) { context in
                    walk.ctx = UnsafeMutableRawPointer(context)
                    if R.self == DirectReader.self {
                        unsafeBitCast(reader, to: DirectReader.self).withTableWords { words in
                            walk.words = words.baseAddress
                            self.walk(&walk, range.start, range.end)
                        }
                    } else {
                        self.walk(&walk, range.start, range.end)
                    }
                }
            }
        }
    }
}
