#ifndef CWALKER_H
#define CWALKER_H

#include "walkcheck.h"

/* A recursive entry walker in the shape of mm/pagewalk.c's walk_pgd_range() ... walk_pte_range(). */
void cwalker_walk(const struct wc_walk *w, uint64_t start, uint64_t end);

#endif
