import MallocCounter

/// Allocations made by this process so far, counted by the MallocCounter interposer.
enum MallocCount {
    /// The count now.
    static var current: Int { Int(walkcheck_allocation_count()) }
}
