extension Format {
    private static func level(_ level: Level, _ shift: Int, _ bits: Int, leaf: Bool = false,
                              cont: Int = 1, hugepd: Int? = nil) -> LevelGeometry {
        LevelGeometry(level: level, shift: shift, indexBits: bits, allowsLeaf: leaf,
                      contiguousEntries: cont, hugepdPageShift: hugepd)
    }

    /// x86-64 with 4-level paging (48-bit VA): the P4D is folded; 2 MiB PMD and 1 GiB PUD leaves.
    ///
    /// `MAX_PHYSMEM_BITS` is `pgtable_l5_enabled() ? 52 : 46` (arch/x86/include/asm/sparsemem.h):
    /// 46 here, so frame numbers have 34 bits and `SWP_MIG_YOUNG_BIT` is bit 34 of the offset.
    public static let x86_64_4level = Format(
        name: "x86-64-4level", architecture: .x86_64, pageShift: 12, pfnBits: 34,
        levels: [level(.pgd, 39, 9), level(.p4d, 39, 0), level(.pud, 30, 9, leaf: true),
                 level(.pmd, 21, 9, leaf: true), level(.pte, 12, 9, leaf: true)])

    /// x86-64 with 5-level paging (LA57, 57-bit VA): every level is real; `MAX_PHYSMEM_BITS` 52.
    public static let x86_64_5level = Format(
        name: "x86-64-5level", architecture: .x86_64, pageShift: 12, pfnBits: 40,
        levels: [level(.pgd, 48, 9), level(.p4d, 39, 9), level(.pud, 30, 9, leaf: true),
                 level(.pmd, 21, 9, leaf: true), level(.pte, 12, 9, leaf: true)])

    /// arm64, 4 KiB granule, 4 levels (48-bit VA): 16-entry contiguous PTEs (64 KiB) and PMDs (32 MiB).
    public static let arm64_4k = Format(
        name: "arm64-4k", architecture: .arm64, pageShift: 12, pfnBits: 36,
        levels: [level(.pgd, 39, 9), level(.p4d, 39, 0), level(.pud, 30, 9, leaf: true),
                 level(.pmd, 21, 9, leaf: true, cont: 16), level(.pte, 12, 9, leaf: true, cont: 16)])

    /// arm64, 64 KiB granule, 3 levels (48-bit VA): 8192-entry tables, 512 MiB PMD leaves, 32-entry contiguous PTEs.
    public static let arm64_64k = Format(
        name: "arm64-64k", architecture: .arm64, pageShift: 16, pfnBits: 32,
        levels: [level(.pgd, 42, 6), level(.p4d, 42, 0), level(.pud, 42, 0),
                 level(.pmd, 29, 13, leaf: true), level(.pte, 16, 13, leaf: true, cont: 32)])

    /// riscv64 Sv39: 3 levels of 512; leaves at every level; Svnapot 64 KiB blocks of 16 PTEs.
    ///
    /// riscv folds at run time, not at build time (arch/riscv/include/asm/pgtable-64.h):
    /// `PTRS_PER_P4D` and `PTRS_PER_PUD` stay 512, `pgd_none()` and `p4d_none()` return 0 without
    /// `pgtable_l5_enabled`/`pgtable_l4_enabled`, and `pud_none()` tests the top-level word. The top
    /// table therefore holds PUDs: its holes are reported at depth 2 (`real_depth(2)` lowers
    /// nothing) and its 1 GiB leaves reach `pud_entry`. The PGD and P4D are the folded levels.
    public static let riscv_sv39 = Format(
        name: "riscv-sv39", architecture: .riscv64, pageShift: 12, pfnBits: 44,
        levels: [level(.pgd, 39, 0), level(.p4d, 39, 0), level(.pud, 30, 9, leaf: true),
                 level(.pmd, 21, 9, leaf: true), level(.pte, 12, 9, leaf: true, cont: 16)])

    /// powerpc64-style hugepd: no directory leaves; hugepd tables of 64 KiB pages under PMDs, 16 MiB pages under PUDs.
    public static let powerpc_hugepd = Format(
        name: "ppc64-hugepd", architecture: .powerpc64, pageShift: 12, pfnBits: 44,
        levels: [level(.pgd, 39, 9), level(.p4d, 39, 0), level(.pud, 30, 9, hugepd: 24),
                 level(.pmd, 21, 9, hugepd: 16), level(.pte, 12, 9, leaf: true)])

    /// A tiny format small enough to enumerate: 3 real levels of 4 entries (18-bit VA, 64 pages), arm64 encoding.
    ///
    /// PMD leaves map 16 KiB; PTEs and PMDs form contiguous blocks of 2.
    public static let tiny = Format(
        name: "tiny", architecture: .arm64, pageShift: 12, pfnBits: 36,
        levels: [level(.pgd, 16, 2), level(.p4d, 16, 0), level(.pud, 16, 0),
                 level(.pmd, 14, 2, leaf: true, cont: 2), level(.pte, 12, 2, leaf: true, cont: 2)])

    /// A second format small enough to enumerate, with what `tiny` lacks: powerpc64 encoding (so
    /// soft-dirty), four real levels of 4 entries (20-bit VA, 256 pages, four root slots), leaves
    /// at every level, the root's included (256 KiB), and hugepd tables at the PUD (32 KiB pages,
    /// two to a table) and the PMD (8 KiB pages) beside PUD and PMD leaves.
    ///
    /// No architecture has exactly this shape; it packs into 256 pages every kind of slot a walker
    /// must tell apart (powerpc64's radix tables have PUD and PMD leaves, its hash tables had
    /// hugepd directories at both levels).
    public static let tinyHugepd = Format(
        name: "tiny-hugepd", architecture: .powerpc64, pageShift: 12, pfnBits: 44,
        levels: [level(.pgd, 18, 2, leaf: true), level(.p4d, 18, 0), level(.pud, 16, 2, leaf: true, hugepd: 15),
                 level(.pmd, 14, 2, leaf: true, hugepd: 13), level(.pte, 12, 2, leaf: true)])

    /// Every preset, in the order reports list them.
    public static let all: [Format] = [.x86_64_4level, .x86_64_5level, .arm64_4k, .arm64_64k, .riscv_sv39, .powerpc_hugepd, .tiny,
                                       .tinyHugepd]

    /// The preset or registered (``register(_:)``) format called `name`, if there is one.
    public static func named(_ name: String) -> Format? { all.first { $0.name == name } ?? registered.first { $0.name == name } }
}
