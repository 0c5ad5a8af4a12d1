// SPDX-License-Identifier: MIT
/* Deliberately broken C walkers, for the tests that must see a C design fail and trap. */
#include "cwalker_mutants.h"
#include "cwalker.h"

static bool never_cont(void *ctx, uint64_t word, int level, uint64_t addr)
{
	(void)ctx;
	(void)word;
	(void)level;
	(void)addr;
	return false;
}

void cmutant_walk_no_cont(const struct wc_walk *w, uint64_t start, uint64_t end)
{
	struct wc_walk blind = *w;

	blind.cont = never_cont;
	cwalker_walk(&blind, start, end);
}

void cmutant_walk_reads_past_table(const struct wc_walk *w, uint64_t start, uint64_t end)
{
	(void)start;
	(void)end;
	w->read(w->ctx, w->root, 1u << 30);
}
