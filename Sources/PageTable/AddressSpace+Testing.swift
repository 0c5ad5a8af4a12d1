extension AddressSpace {
    /// Test hook: stores a raw word in `slot` without updating its ptdesc, to build corrupt trees on purpose.
    package mutating func _corruptWord(_ slot: SlotRef, _ word: UInt64) {
        tables._corruptWord(slot, word)
    }
}
