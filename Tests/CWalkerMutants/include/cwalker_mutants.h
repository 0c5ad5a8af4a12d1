#ifndef CWALKER_MUTANTS_H
#define CWALKER_MUTANTS_H

#include "walkcheck.h"

/* The example walker blind to the contiguous bit (pte_cont() always false): it neither ORs young
 * and dirty across a block nor coalesces. The suite must fail it on arm64 and riscv. */
void cmutant_walk_no_cont(const struct wc_walk *w, uint64_t start, uint64_t end);

/* A C walker that reads past its table: the reader traps, as a buggy walker would fault. */
void cmutant_walk_reads_past_table(const struct wc_walk *w, uint64_t start, uint64_t end);

#endif
