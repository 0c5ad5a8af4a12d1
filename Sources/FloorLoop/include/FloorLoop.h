#ifndef WALKCHECK_FLOOR_LOOP_H
#define WALKCHECK_FLOOR_LOOP_H

#include <stdint.h>

/// The benchmark's floor: the sum of `words[offsets[i]]` for every i below `count`, one word an
/// iteration, with no bounds checks, no unrolling and no vectorising. The function starts on a
/// 64-byte boundary, so where the linker puts it does not move its loop across a cache line.
/// Linked only into the walkcheck executable, for `walkcheck bench`.
uint64_t walkcheck_floor_sum(const uint64_t *words, const intptr_t *offsets, intptr_t count);

/// The alignment, in bytes, that `walkcheck_floor_sum` is built with.
intptr_t walkcheck_floor_alignment(void);

#endif
