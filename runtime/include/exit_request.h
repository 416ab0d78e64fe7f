/* The exit-request word is written by other threads (the host alarm, a
 * device backend, Ctrl-C): bits are set and taken atomically. */
#ifndef ARMTCG_EXIT_REQUEST_H
#define ARMTCG_EXIT_REQUEST_H
#include <stdint.h>

static inline void exit_request_set(volatile uint32_t *word, uint32_t bits)
{
    __atomic_or_fetch(word, bits, __ATOMIC_SEQ_CST);
}

/* clear bits; returns the word as it was */
static inline uint32_t exit_request_take(volatile uint32_t *word, uint32_t bits)
{
    return __atomic_fetch_and(word, ~bits, __ATOMIC_SEQ_CST);
}
#endif
