import PageTable

/// A readable account of where two walk results first differ.
public enum WalkDiff {
    /// Describes the first index where `expected` and `actual` differ, with the items around it and
    /// the table-index path of its address; nil when they are equal.
    /// - Parameters:
    ///   - address: the address an item starts at, used to print its path.
    ///   - context: how many items to show before and after the difference.
    public static func firstDifference<Item: Equatable & CustomStringConvertible>(
        expected: [Item], actual: [Item], format: Format, context: Int = 2, address: (Item) -> UInt64
    ) -> String? {
        // Equal results, the common case, are compared without building anything.
        if expected == actual { return nil }
        var shared = 0
        while shared < min(expected.count, actual.count), expected[shared] == actual[shared] { shared += 1 }
        let at = shared < expected.count ? address(expected[shared]) : address(actual[shared])
        var lines = ["first difference at item \(shared) of \(expected.count) expected, \(actual.count) actual: "
            + "address 0x\(String(at, radix: 16)), path \(format.indexPath(of: at))"]
        for index in max(0, shared - context)..<shared { lines.append("    \(index): \(expected[index])") }
        for index in shared..<min(expected.count, shared + context + 1) { lines.append("  - \(index): \(expected[index])") }
        for index in shared..<min(actual.count, shared + context + 1) { lines.append("  + \(index): \(actual[index])") }
        return lines.joined(separator: "\n")
    }
}

extension EntryWalkItem {
    /// The address the item starts at.
    public var address: UInt64 { range.start }
}

extension FolioRun {
    /// The address the run starts at.
    public var address: UInt64 { range.start }
}
