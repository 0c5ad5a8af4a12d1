#ifndef WALKCHECK_MALLOC_COUNTER_H
#define WALKCHECK_MALLOC_COUNTER_H

/// How many allocations (malloc, calloc, realloc, posix_memalign, aligned_alloc, memalign) this
/// process has made since it started. Linked only into the walkcheck executable, for `walkcheck bench`.
unsigned long walkcheck_allocation_count(void);

#endif
