/* PMU (Cortex-A15 TRM ch. 11, ARM ARM C12) and ThumbEE (ARM ARM A2.10)
 * behaviour that does not depend on how fast cycles pass: the same lines
 * under QEMU 7.2 virt and armtcg.  tests/test_pmu.py holds the expected text. */
#include "guest.h"

uint32_t pl0_try(void (*fn)(void));    /* pmu_basic.S */
void pl0_pmccntr_read(void), pl0_pmuserenr_read(void), pl0_pmintenset_read(void);
void pl0_teehbr_read(void), pl0_teehbr_write(void), pl0_teecr_read(void), pl0_teecr_write(void);

#define MRC(op1, crn, crm, op2) ({ uint32_t v_; \
    __asm__ volatile("mrc p15, " #op1 ", %0, " #crn ", " #crm ", " #op2 : "=r"(v_)); v_; })
#define MCR(op1, crn, crm, op2, v) \
    __asm__ volatile("mcr p15, " #op1 ", %0, " #crn ", " #crm ", " #op2 "\n isb" :: "r"(v))

#define PMCR()          MRC(0, c9, c12, 0)
#define SET_PMCR(v)     MCR(0, c9, c12, 0, v)
#define PMCNTENSET()    MRC(0, c9, c12, 1)
#define SET_PMCNTENSET(v) MCR(0, c9, c12, 1, v)
#define PMCNTENCLR()    MRC(0, c9, c12, 2)
#define SET_PMCNTENCLR(v) MCR(0, c9, c12, 2, v)
#define PMOVSR()        MRC(0, c9, c12, 3)
#define SET_PMOVSR(v)   MCR(0, c9, c12, 3, v)
#define SET_PMSWINC(v)  MCR(0, c9, c12, 4, v)
#define SET_PMSELR(v)   MCR(0, c9, c12, 5, v)
#define PMCCNTR()       MRC(0, c9, c13, 0)
#define SET_PMCCNTR(v)  MCR(0, c9, c13, 0, v)
#define PMXEVTYPER()    MRC(0, c9, c13, 1)
#define SET_PMXEVTYPER(v) MCR(0, c9, c13, 1, v)
#define PMXEVCNTR()     MRC(0, c9, c13, 2)
#define SET_PMXEVCNTR(v) MCR(0, c9, c13, 2, v)
#define SET_PMUSERENR(v) MCR(0, c9, c14, 0, v)
#define PMINTENSET()    MRC(0, c9, c14, 1)
#define SET_PMINTENSET(v) MCR(0, c9, c14, 1, v)
#define SET_PMINTENCLR(v) MCR(0, c9, c14, 2, v)
#define SET_PMOVSSET(v) MCR(0, c9, c14, 3, v)

static void spin(int n)
{
    volatile int i;
    for (i = 0; i < n; i++)
        ;
}

int main(void)
{
    uint32_t pmcr = PMCR(), a, b, v;

    printf("pmcr imp %x idcode %x n %u low %x\n", pmcr >> 24, (pmcr >> 16) & 0xff,
           (pmcr >> 11) & 0x1f, pmcr & 0x3f);

    SET_PMCNTENSET(0xffffffffu);
    printf("cntenset %x cntenclr %x\n", PMCNTENSET(), PMCNTENCLR());
    SET_PMCNTENCLR(0x7ffffffeu);
    printf("after clr %x\n", PMCNTENSET());

    SET_PMOVSSET(0x80000002u);
    printf("ovsr %x\n", PMOVSR());
    SET_PMOVSR(0xffffffffu);
    printf("ovsr cleared %x\n", PMOVSR());

    SET_PMINTENSET(0x80000001u);
    SET_PMINTENCLR(1);
    printf("intenset %x\n", PMINTENSET());
    SET_PMINTENCLR(0xffffffffu);

    /* cycle counter: counts with PMCR.E and its enable bit; C resets it */
    SET_PMCR(1 | 4);
    spin(1000);
    a = PMCCNTR();
    printf("pmccntr counts %d\n", a > 0);
    SET_PMCNTENCLR(0x80000000u);
    a = PMCCNTR();
    spin(1000);
    b = PMCCNTR();
    printf("pmccntr stopped %d\n", a == b);
    SET_PMCR(1 | 4);
    printf("pmccntr after C %u\n", PMCCNTR());
    SET_PMCCNTR(0x1234);
    printf("pmccntr write %x\n", PMCCNTR());

    /* counter 1 counts SW_INCR; counter 0 (INST_RETIRED) stays disabled
     * (QEMU counts INST_RETIRED only under -icount) */
    SET_PMCNTENCLR(0xffffffffu);
    SET_PMSELR(0);
    SET_PMXEVTYPER(0x08);
    SET_PMXEVCNTR(0);
    SET_PMSELR(1);
    SET_PMXEVTYPER(0x00);
    SET_PMXEVCNTR(0xfffffffeu);
    SET_PMCNTENSET(2);
    SET_PMSWINC(3);
    SET_PMSWINC(3);
    SET_PMSWINC(3);
    v = PMXEVCNTR();
    printf("swinc counter %x type %x ovsr %x\n", v, PMXEVTYPER(), PMOVSR());
    SET_PMSELR(0);
    printf("stopped counter %u\n", PMXEVCNTR());
    SET_PMOVSR(0xffffffffu);
    SET_PMCR(2 | 4);          /* P and C: reset counters, disabled */
    SET_PMSELR(1);
    printf("after P %u\n", PMXEVCNTR());

    /* PL0 access through PMUSERENR.EN (C12.8.17) */
    SET_PMUSERENR(0);
    printf("pl0 pmccntr undef %u, pmuserenr undef %u\n",
           pl0_try(pl0_pmccntr_read), pl0_try(pl0_pmuserenr_read));
    SET_PMUSERENR(1);
    printf("EN: pl0 pmccntr undef %u, pmintenset undef %u\n",
           pl0_try(pl0_pmccntr_read), pl0_try(pl0_pmintenset_read));
    SET_PMUSERENR(0);

    /* ThumbEE: TEECR.XED gates PL0 TEEHBR access (A2.10) */
    __asm__ volatile("mcr p14, 6, %0, c0, c0, 0\n isb" :: "r"(0));
    printf("xed 0: teehbr read undef %u write undef %u\n",
           pl0_try(pl0_teehbr_read), pl0_try(pl0_teehbr_write));
    __asm__ volatile("mcr p14, 6, %0, c0, c0, 0\n isb" :: "r"(1));
    printf("xed 1: teehbr read undef %u write undef %u\n",
           pl0_try(pl0_teehbr_read), pl0_try(pl0_teehbr_write));
    printf("teecr pl0 read undef %u write undef %u\n",
           pl0_try(pl0_teecr_read), pl0_try(pl0_teecr_write));
    __asm__ volatile("mcr p14, 6, %0, c0, c0, 0\n isb" :: "r"(0));
    return 0;
}
