/* The virtual timer's interrupt through the GIC (PPI 11 = INTID 27 on
 * QEMU virt), taken by a WFI-idling guest: ARM ARM B8.1.5 (the condition
 * and its level output), GICv2 IHI 0048B 4.3/4.4 (distributor, CPU
 * interface).  The lines are behaviour only (no counts): the same under
 * QEMU 7.2 and armtcg (tests/test_gtimer.py::test_timer_irq_guest_*). */
#include "guest.h"

#define GICD 0x08000000u
#define GICC 0x08010000u
#define REG(a) (*(volatile uint32_t *)(a))
#define GICD_CTLR       REG(GICD + 0x000)
#define GICD_ISENABLER0 REG(GICD + 0x100)
#define GICD_IPRIORITYR(n) REG(GICD + 0x400 + 4 * (n))
#define GICC_CTLR       REG(GICC + 0x00)
#define GICC_PMR        REG(GICC + 0x04)
#define GICC_IAR        REG(GICC + 0x0C)
#define GICC_EOIR       REG(GICC + 0x10)
#define INTID_VTIMER 27
#define ROUNDS 3
#define TICKS_1MS 62500u

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

static volatile int irqs, bad, late;
static volatile uint32_t ctl_in_irq;

void __attribute__((interrupt("IRQ"))) irq_handler(void)
{
    uint32_t iar = GICC_IAR;
    if ((iar & 0x3ff) == INTID_VTIMER) {
        ctl_in_irq = cntv_ctl();
        if (cntvct() < cntv_cval())
            late = 1;            /* taken before the condition held */
        set_cntv_ctl(3);         /* IMASK: the level output drops (as Linux does) */
        irqs++;
    } else {
        bad++;
    }
    GICC_EOIR = iar;
}

int main(void)
{
    int round;

    GICD_IPRIORITYR(INTID_VTIMER / 4) = 0;
    GICD_ISENABLER0 = 1u << INTID_VTIMER;
    GICD_CTLR = 1;
    GICC_PMR = 0xF0;
    GICC_CTLR = 1;

    for (round = 0; round < ROUNDS; round++) {
        set_cntv_tval(TICKS_1MS);
        set_cntv_ctl(1);                  /* ENABLE, not masked */
        __asm__ volatile("cpsie i");
        while (irqs == round)
            __asm__ volatile("wfi");
        __asm__ volatile("cpsid i");
        printf("round %d irqs %d ctl in irq %u early %d\n", round, irqs, ctl_in_irq, late);
    }
    set_cntv_ctl(0);
    printf("spurious %d\n", bad);
    return 0;
}
