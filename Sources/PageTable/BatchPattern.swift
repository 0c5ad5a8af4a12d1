import WordScan

/// How consecutive PTEs of one folio compare as raw words, as `folio_pte_batch()` compares them:
/// with the ignored attribute bits cleared, entry `k` of a batch equals the first plus `k` strides.
public struct BatchPattern: Hashable, Sendable {
    /// The bits compared (ignored attributes and the contiguous hint cleared).
    public let mask: UInt64
    /// How much the word grows from one page's entry to the next page's.
    public let stride: UInt64
    /// The bit that marks an entry as a contiguous block's first, whose block a scan steps over
    /// (`pte_batch_hint()`); 0 when the scan reads every entry.
    public let hintBit: UInt64
    /// How many entries a hinted step covers (`CONT_PTES`).
    public let blockEntries: Int

    /// A pattern that reads every entry.
    @inlinable public init(mask: UInt64, stride: UInt64) {
        self.init(mask: mask, stride: stride, hintBit: 0, blockEntries: 1)
    }

    @inlinable init(mask: UInt64, stride: UInt64, hintBit: UInt64, blockEntries: Int) {
        self.mask = mask
        self.stride = stride
        self.hintBit = hintBit
        self.blockEntries = blockEntries
    }

    /// This pattern stepping over a block of `blockEntries` at each entry carrying `bit`; a zero
    /// bit or a block of one entry leaves it reading every entry.
    @inlinable public func hinted(by bit: UInt64, blockEntries: Int) -> BatchPattern {
        blockEntries > 1 ? BatchPattern(mask: mask, stride: stride, hintBit: bit, blockEntries: blockEntries) : self
    }
}

/// Where a scan of words against a ``BatchPattern`` stopped, and the word that stopped it.
public struct BatchScan: Hashable, Sendable {
    /// The index of the first entry off the pattern, or the end of the scan.
    public let end: Int
    /// The word at `end` when that word was read and found off the pattern; nil at the scan's end.
    public let mismatch: UInt64?

    /// A scan result.
    @inlinable public init(end: Int, mismatch: UInt64?) {
        self.end = end
        self.mismatch = mismatch
    }
}

extension BatchPattern {
    /// The scan every reader's ``TableReader/scanBatch(_:from:to:expecting:_:)`` must agree with,
    /// reading through `word`: from `start` towards `end`, the entry at `index` follows the pattern
    /// when its word, masked, is `first` plus `index - start` strides. It stops at the first entry
    /// off the pattern; an entry carrying the hint bit has its block's other entries stepped over
    /// unread (the step clamped to `end`).
    ///
    /// Two loops on purpose: the hinted one would do for both (a zero hint bit never steps), but
    /// its block test cost 13 instructions a word against 9 when measured in the walker's earlier
    /// closure form (callgrind, BENCHMARKS.md).
    @inlinable @inline(__always)
    public func exactScan(from start: Int, to end: Int, expecting first: UInt64, word: (Int) -> UInt64) -> BatchScan {
        var expected = first
        var index = start
        if hintBit == 0 {
            while index < end {
                let current = word(index)
                guard current & mask == expected else { return BatchScan(end: index, mismatch: current) }
                expected &+= stride
                index &+= 1
            }
        } else {
            while index < end {
                let current = word(index)
                guard current & mask == expected else { return BatchScan(end: index, mismatch: current) }
                let step = current & hintBit == 0 ? 1 : min(blockEntries, end &- index)
                expected &+= UInt64(truncatingIfNeeded: step) &* stride
                index &+= step
            }
        }
        return BatchScan(end: index, mismatch: nil)
    }

    /// How many of the `count` words from `words` are known to follow the pattern from `first`,
    /// hint or no hint (when every word follows, the hinted scan, which reads fewer, reaches its
    /// end too): `count`, or the start of the first block of words holding one off the pattern.
    /// The first block is 16 words, later ones `laterBlock` rounded down to a multiple of 8 (at
    /// least 8); the exact stop is left to ``exactScan(from:to:expecting:word:)``.
    ///
    /// Vectorised by hand in C (`WordScan.h`, clang's vector extension), one branch a block, each
    /// cache line asked for 1 KiB ahead. Scans of 64 words or more take the wide compare when the
    /// CPU runs AVX2 (asked once, at run time): sixteen words an iteration, 1.1 instructions a
    /// word, called. Shorter scans, and every scan on other CPUs, take the narrow compare inlined:
    /// eight words an iteration in 128-bit vectors (SSE2 on x86-64, NEON on arm64), 2.6
    /// instructions a word. Both give the same answer for every input (BENCHMARKS.md, Round 6).
    @inlinable @inline(__always)
    public func wordsFollowing(_ words: UnsafePointer<UInt64>, count: Int, expecting first: UInt64, laterBlock: Int) -> Int {
        walkcheck_words_following(words, count, first, stride, mask, laterBlock)
    }

    /// The compare loops behind ``wordsFollowing(_:count:expecting:laterBlock:)``, one at a time,
    /// so tests can run each whatever the scan's length.
    package enum WordCompare: Sendable, CaseIterable, CustomStringConvertible {
        /// 128-bit vectors, inlined: every CPU.
        case narrow
        /// 256-bit vectors (AVX2), called: only where ``BatchPattern/wideCompareRuns``.
        case wide

        /// `narrow` or `wide`.
        package var description: String { self == .narrow ? "narrow" : "wide" }
    }

    /// Whether this CPU runs the wide compare (AVX2 on x86-64, with the OS saving its registers).
    package static var wideCompareRuns: Bool { walkcheck_wide_compare_available() != 0 }

    /// Whether long scans take the wide compare in this process: it runs here and was not turned off.
    package static var wideCompareChosen: Bool { walkcheck_wide_compare_chosen() != 0 }

    /// Makes every scan in this process take the narrow compare, as on a CPU without AVX2.
    package static func turnOffWideCompare() { walkcheck_wide_compare_turn_off() }

    /// ``wordsFollowing(_:count:expecting:laterBlock:)`` through `compare` alone; `.wide` only
    /// where ``wideCompareRuns``.
    package func wordsFollowing(_ words: UnsafePointer<UInt64>, count: Int, expecting first: UInt64, laterBlock: Int,
                                using compare: WordCompare) -> Int {
        switch compare {
        case .narrow: walkcheck_words_following_narrow(words, count, first, stride, mask, laterBlock)
        case .wide: walkcheck_words_following_wide(words, count, first, stride, mask, laterBlock)
        }
    }
}
