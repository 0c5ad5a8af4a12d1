import PageTable
import Oracle

/// Counts mapped pages with the oracle (outside any timing).
enum ModelPages {
    /// The pages in `range` that a present leaf or a non-present entry maps.
    static func count(_ space: AddressSpace, in range: AddressRange) -> UInt64 {
        let items = (try? ReferenceWalk.entries(in: space, range: range, flags: .skipNone)) ?? []
        return items.reduce(0) { $0 + space.format.pages(in: $1.range.size) }
    }
}
