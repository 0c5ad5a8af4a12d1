import PageTable

/// Counts the terminal entries of a tree by kind: what a campaign reached.
public enum EntryCensus {
    /// Every non-none terminal slot of `space`, counted under a name such as `pmd leaf`,
    /// `pte contiguous leaf`, `pte protnone`, `pmd hugepd leaf`, `pte swap`, `pmd migration-write`.
    public static func count(_ space: AddressSpace, into counts: inout [String: Int]) {
        for run in ModelComparison.treeRuns(space) {
            counts[name(run.record, memory: space.memory), default: 0] += 1
        }
    }

    /// The census name of one page record.
    public static func name(_ record: PageRecord, memory: PhysicalMemory) -> String {
        var name = "\(record.level)\(record.inHugepd ? " hugepd" : "")\(record.contiguous ? " contiguous" : "")"
        switch record.content {
        case .present(let pfn, let attributes):
            if memory.isZeroFrame(pfn) { name += " zero-page" }
            else if attributes.contains(.special) { name += " special" }
            else if attributes.contains(.protNone) { name += " protnone" }
            else { name += " leaf" }
        case .nonPresent(let entry):
            if case .swap = entry.kind { name += " swap" } else { name += " \(entry.kind)" }
        }
        return name
    }
}
