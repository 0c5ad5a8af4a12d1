#include "FloorLoop.h"

#define WALKCHECK_FLOOR_ALIGNMENT 64

__attribute__((aligned(WALKCHECK_FLOOR_ALIGNMENT), noinline))
uint64_t walkcheck_floor_sum(const uint64_t *words, const intptr_t *offsets, intptr_t count) {
    uint64_t sum = 0;
#pragma clang loop vectorize(disable) interleave(disable) unroll(disable)
    for (intptr_t i = 0; i < count; i++) {
        sum += words[offsets[i]];
    }
    return sum;
}

intptr_t walkcheck_floor_alignment(void) {
    return WALKCHECK_FLOOR_ALIGNMENT;
}
