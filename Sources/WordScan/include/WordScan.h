#ifndef WALKCHECK_WORD_SCAN_H
#define WALKCHECK_WORD_SCAN_H

#include <stdint.h>

/// How far ahead of the words being compared a scan asks for the cache line it will need, in
/// bytes: 16 lines. The address is computed as an integer, as it may lie past the table memory
/// (a prefetch never faults).
#define WALKCHECK_PREFETCH_DISTANCE 1024

/// Two words, compared together: a 128-bit vector (SSE2 on x86-64, NEON on arm64) through clang's
/// vector extension, so one source serves both.
typedef uint64_t walkcheck_word_pair __attribute__((vector_size(16)));

/// The two words at `words`, which need no alignment beyond a word's.
static inline __attribute__((always_inline))
walkcheck_word_pair walkcheck_load_pair(const uint64_t *words) {
    walkcheck_word_pair pair;
    __builtin_memcpy(&pair, words, sizeof pair);
    return pair;
}

/// How many of the `count` words from `words` are known to follow a batch pattern: word `k`,
/// ANDed with `mask`, equal to `first + k * stride`. Returns `count` when every word follows;
/// otherwise the start of the first block holding a word that does not (a multiple of 8, the
/// exact stop left to the caller). The first block is 16 words, later ones `later_block` rounded
/// down to a multiple of 8 (at least 8), so at most a block less one word is read past the stop.
///
/// Each block is compared eight words an iteration, as four pairs with their own expected pair and
/// two accumulators of differences, tested once at the block's end; words past the last whole
/// eight are compared one by one.
static inline __attribute__((always_inline))
intptr_t walkcheck_words_following(const uint64_t *words, intptr_t count, uint64_t first, uint64_t stride,
                                   uint64_t mask, intptr_t later_block) {
    const walkcheck_word_pair masks = {mask, mask};
    const walkcheck_word_pair two = {2 * stride, 2 * stride};
    const walkcheck_word_pair eight = {8 * stride, 8 * stride};
    walkcheck_word_pair expected0 = {first, first + stride};
    walkcheck_word_pair expected1 = expected0 + two;
    walkcheck_word_pair expected2 = expected1 + two;
    walkcheck_word_pair expected3 = expected2 + two;
    intptr_t checked = 0;
    intptr_t block = 16;
    later_block = later_block < 8 ? 8 : later_block & ~(intptr_t)7;
    while (count - checked >= 8) {
        intptr_t room = (count - checked) & ~(intptr_t)7;
        intptr_t stop = checked + (room < block ? room : block);
        walkcheck_word_pair difference0 = {0, 0};
        walkcheck_word_pair difference1 = {0, 0};
        for (intptr_t index = checked; index < stop; index += 8) {
            __builtin_prefetch((const void *)((uintptr_t)(words + index) + WALKCHECK_PREFETCH_DISTANCE));
            difference0 |= (walkcheck_load_pair(words + index) & masks) ^ expected0;
            difference1 |= (walkcheck_load_pair(words + index + 2) & masks) ^ expected1;
            difference0 |= (walkcheck_load_pair(words + index + 4) & masks) ^ expected2;
            difference1 |= (walkcheck_load_pair(words + index + 6) & masks) ^ expected3;
            expected0 += eight;
            expected1 += eight;
            expected2 += eight;
            expected3 += eight;
        }
        const walkcheck_word_pair difference = difference0 | difference1;
        if ((difference[0] | difference[1]) != 0) return checked;
        checked = stop;
        block = later_block;
    }
    uint64_t difference = 0;
    uint64_t expected = first + (uint64_t)checked * stride;
    for (intptr_t index = checked; index < count; index++) {
        difference |= (words[index] & mask) ^ expected;
        expected += stride;
    }
    return difference == 0 ? count : checked;
}

#endif
