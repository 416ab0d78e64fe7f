/* Generic timer behaviour a guest can observe without interrupts (ARM ARM
 * DDI 0406C B8 and B4.1.21-B4.1.35): the same lines under QEMU 7.2 virt
 * and armtcg (no counts are printed: they depend on host time).
 * tests/test_gtimer.py::test_timer_poll_guest_* hold the expected text. */
#include "guest.h"

#define CTL_ENABLE  1u
#define CTL_IMASK   2u
#define CTL_ISTATUS 4u
#define TICKS_100MS 6250000u     /* at 62.5 MHz */

uint32_t pl0_cntvct_undefs(uint32_t cntkctl);   /* timer_poll.S */

static inline uint32_t mrc_cntfrq(void)
{ uint32_t v; __asm__ volatile("mrc p15, 0, %0, c14, c0, 0" : "=r"(v)); return v; }
static inline uint32_t mrc_id_pfr1(void)
{ uint32_t v; __asm__ volatile("mrc p15, 0, %0, c0, c1, 1" : "=r"(v)); return v; }
static inline uint64_t cntvct(void)
{ uint64_t v; __asm__ volatile("isb\n mrrc p15, 1, %Q0, %R0, c14" : "=r"(v)); return v; }
static inline uint64_t cntpct(void)
{ uint64_t v; __asm__ volatile("isb\n mrrc p15, 0, %Q0, %R0, c14" : "=r"(v)); return v; }
static inline uint32_t cntv_ctl(void)
{ uint32_t v; __asm__ volatile("mrc p15, 0, %0, c14, c3, 1" : "=r"(v)); return v; }
static inline void set_cntv_ctl(uint32_t v)
{ __asm__ volatile("mcr p15, 0, %0, c14, c3, 1\n isb" :: "r"(v)); }
static inline int32_t cntv_tval(void)
{ uint32_t v; __asm__ volatile("mrc p15, 0, %0, c14, c3, 0" : "=r"(v)); return (int32_t)v; }
static inline void set_cntv_tval(uint32_t v)
{ __asm__ volatile("mcr p15, 0, %0, c14, c3, 0\n isb" :: "r"(v)); }
static inline uint64_t cntv_cval(void)
{ uint64_t v; __asm__ volatile("mrrc p15, 3, %Q0, %R0, c14" : "=r"(v)); return v; }
static inline void set_cntv_cval(uint64_t v)
{ __asm__ volatile("mcrr p15, 3, %Q0, %R0, c14\n isb" :: "r"(v)); }
static inline uint32_t cntp_ctl(void)
{ uint32_t v; __asm__ volatile("mrc p15, 0, %0, c14, c2, 1" : "=r"(v)); return v; }
static inline void set_cntp_ctl(uint32_t v)
{ __asm__ volatile("mcr p15, 0, %0, c14, c2, 1\n isb" :: "r"(v)); }
static inline void set_cntp_tval(uint32_t v)
{ __asm__ volatile("mcr p15, 0, %0, c14, c2, 0\n isb" :: "r"(v)); }

int main(void)
{
    uint64_t a, b, c;
    int i, mono = 1;

    printf("cntfrq %u\n", mrc_cntfrq());
    printf("id_pfr1 gentimer %u\n", (mrc_id_pfr1() >> 16) & 0xf);

    a = cntvct();
    for (i = 0; i < 1000; i++) {
        b = cntvct();
        if (b < a)
            mono = 0;
        a = b;
    }
    printf("cntvct monotonic %d\n", mono);
    /* no Hyp mode: CNTVOFF is 0, so the two counts agree in order */
    a = cntpct();
    b = cntvct();
    c = cntpct();
    printf("pct <= vct <= pct %d\n", a <= b && b <= c);

    /* virtual timer, masked: ISTATUS follows count >= CVAL, IMASK only masks the output */
    set_cntv_tval(TICKS_100MS);
    set_cntv_ctl(CTL_ENABLE | CTL_IMASK);
    printf("armed ctl %u tval>0 %d\n", cntv_ctl(), cntv_tval() > 0);
    while (!(cntv_ctl() & CTL_ISTATUS))
        ;
    printf("fired ctl %u tval<=0 %d count>=cval %d\n", cntv_ctl(), cntv_tval() <= 0,
           cntvct() >= cntv_cval());
    set_cntv_ctl(CTL_IMASK);
    printf("disabled ctl %u\n", cntv_ctl());

    /* CVAL in the far future; then a negative TVAL: CVAL = count + sext(TVAL) < count */
    set_cntv_cval(~0ull);
    set_cntv_ctl(CTL_ENABLE | CTL_IMASK);
    printf("far cval ctl %u\n", cntv_ctl());
    set_cntv_tval((uint32_t)-1000);
    a = cntvct();
    printf("negative tval ctl %u cval<count %d\n", cntv_ctl(), cntv_cval() < a);
    set_cntv_ctl(0);

    /* physical timer */
    set_cntp_tval(0);
    set_cntp_ctl(CTL_ENABLE | CTL_IMASK);
    printf("phys tval 0 ctl %u\n", cntp_ctl());
    set_cntp_ctl(0);

    /* PL0 access to CNTVCT: UNDEF unless CNTKCTL.PL0VCTEN (B4.1.27) */
    printf("pl0 cntvct undef with cntkctl 0: %u\n", pl0_cntvct_undefs(0));
    printf("pl0 cntvct undef with PL0VCTEN: %u\n", pl0_cntvct_undefs(2));
    printf("pl0 cntvct undef with PL0PCTEN only: %u\n", pl0_cntvct_undefs(1));
    return 0;
}
