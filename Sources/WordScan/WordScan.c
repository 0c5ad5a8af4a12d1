#include "WordScan.h"

int walkcheck_wide_compare_state = 0;

int walkcheck_wide_compare_chosen(void) {
    int state = __atomic_load_n(&walkcheck_wide_compare_state, __ATOMIC_RELAXED);
    return state == 2 || (state == 0 && walkcheck_wide_compare_available() && walkcheck_wide_compare_chosen());
}

void walkcheck_wide_compare_turn_off(void) {
    __atomic_store_n(&walkcheck_wide_compare_state, 1, __ATOMIC_RELAXED);
}

#if defined(__x86_64__)
#include <cpuid.h>

/// Four words, compared together: a 256-bit vector, AVX2 in the functions built for it.
typedef uint64_t walkcheck_word_quad __attribute__((vector_size(32)));

int walkcheck_wide_compare_available(void) {
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    int available = 0;
    // AVX (leaf 1, ecx bit 28) with OSXSAVE (bit 27), the OS saving SSE and AVX state (XCR0 bits
    // 1 and 2), and AVX2 (leaf 7, ebx bit 5).
    if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & (1u << 27)) && (ecx & (1u << 28))) {
        unsigned xcr0_low, xcr0_high;
        __asm__ volatile("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
        if ((xcr0_low & 6u) == 6u && __get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) && (ebx & (1u << 5))) {
            available = 1;
        }
    }
    // Remembered unless the wide compare was turned off first.
    int unasked = 0;
    __atomic_compare_exchange_n(&walkcheck_wide_compare_state, &unasked, available ? 2 : 1, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
    return available;
}

/// The four words at `words`, which need no alignment beyond a word's.
__attribute__((target("avx2"), always_inline))
static inline walkcheck_word_quad walkcheck_load_quad(const uint64_t *words) {
    walkcheck_word_quad quad;
    __builtin_memcpy(&quad, words, sizeof quad);
    return quad;
}

/// The wide compare's loops, inlined twice into it: once for every bit compared (the chain's
/// scan), with no AND at all, and once for a mask.
__attribute__((target("avx2"), always_inline))
static inline intptr_t walkcheck_words_following_quads(const uint64_t *words, intptr_t count, uint64_t first,
                                                       uint64_t stride, uint64_t mask, intptr_t later_block) {
    const walkcheck_word_quad masks = {mask, mask, mask, mask};
    const walkcheck_word_quad four = {4 * stride, 4 * stride, 4 * stride, 4 * stride};
    const walkcheck_word_quad eight = four + four;
    const walkcheck_word_quad twelve = eight + four;
    const walkcheck_word_quad sixteen = eight + eight;
    // The expected words at `index`, moved on as the loop moves.
    walkcheck_word_quad expected = {first, first + stride, first + 2 * stride, first + 3 * stride};
    intptr_t checked = 0;
    intptr_t block = 16;
    later_block = walkcheck_later_block(later_block);
    while (count - checked >= 8) {
        intptr_t stop = walkcheck_block_stop(count, checked, block);
        walkcheck_word_quad difference0 = {0, 0, 0, 0};
        walkcheck_word_quad difference1 = {0, 0, 0, 0};
        intptr_t index = checked;
        for (; stop - index >= 16; index += 16) {
            __builtin_prefetch((const void *)((uintptr_t)(words + index) + WALKCHECK_PREFETCH_DISTANCE));
            __builtin_prefetch((const void *)((uintptr_t)(words + index + 8) + WALKCHECK_PREFETCH_DISTANCE));
            difference0 |= (walkcheck_load_quad(words + index) & masks) ^ expected;
            difference1 |= (walkcheck_load_quad(words + index + 4) & masks) ^ (expected + four);
            difference0 |= (walkcheck_load_quad(words + index + 8) & masks) ^ (expected + eight);
            difference1 |= (walkcheck_load_quad(words + index + 12) & masks) ^ (expected + twelve);
            expected += sixteen;
        }
        if (index != stop) {
            // Eight words left in the block (blocks and rooms are multiples of 8).
            difference0 |= (walkcheck_load_quad(words + index) & masks) ^ expected;
            difference1 |= (walkcheck_load_quad(words + index + 4) & masks) ^ (expected + four);
            expected += eight;
        }
        const walkcheck_word_quad difference = difference0 | difference1;
        if ((difference[0] | difference[1] | difference[2] | difference[3]) != 0) return checked;
        checked = stop;
        block = later_block;
    }
    return walkcheck_words_following_tail(words, count, checked, first, stride, mask);
}

__attribute__((target("avx2"), noinline))
intptr_t walkcheck_words_following_wide(const uint64_t *words, intptr_t count, uint64_t first, uint64_t stride,
                                        uint64_t mask, intptr_t later_block) {
    if (mask == UINT64_MAX) return walkcheck_words_following_quads(words, count, first, stride, UINT64_MAX, later_block);
    return walkcheck_words_following_quads(words, count, first, stride, mask, later_block);
}

#else

int walkcheck_wide_compare_available(void) {
    int unasked = 0;
    __atomic_compare_exchange_n(&walkcheck_wide_compare_state, &unasked, 1, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
    return 0;
}

intptr_t walkcheck_words_following_wide(const uint64_t *words, intptr_t count, uint64_t first, uint64_t stride,
                                        uint64_t mask, intptr_t later_block) {
    return walkcheck_words_following_narrow(words, count, first, stride, mask, later_block);
}

#endif
