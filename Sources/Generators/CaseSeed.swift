import PageTable

/// Derives the seed of one generated case from a campaign seed, a format and a case index.
///
/// The mix is FNV-1a over the format name then SplitMix64: no `Hasher`, so it is the same on every run and machine.
public enum CaseSeed {
    /// The seed of case `index` for `format` in a campaign seeded with `base`.
    public static func derive(base: UInt64, format: Format, index: Int) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in format.name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        var mixer = SplitMix64(seed: base ^ hash ^ (UInt64(index) &* 0x9E37_79B9_7F4A_7C15))
        return mixer.next()
    }
}
