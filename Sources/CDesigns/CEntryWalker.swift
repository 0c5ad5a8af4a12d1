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
        if R.self == DirectReader.self {
            // The direct reader's accessors as its own methods, and its table memory read by the C
            // walker itself (one-page walk: 3,414 → 2,978 instructions, BENCHMARKS.md).
            let direct = unsafeBitCast(reader, to: DirectReader.self)
            withUnsafePointer(to: direct) { pointer in
                direct.withTableWords { words in
                    call(.direct(pointer), format: format, root: direct.root, words: words.baseAddress, range: range, flags: flags, visit)
                }
            }
        } else {
            withUnsafePointer(to: reader) { pointer in
                let ops: any CWalkReaderOps = CWalkReaderRef(reader: pointer)
                withUnsafePointer(to: ops) { ops in
                    call(.other(ops), format: format, root: reader.root, words: nil, range: range, flags: flags, visit)
                }
            }
        }
    }

    /// Calls the C function on `range` (validated), its accessors reaching `reader`, `format` and
    /// `visit` through the context on this stack, and `words` (nil unless the tree is read directly).
    private func call(_ reader: CWalkReaderAccess, format: Format, root: TableHandle, words: UnsafePointer<UInt64>?,
                      range: AddressRange, flags: EntryWalkFlags, _ visit: (EntryWalkItem) -> Void) {
        var walk = CWalkContext.walkStruct(format: format, flags: flags, root: root)
        walk.words = words
        withoutActuallyEscaping(visit) { visit in
            withUnsafePointer(to: format) { format in
                withUnsafePointer(to: CWalkVisitor(visit: visit)) { visitor in
                    var context = CWalkContext(reader: reader, formatPointer: format, visitor: visitor)
                    withUnsafeMutablePointer(to: &context) { context in
                        walk.ctx = UnsafeMutableRawPointer(context)
                        self.walk(&walk, range.start, range.end)
                    }
                }
            }
        }
    }
}
