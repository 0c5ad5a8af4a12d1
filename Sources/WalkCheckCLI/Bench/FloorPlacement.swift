import FloorLoop

/// Where the floor's loop sits: a C function built on a 64-byte boundary, so that the linker's
/// placement, which moved a Swift floor's time by 2× between builds, cannot move it.
enum FloorPlacement {
    /// The floor function's address modulo its alignment; 0 when the alignment held.
    static var misalignment: Int {
        let address = unsafeBitCast(walkcheck_floor_sum as @convention(c) (UnsafePointer<UInt64>?, UnsafePointer<Int>?, Int) -> UInt64,
                                    to: Int.self)
        return address % walkcheck_floor_alignment()
    }

    /// One line for the bench's header.
    static var description: String {
        let alignment = walkcheck_floor_alignment()
        return misalignment == 0
            ? "a C loop, one word an iteration, starting on a \(alignment)-byte boundary"
            : "a C loop, one word an iteration, NOT on its \(alignment)-byte boundary (\(misalignment) bytes past): its time may depend on placement"
    }
}
