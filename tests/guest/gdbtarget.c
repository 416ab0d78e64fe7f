/* The gdbstub's guest (tests/test_gdbstub.py): small non-inlined
 * functions to break in and step through, a global the debugger reads
 * and writes, one store a watchpoint must catch, and cp15 accesses the
 * debugger's view of the system registers is compared with, a loop the
 * debugger can make spin (to interrupt it).  Its output
 * follows from the C (and from what the debugger changed). */
#include "guest.h"

#define NOINLINE __attribute__((noinline, noclone))

volatile uint32_t counter;
volatile uint32_t watched;
volatile uint32_t before_watched;  /* stored next to it: must not fire */
uint32_t sctlr_seen;
/* the debugger sets it before the guest starts (in .data: .bss is zeroed at reset) */
volatile uint32_t spin __attribute__((section(".data")));
volatile uint32_t spins;

NOINLINE uint32_t step3(uint32_t x)
{
    return x * 3 + 1;
}

NOINLINE void store_watched(uint32_t v)
{
    before_watched = v + 1;
    watched = v;
}

NOINLINE static void touch_cp15(void)
{
    uint32_t v = 0x12345678;
    __asm__ volatile("mcr p15, 0, %0, c13, c0, 2" : : "r"(v));        /* TPIDRURW */
    __asm__ volatile("mrc p15, 0, %0, c1, c0, 0" : "=r"(sctlr_seen));  /* SCTLR */
}

int main(void)
{
    uint32_t acc = 0;
    touch_cp15();
    for (uint32_t i = 0; i < 5; i++) {
        acc += step3(i);
        counter++;
    }
    store_watched(acc);
    while (spin)
        spins++;
    printf("acc=%u counter=%u watched=%u\n", acc, counter, watched);
    return 0;
}
