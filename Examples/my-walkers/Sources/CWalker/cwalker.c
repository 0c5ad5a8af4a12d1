// SPDX-License-Identifier: MIT
/*
 * cwalker.c - an example entry walker for WalkCheck, written from scratch in kernel style.
 *
 * One function per kind of table, each the same pXd_addr_end() loop: directory levels (PGD to
 * PMD, one function parameterised by the level), PTE tables (taken under the PTE lock) and hugepd
 * tables. A contiguous block's other entries are read once, and their young and dirty ORed in.
 */
#include "cwalker.h"

/* The most entries a contiguous block has on any format (arm64 64K: 32 PTEs). */
#define CWALKER_MAX_CONT 64

static void walk_dir_range(const struct wc_walk *w, uint64_t table, int level, uint64_t addr, uint64_t end);

static void report_hole(const struct wc_walk *w, uint64_t addr, uint64_t end, int level, bool in_hugepd)
{
	if (!(w->flags & WC_SKIP_NONE))
		w->report(w->ctx, addr, end, level, in_hugepd, 0, 0);
}

/*
 * Reports the entries of the contiguous block holding slot index of table, from addr to at most
 * end, and returns where the block's part of the range ends; 0 when the block changed while it was
 * read without a lock (a mate is not the leaf's continuation): read the slot again.
 */
static uint64_t walk_cont_block(const struct wc_walk *w, uint64_t table, int level, unsigned int index, uint64_t word,
				uint64_t addr, uint64_t end, bool locked)
{
	unsigned int n = w->level[level].cont_entries;
	unsigned int first = index & ~(n - 1);
	uint64_t size = wc_level_size(w, level);
	uint64_t slot = addr & ~(size - 1);
	uint64_t block_end = wc_addr_end(addr, size * n, end);
	uint64_t pages = size >> w->level[WC_PTE].shift;
	uint64_t words[CWALKER_MAX_CONT];
	unsigned int young_dirty = 0;
	unsigned int i;

	if (n > CWALKER_MAX_CONT)
		n = CWALKER_MAX_CONT;
	for (i = 0; i < n; i++) {
		uint64_t mate_addr = slot - (uint64_t)index * size + (uint64_t)(first + i) * size;

		words[i] = first + i == index ? word : wc_read(w, table, first + i);
		if (!locked && first + i != index &&
		    (w->kind(w->ctx, words[i], level, false, mate_addr) != WC_LEAF ||
		     w->pfn(w->ctx, words[i], level, mate_addr) !=
			     w->pfn(w->ctx, word, level, slot) - index * pages + (first + i) * pages ||
		     w->prot(w->ctx, words[i], level, mate_addr) != w->prot(w->ctx, word, level, slot)))
			return 0;
		young_dirty |= w->young_dirty(w->ctx, words[i], level, mate_addr);
	}
	if (w->flags & WC_COALESCE) {
		w->report(w->ctx, addr, block_end, level, false, word, young_dirty);
		return block_end;
	}
	while (addr < block_end) {
		uint64_t next = wc_addr_end(addr, size, block_end);

		w->report(w->ctx, addr, next, level, false, words[wc_index(w, addr, level) - first], young_dirty);
		addr = next;
	}
	return block_end;
}

static void walk_pte_range(const struct wc_walk *w, uint64_t table, uint64_t addr, uint64_t end)
{
	uint64_t size = wc_level_size(w, WC_PTE);
	bool has_cont = w->level[WC_PTE].cont_entries > 1;

	do {
		unsigned int index = wc_index(w, addr, WC_PTE);
		uint64_t pte = wc_read(w, table, index);
		enum wc_kind kind = w->kind(w->ctx, pte, WC_PTE, false, addr);

		if (kind == WC_LEAF && has_cont && w->cont(w->ctx, pte, WC_PTE, addr)) {
			addr = walk_cont_block(w, table, WC_PTE, index, pte, addr, end, true);
			continue;
		}
		if (kind == WC_NONE)
			report_hole(w, addr, addr + size, WC_PTE, false);
		else
			w->report(w->ctx, addr, addr + size, WC_PTE, false, pte, 0);
		addr += size;
	} while (addr != end);
}

static void walk_hugepd_range(const struct wc_walk *w, uint64_t table, int level, uint64_t addr, uint64_t end)
{
	unsigned int shift = w->level[level].hugepd_shift;
	uint64_t size = 1ULL << shift;
	uint64_t mask = (1ULL << (w->level[level].shift - shift)) - 1;

	do {
		uint64_t next = wc_addr_end(addr, size, end);
		uint64_t word = wc_read(w, table, (unsigned int)((addr >> shift) & mask));

		if (w->kind(w->ctx, word, level, true, addr) == WC_NONE)
			report_hole(w, addr, next, level, true);
		else
			w->report(w->ctx, addr, next, level, true, word, 0);
		addr = next;
	} while (addr != end);
}

static void walk_dir_range(const struct wc_walk *w, uint64_t table, int level, uint64_t addr, uint64_t end)
{
	uint64_t size = wc_level_size(w, level);
	bool has_cont = w->level[level].cont_entries > 1;
	int lower = wc_next_level(w, level);

	do {
		uint64_t next = wc_addr_end(addr, size, end);
		unsigned int index = wc_index(w, addr, level);
		uint64_t child, block_end;
		uint64_t word;

again:
		word = wc_read(w, table, index);
		switch (w->kind(w->ctx, word, level, false, addr)) {
		case WC_NONE:
			report_hole(w, addr, next, level, false);
			break;
		case WC_LEAF:
			if (has_cont && w->cont(w->ctx, word, level, addr)) {
				block_end = walk_cont_block(w, table, level, index, word, addr, end, false);
				if (!block_end)
					goto again;
				next = block_end;
				break;
			}
			w->report(w->ctx, addr, next, level, false, word, 0);
			break;
		case WC_NONPRESENT:
			w->report(w->ctx, addr, next, level, false, word, 0);
			break;
		case WC_TABLE:
			if (lower == WC_PTE) {
				child = w->pte_lock(w->ctx, word, table, index);
				if (child == WC_NO_TABLE)
					goto again;
				walk_pte_range(w, child, addr, next);
				w->pte_unlock(w->ctx, child);
				break;
			}
			child = w->table(w->ctx, word, level);
			if (child == WC_NO_TABLE)
				goto again;
			walk_dir_range(w, child, lower, addr, next);
			break;
		case WC_HUGEPD:
			child = w->table(w->ctx, word, level);
			if (child == WC_NO_TABLE)
				goto again;
			walk_hugepd_range(w, child, level, addr, next);
			break;
		}
		addr = next;
	} while (addr != end);
}

void cwalker_walk(const struct wc_walk *w, uint64_t start, uint64_t end)
{
	walk_dir_range(w, w->root, w->root_level, start, end);
}
