import PageTable

extension BatchedFolioWalker {
    /// How a walk batches PTEs, worked out once from its flags, format and fault, not once a table.
    struct PTERules {
        /// The attributes that may differ inside a batch. The contiguous bit is not one of them:
        /// `__pte_batch_clear_ignored()` never clears `PTE_CONT`, so a batch ends where a block
        /// meets plain entries.
        let ignored: LeafAttributes
        /// Whether a contiguous block's other entries may be stepped over by its first
        /// (`pte_batch_hint()`): young and dirty ignored and not merged.
        let mayHint: Bool
        /// Whether writable, young and dirty are ORed across a batch (`FPB_MERGE_*`).
        let merge: Bool
        /// How many entries a contiguous block holds (`CONT_PTES`).
        let blockEntries: Int
        /// The word pattern batches are scanned by, or nil when young and dirty are compared or
        /// merged (a block's entries differ in them) or the format has none.
        let wordPattern: BatchPattern?
        /// Whether a contiguous block's words follow the pattern (not riscv Svnapot, whose entries
        /// store the block's base pfn).
        let patternCoversBlocks: Bool
        /// Whether a batch stops at its folio's end (the `max_nr` clamp).
        let clampToFolio: Bool
        /// The PTE bits that hold the frame (``Format/pteFrameField``), and how far they are shifted.
        let frameField: UInt64
        let frameShift: UInt64

        /// The rules for a walk of `format` with `flags`, `fault` injected.
        init(format: Format, flags: FolioWalkFlags, fault: Fault) {
            var ignored = flags.ignoredAttributes
            switch fault {
            case .attributeChangeIgnored: ignored.formUnion([.writable, .softDirty])
            case .youngDirtyCompared: ignored.subtract([.young, .dirty])
            case .youngDirtyIgnored: ignored.formUnion([.young, .dirty])
            case .contiguousBitIgnored: ignored.insert(.contiguous)
            default: break
            }
            mayHint = fault == .hintWithoutPermission || (ignored.isSuperset(of: [.young, .dirty]) && !flags.contains(.mergeIgnored))
            self.ignored = ignored
            merge = flags.contains(.mergeIgnored) && fault != .mergeSkipped
            blockEntries = format.geometry(.pte).contiguousEntries
            let hintBit = mayHint ? format.contiguousHintBit : 0
            wordPattern = ignored.isSuperset(of: [.young, .dirty]) && !flags.contains(.mergeIgnored)
                ? format.batchPattern(ignoring: ignored)?.hinted(by: hintBit, blockEntries: blockEntries) : nil
            patternCoversBlocks = format.architecture != .riscv64
            clampToFolio = fault != .noFolioClamp
            frameField = format.pteFrameField
            frameShift = UInt64(truncatingIfNeeded: frameField.trailingZeroBitCount)
        }
    }
}
