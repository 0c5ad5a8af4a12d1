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

/// The size of a compare's later blocks: `later_block` rounded down to a multiple of 8, at least 8
/// (a block of 0 would never advance, one of 12 would compare words against the wrong expected values).
static inline __attribute__((always_inline))
intptr_t walkcheck_later_block(intptr_t later_block) {
    return later_block < 8 ? 8 : later_block & ~(intptr_t)7;
}

/// Where the block from `checked` ends: `block` words on, or fewer when fewer whole eights are left.
static inline __attribute__((always_inline))
intptr_t walkcheck_block_stop(intptr_t count, intptr_t checked, intptr_t block) {
    intptr_t room = (count - checked) & ~(intptr_t)7;
    return checked + (room < block ? room : block);
}

/// The words from `checked` (every one before it known to follow) to `count`, fewer than eight:
/// `count` when each follows the pattern, else `checked`. With eight words or more in all, the
/// last eight are compared as one block of pairs (the ones before `checked` again, which follow),
/// so a short scan's odd end costs one block, not a word-by-word loop (a 64 KiB folio scanned
/// from its second word: 15 words, 8 then 7); with fewer, one by one.
static inline __attribute__((always_inline))
intptr_t walkcheck_words_following_tail(const uint64_t *words, intptr_t count, intptr_t checked, uint64_t first,
                                        uint64_t stride, uint64_t mask) {
    if (checked == count) return count;
    if (count >= 8) {
        const intptr_t from = count - 8;
        const walkcheck_word_pair masks = {mask, mask};
        const walkcheck_word_pair two = {2 * stride, 2 * stride};
        const uint64_t expected = first + (uint64_t)from * stride;
        const walkcheck_word_pair expected0 = {expected, expected + stride};
        walkcheck_word_pair difference = (walkcheck_load_pair(words + from) & masks) ^ expected0;
        difference |= (walkcheck_load_pair(words + from + 2) & masks) ^ (expected0 + two);
        difference |= (walkcheck_load_pair(words + from + 4) & masks) ^ (expected0 + two + two);
        difference |= (walkcheck_load_pair(words + from + 6) & masks) ^ (expected0 + two + two + two);
        return (difference[0] | difference[1]) == 0 ? count : checked;
    }
    uint64_t difference = 0;
    uint64_t expected = first + (uint64_t)checked * stride;
    for (intptr_t index = checked; index < count; index++) {
        difference |= (words[index] & mask) ^ expected;
        expected += stride;
    }
    return difference == 0 ? count : checked;
}

/// How many of the `count` words from `words` are known to follow a batch pattern: word `k`,
/// ANDed with `mask`, equal to `first + k * stride`. Returns `count` when every word follows;
/// otherwise the start of the first block holding a word that does not (a multiple of 8, the
/// exact stop left to the caller). The first block is 16 words, later ones `later_block` rounded
/// down to a multiple of 8 (at least 8), so at most a block less one word is read past the stop.
///
/// Each block is compared eight words an iteration, as four pairs with their own expected pair and
/// two accumulators of differences, tested once at the block's end; words past the last whole
/// eight go to ``walkcheck_words_following_tail``. This is the narrow compare, 128-bit vectors,
/// inlined into its caller; ``walkcheck_words_following`` picks it or the wide one.
static inline __attribute__((always_inline))
intptr_t walkcheck_words_following_narrow(const uint64_t *words, intptr_t count, uint64_t first, uint64_t stride,
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
    later_block = walkcheck_later_block(later_block);
    while (count - checked >= 8) {
        intptr_t stop = walkcheck_block_stop(count, checked, block);
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
    return walkcheck_words_following_tail(words, count, checked, first, stride, mask);
}

/// The wide compare: the same answer as ``walkcheck_words_following_narrow`` for every input (the
/// same blocks, tested at the same points), sixteen words an iteration in 256-bit vectors (AVX2).
/// Defined in `WordScan.c` with AVX2 enabled for it alone; call it only when
/// ``walkcheck_wide_compare_available`` says the CPU runs it. On other architectures it is the
/// narrow compare.
intptr_t walkcheck_words_following_wide(const uint64_t *words, intptr_t count, uint64_t first, uint64_t stride,
                                        uint64_t mask, intptr_t later_block);

/// Whether this CPU (and its operating system, which must save the 256-bit registers) runs the
/// wide compare: 1 or 0, asked of the CPU (`cpuid`, `xgetbv`). The first answer is remembered for
/// ``walkcheck_words_following`` unless the wide compare was turned off before.
int walkcheck_wide_compare_available(void);

/// Turns the wide compare off for the rest of the process: every scan takes the narrow one (what
/// `walkcheck bench --narrow-compare` times, as on a CPU without AVX2).
void walkcheck_wide_compare_turn_off(void);

/// Whether ``walkcheck_words_following`` takes the wide compare for long scans: 1 or 0 (asking the
/// CPU first if it has not been asked).
int walkcheck_wide_compare_chosen(void);

/// Which compare ``walkcheck_words_following`` takes for long scans: 0 not yet asked, 1 narrow
/// (no AVX2, or turned off), 2 wide.
extern int walkcheck_wide_compare_state;

/// The fewest words worth the call to the wide compare (it is not inlined): below this many the
/// narrow compare runs inline.
#define WALKCHECK_WIDE_MINIMUM 64

/// How many of the `count` words from `words` are known to follow a batch pattern, as
/// ``walkcheck_words_following_narrow`` defines it: scans of at least ``WALKCHECK_WIDE_MINIMUM``
/// words go to the wide compare when the CPU runs it, the rest to the narrow one. Both give the
/// same answer, so the choice changes the time only.
static inline __attribute__((always_inline))
intptr_t walkcheck_words_following(const uint64_t *words, intptr_t count, uint64_t first, uint64_t stride,
                                   uint64_t mask, intptr_t later_block) {
#if defined(__x86_64__)
    if (count >= WALKCHECK_WIDE_MINIMUM) {
        int state = __atomic_load_n(&walkcheck_wide_compare_state, __ATOMIC_RELAXED);
        if (state == 2 || (state == 0 && walkcheck_wide_compare_chosen())) {
            return walkcheck_words_following_wide(words, count, first, stride, mask, later_block);
        }
    }
#endif
    return walkcheck_words_following_narrow(words, count, first, stride, mask, later_block);
}

#endif
