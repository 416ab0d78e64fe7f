/* Counts and timer behaviour under -icount: every value printed here is a
 * function of the instruction count, so armtcg prints the same bytes under
 * every engine (tests/test_gtimer.py::test_timer_icount_guest_*).  A WFI
 * with the (masked, unrouted) timer armed returns once the deadline has
 * passed: guest time skips to it.  Not for QEMU: its counts follow its own
 * icount accounting, and its WFI does not return without an interrupt. */
#include "guest.h"

static inline uint64_t cntvct(void)
{ uint64_t v; __asm__ volatile("isb\n mrrc p15, 1, %Q0, %R0, c14" : "=r"(v)); return v; }
static inline uint32_t cntv_ctl(void)
{ uint32_t v; __asm__ volatile("mrc p15, 0, %0, c14, c3, 1" : "=r"(v)); return v; }
static inline void set_cntv_ctl(uint32_t v)
{ __asm__ volatile("mcr p15, 0, %0, c14, c3, 1\n isb" :: "r"(v)); }
static inline void set_cntv_tval(uint32_t v)
{ __asm__ volatile("mcr p15, 0, %0, c14, c3, 0\n isb" :: "r"(v)); }
static inline uint64_t cntv_cval(void)
{ uint64_t v; __asm__ volatile("mrrc p15, 3, %Q0, %R0, c14" : "=r"(v)); return v; }
static inline uint32_t pmccntr(void)
{ uint32_t v; __asm__ volatile("mrc p15, 0, %0, c9, c13, 0" : "=r"(v)); return v; }

int main(void)
{
    uint64_t t[8], cval, woke;
    uint32_t c0, c1, lcg = 1;
    int i, j;

    __asm__ volatile("mcr p15, 0, %0, c9, c12, 0" :: "r"(1));          /* PMCR.E */
    __asm__ volatile("mcr p15, 0, %0, c9, c12, 1" :: "r"(0x80000000u)); /* PMCCNTR on */
    c0 = pmccntr();
    for (i = 0; i < 8; i++) {
        for (j = 0; j < (int)(lcg_next(&lcg) >> 24); j++)
            __asm__ volatile("");
        t[i] = cntvct();
    }
    c1 = pmccntr();
    for (i = 0; i < 8; i++)
        printf("t%d %u\n", i, (uint32_t)t[i]);
    printf("pmccntr delta %u\n", c1 - c0);

    set_cntv_tval(100000);
    set_cntv_ctl(3);              /* ENABLE | IMASK: no interrupt */
    cval = cntv_cval();
    __asm__ volatile("wfi");
    woke = cntvct();
    printf("wfi woke at cval+%u istatus %u\n", (uint32_t)(woke - cval), (cntv_ctl() >> 2) & 1);
    set_cntv_ctl(0);
    return 0;
}
