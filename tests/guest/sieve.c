/* Sieve of Eratosthenes: primes below a limit, their count, sum and the
 * last few.  Each round uses a different limit. */
#include "guest.h"

#ifndef ITERS
#define ITERS 4             /* rounds */
#endif
#define LIMIT 200000

static uint8_t composite[LIMIT];

int main(void)
{
    uint32_t total = 0;

    for (int round = 0; round < ITERS; round++) {
        uint32_t n = LIMIT - (uint32_t)round * 997 % (LIMIT / 4);
        uint32_t count = 0, sum = 0, last[4] = {0, 0, 0, 0};

        memset(composite, 0, n);
        for (uint32_t i = 2; i * i < n; i++)
            if (!composite[i])
                for (uint32_t j = i * i; j < n; j += i)
                    composite[j] = 1;
        for (uint32_t i = 2; i < n; i++) {
            if (!composite[i]) {
                count++;
                sum += i;
                last[count % 4] = i;
            }
        }
        printf("primes below %6u: %5u, sum %10u, last %u %u %u %u\n", n, count, sum,
               last[(count + 1) % 4], last[(count + 2) % 4], last[(count + 3) % 4],
               last[count % 4]);
        total += count;
    }
    printf("sieve: %d rounds, %u primes in all\n", ITERS, total);
    return 0;
}
