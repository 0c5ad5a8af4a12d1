/*
 * walkcheck.h - what a page-table walker written in C is handed, to be checked by WalkCheck.
 *
 * A C entry walker is a function of type wc_entry_walk_fn. It reads the tree as 64-bit words
 * through struct wc_walk's accessors, in the style of mm/pagewalk.c: pXd_none(), pXd_leaf() and
 * friends are w->kind(); pXd_page_vaddr() is w->table(); pte_offset_map_lock() and
 * pte_unmap_unlock() are w->pte_lock() and w->pte_unlock(); pte_cont() is w->cont(); pte_young()
 * and pte_dirty() are w->young_dirty(). It reports every terminal slot of [start, end) through
 * w->report(), in ascending order, as SEMANTICS.md's entry walk defines them. WalkCheck turns
 * each report into an entry-walk item: it decodes the word, moves a leaf's pfn on to the item's
 * first page and ORs in the young and dirty bits reported with it.
 *
 * Levels are numbered as mm/pagewalk.c numbers depth: 0 is the PGD, 4 the PTE. A folded level
 * has index_bits 0: the walker steps over it (its entry is the level above's).
 *
 * Register the walker from Swift: CEntryWalker(name: "my-walker", walk: my_walk) (module CDesigns).
 */
#ifndef WALKCHECK_H
#define WALKCHECK_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The number of levels and the last one. */
#define WC_LEVELS 5
#define WC_PTE 4

/* What w->table() and w->pte_lock() return when the slot no longer holds that table: read the
 * slot again (ACTION_AGAIN). */
#define WC_NO_TABLE UINT64_MAX

/* Flags of the walk (SEMANTICS.md, "Entry walk"). */
#define WC_SKIP_NONE (1u << 0) /* leave out none items */
#define WC_COALESCE (1u << 1)  /* a contiguous block is one item, clipped to the range */

/* Bits of w->young_dirty() and of a report's young_dirty. */
#define WC_YOUNG (1u << 0)
#define WC_DIRTY (1u << 1)

/* What a word holds at a level. */
enum wc_kind {
	WC_NONE,       /* pXd_none() */
	WC_TABLE,      /* a pointer to the next real level's table */
	WC_HUGEPD,     /* a pointer to a hugepd table (powerpc is_hugepd()) */
	WC_LEAF,       /* a present leaf, or a PROT_NONE one (pte_present()) */
	WC_NONPRESENT, /* swap, migration, device, hwpoison or marker entry */
};

/* One level's geometry. */
struct wc_level {
	unsigned int shift;        /* log2 of the bytes one entry maps */
	unsigned int index_bits;   /* log2 of the entries in a table; 0 when folded */
	unsigned int cont_entries; /* entries in a contiguous block; 1 when the level has none */
	unsigned int hugepd_shift; /* log2 of a hugepd page below this level; 0 when none */
};

/* One walk: the format's geometry, the tree's accessors and the report callback. */
struct wc_walk {
	struct wc_level level[WC_LEVELS];
	int root_level;      /* the first real level */
	unsigned int flags;  /* WC_SKIP_NONE, WC_COALESCE */
	uint64_t root;       /* the root table */
	/* Non-NULL when the tables may be read without the accessor: word index of table is
	 * words[table + index] (a quiescent tree read directly, as the benchmarks read). */
	const uint64_t *words;
	void *ctx;           /* the first argument of every accessor */

	/* The word at index of table. */
	uint64_t (*read)(void *ctx, uint64_t table, unsigned int index);
	/* What word holds at level (in a hugepd table when in_hugepd) for address addr. */
	enum wc_kind (*kind)(void *ctx, uint64_t word, int level, bool in_hugepd, uint64_t addr);
	/* Whether a leaf word has the contiguous bit (arm64 PTE_CONT, riscv Svnapot). */
	bool (*cont)(void *ctx, uint64_t word, int level, uint64_t addr);
	/* WC_YOUNG and WC_DIRTY as the leaf word has them (pte_young(), pte_dirty()). */
	unsigned int (*young_dirty)(void *ctx, uint64_t word, int level, uint64_t addr);
	/* A leaf word's pfn (pte_pfn()) and its protection with young and dirty cleared
	 * (pte_pgprot() of pte_mkold(pte_mkclean())): what contpte_ptep_get_lockless() compares. */
	uint64_t (*pfn)(void *ctx, uint64_t word, int level, uint64_t addr);
	uint64_t (*prot)(void *ctx, uint64_t word, int level, uint64_t addr);
	/* The table a WC_TABLE or WC_HUGEPD word points to, or WC_NO_TABLE (read the slot again). */
	uint64_t (*table)(void *ctx, uint64_t word, int level);
	/* pte_offset_map_lock(): the PTE table pmd (read from slot index of parent) points to,
	 * locked; WC_NO_TABLE when the slot changed (read it again). */
	uint64_t (*pte_lock)(void *ctx, uint64_t pmd, uint64_t parent, unsigned int index);
	/* pte_unmap_unlock(). */
	void (*pte_unlock)(void *ctx, uint64_t pte_table);
	/* One item: [start, end) at level (the directory's level for a hugepd page), the word of the
	 * slot holding start (0 for a hole), young_dirty ORed across a contiguous block (else 0). */
	void (*report)(void *ctx, uint64_t start, uint64_t end, int level, bool in_hugepd, uint64_t word,
		       unsigned int young_dirty);
};

/* An entry walker: every terminal slot of [start, end), which WalkCheck has validated (page
 * aligned, start < end, within the format's top) and clipped to one VMA. */
typedef void (*wc_entry_walk_fn)(const struct wc_walk *w, uint64_t start, uint64_t end);

/* The word at index of table: directly when the walk allows it, else through w->read(). */
static inline uint64_t wc_read(const struct wc_walk *w, uint64_t table, unsigned int index)
{
	return w->words ? w->words[table + index] : w->read(w->ctx, table, index);
}

/* The bytes one entry of level maps. */
static inline uint64_t wc_level_size(const struct wc_walk *w, int level)
{
	return 1ULL << w->level[level].shift;
}

/* The index of addr in a table of level. */
static inline unsigned int wc_index(const struct wc_walk *w, uint64_t addr, int level)
{
	const struct wc_level *l = &w->level[level];

	return (unsigned int)((addr >> l->shift) & ((1ULL << l->index_bits) - 1));
}

/* pXd_addr_end(): the end of the size-aligned span holding addr, clamped to end. */
static inline uint64_t wc_addr_end(uint64_t addr, uint64_t size, uint64_t end)
{
	uint64_t boundary = (addr & ~(size - 1)) + size;

	return boundary - 1 < end - 1 ? boundary : end;
}

/* The next real (unfolded) level below level. */
static inline int wc_next_level(const struct wc_walk *w, int level)
{
	for (level++; level < WC_PTE && w->level[level].index_bits == 0; level++)
		;
	return level;
}

/* The version of this interface; 1 for this header. */
int wc_interface_version(void);

#ifdef __cplusplus
}
#endif

#endif /* WALKCHECK_H */
