/* GICv2 on the CPU: identification and configuration registers, SGIs to
 * self taken as IRQ, priority preemption and the binary point, EOImode = 1
 * with GICC_DIR, Group 0 as FIQ, the Group 1 acknowledge rules.
 * Runs the same on QEMU 7.2 (virt, secure=off, virtualization=off);
 * tests/test_gicv2.py holds the expected output with the spec sections. */
#include "gic_guest.h"

static volatile uint32_t events[64];
static volatile uint32_t nevents;
static volatile uint32_t last_iar, last_fiq_iar, irq_count, fiq_count;
static volatile uint32_t eoi_mode_skip_eoi;   /* EOImode test: no DIR in handler */
static volatile uint32_t rpr_seen[16];
static volatile uint32_t apr_in_2[4];

#define EV_ENTER 0x100
#define EV_EXIT 0x200

static void log_event(uint32_t e)
{
    if (nevents < NELEMS(events))
        events[nevents++] = e;
}

static void print_events(const char *what)
{
    printf("%s:", what);
    for (uint32_t i = 0; i < nevents; i++)
        printf(" %s%d", events[i] & EV_ENTER ? "+" : "-", events[i] & 0xff);
    printf("\n");
    nevents = 0;
}

/* Nesting scenario, run from the handler of SGI 1 (priority 0xA0). */
static void sgi1_body(void)
{
    gic_set_priority(2, 0x40);          /* higher: preempts once IRQs are on */
    gic_set_priority(6, 0xC0);          /* lower: waits for SGI 1's EOI */
    gic_set_priority(7, 0x90);          /* same group priority as 0xA0 at BPR 5 */
    gic_sgi_self(6);
    gic_sgi_self(7);
    gic_sgi_self(2);
    barrier();
    irq_enable();
    for (volatile int i = 0; i < 1000; i++)
        ;
    irq_disable();
}

void gic_irq(void)
{
    uint32_t iar = gicc_rd(GICC_IAR);
    uint32_t id = iar & 0x3ff;
    last_iar = iar;
    irq_count++;
    if (id >= 1020)
        return;
    rpr_seen[id & 15] = gicc_rd(GICC_RPR);
    log_event(EV_ENTER | id);
    if (id == 2)
        for (int i = 0; i < 4; i++)
            apr_in_2[i] = gicc_rd(GICC_APR0 + 4 * i);
    if (id == 1)
        sgi1_body();
    log_event(EV_EXIT | id);
    gicc_wr(GICC_EOIR, iar);
    if (eoi_mode_skip_eoi == 0 && (gicc_rd(GICC_CTLR) & (1u << 9)))
        gicc_wr(GICC_DIR, iar);
}

void gic_fiq(void)
{
    uint32_t iar = gicc_rd(GICC_IAR);
    last_fiq_iar = iar;
    fiq_count++;
    gicc_wr(GICC_EOIR, iar);
}

static void test_ids(void)
{
    /* GICD_TYPER: ITLinesNumber, CPUNumber; GICD_IIDR; GICC_IIDR */
    printf("typer=%08x gicd_iidr=%08x gicc_iidr=%08x\n",
           gicd_rd(GICD_TYPER), gicd_rd(GICD_IIDR), gicc_rd(GICC_IIDR));
    printf("pidr:");
    for (uint32_t off = 0xfd0; off <= 0xffc; off += 4)
        printf(" %02x", gicd_rd(off));
    printf("\n");
    printf("icfgr0=%08x isenabler0=%08x\n", gicd_rd(GICD_ICFGR), gicd_rd(GICD_ISENABLER));
    /* ITARGETSR: uniprocessor GIC -> RAZ/WI */
    gicd_wr(GICD_ITARGETSR + 32, 0x01010101);
    wr8(GICD_BASE + GICD_ITARGETSR + 33, 0x01);
    printf("itargetsr0=%08x itargetsr7=%08x itargetsr8=%08x b33=%02x\n",
           gicd_rd(GICD_ITARGETSR), gicd_rd(GICD_ITARGETSR + 28),
           gicd_rd(GICD_ITARGETSR + 32), rd8(GICD_BASE + GICD_ITARGETSR + 33));
    /* reset values of the CPU interface, then what PMR/BPR keep */
    printf("ctlr=%x pmr=%x bpr=%x abpr=%x rpr=%x hppir=%x\n", gicc_rd(GICC_CTLR),
           gicc_rd(GICC_PMR), gicc_rd(GICC_BPR), gicc_rd(GICC_ABPR), gicc_rd(GICC_RPR),
           gicc_rd(GICC_HPPIR));
    gicc_wr(GICC_PMR, 0xff);
    gicc_wr(GICC_BPR, 0);
    printf("pmr<-ff: %x bpr<-0: %x\n", gicc_rd(GICC_PMR), gicc_rd(GICC_BPR));
    /* IPRIORITYR byte access; ICFGR of an SPI */
    gic_set_priority(40, 0x12);
    gic_set_priority(41, 0x34);
    wr8(GICD_BASE + GICD_IPRIORITYR + 43, 0x78);
    printf("ipriorityr10=%08x\n", gicd_rd(GICD_IPRIORITYR + 40));
    gicd_wr(GICD_ICFGR + 8, 0x00000002);
    printf("icfgr2=%08x\n", gicd_rd(GICD_ICFGR + 8));
    gicd_wr(GICD_ICFGR + 8, 1);         /* Int_config[0]: reserved in GICv2 */
    printf("icfgr2<-1: %08x\n", gicd_rd(GICD_ICFGR + 8));
    gicd_wr(GICD_ICFGR + 8, 0);
    /* which control bits exist (nothing is pending, so enabling is harmless) */
    gicd_wr(GICD_CTLR, 0xffffffff);
    gicc_wr(GICC_CTLR, 0xffffffff);
    printf("gicd_ctlr<-~0: %x gicc_ctlr<-~0: %x\n", gicd_rd(GICD_CTLR), gicc_rd(GICC_CTLR));
    gicc_wr(GICC_CTLR, 0);
    gicd_wr(GICD_CTLR, 0);
    gicc_wr(GICC_ABPR, 0);
    printf("abpr<-0: %x\n", gicc_rd(GICC_ABPR));
}

static void setup(uint32_t cpu_ctlr)
{
    gicd_wr(GICD_CTLR, 3);              /* EnableGrp0 | EnableGrp1 */
    gicc_wr(GICC_PMR, 0xf0);
    gicc_wr(GICC_BPR, 0);
    gicc_wr(GICC_CTLR, cpu_ctlr);
}

static void test_sgi_self(void)
{
    setup(1);
    for (int s = 0; s < 16; s++)
        gic_set_priority(s, 0x80);
    irq_enable();
    gic_sgi_self(3);
    barrier();
    printf("sgi3 self: iar=%x taken=%d\n", wait_flag(&last_iar), irq_count);
    last_iar = 0;
    gicd_wr(GICD_SGIR, (0u << 24) | (1u << 16) | 4);   /* target list = CPU 0 */
    barrier();
    printf("sgi4 list: iar=%x\n", wait_flag(&last_iar));
    last_iar = 0;
    gicd_wr(GICD_SGIR, (1u << 24) | 5);                /* all but self: none */
    barrier();
    for (volatile int i = 0; i < 1000; i++)
        ;
    printf("sgi5 others: iar=%x pending=%x\n", last_iar, gicd_rd(GICD_ISPENDR) & 0xffff);
    /* the write raises the IRQ line; the ISB (a context synchronization
     * event) lets the CPU take it before the load */
    last_iar = 0;
    gic_sgi_self(11);
    uint32_t now;
    __asm__ volatile("dsb\n\tisb\n\tldr %0, [%1]" : "=r"(now) : "r"(&last_iar) : "memory");
    printf("sgi11 after isb: iar=%x\n", now);

    /* pending while masked; visible in HPPIR, ISPENDR0, SPENDSGIR */
    irq_disable();
    gic_sgi_self(5);
    barrier();
    printf("masked: hppir=%x ispendr0=%x spendsgir1=%08x\n", gicc_rd(GICC_HPPIR),
           gicd_rd(GICD_ISPENDR), gicd_rd(GICD_SPENDSGIR + 4));
    /* CPSIE takes the pending IRQ before the next instruction */
    uint32_t seen;
    __asm__ volatile("cpsie i\n\tldr %0, [%1]" : "=r"(seen) : "r"(&last_iar) : "memory");
    printf("after cpsie: iar=%x\n", seen);
    /* WFI wakes on a pending interrupt even while IRQs are masked */
    irq_disable();
    gic_sgi_self(12);
    barrier();
    __asm__ volatile("wfi" ::: "memory");
    printf("wfi masked: woke hppir=%x\n", gicc_rd(GICC_HPPIR));
    irq_enable();
    barrier();
    print_events("events");
}

static void test_preemption(void)
{
    setup(1);
    gicc_wr(GICC_BPR, 5);       /* group priority = bits [7:6] */
    gic_set_priority(1, 0xA0);
    irq_enable();
    gic_sgi_self(1);
    barrier();
    for (volatile int i = 0; i < 2000; i++)
        ;
    print_events("nesting");
    printf("rpr in 1=%x in 2=%x in 7=%x in 6=%x now=%x\n", rpr_seen[1], rpr_seen[2],
           rpr_seen[7], rpr_seen[6], gicc_rd(GICC_RPR));
    printf("apr0-3 in 2: %x %x %x %x\n", apr_in_2[0], apr_in_2[1], apr_in_2[2], apr_in_2[3]);
    gicc_wr(GICC_BPR, 0);
}

static void test_eoimode1(void)
{
    setup(1 | (1u << 9));       /* EOImode = 1: EOIR drops priority, DIR deactivates */
    gic_set_priority(8, 0x80);
    eoi_mode_skip_eoi = 1;
    last_iar = 0;
    gic_sgi_self(8);
    barrier();
    wait_flag(&last_iar);
    printf("eoimode1: iar=%x rpr=%x isactiver0=%x\n", last_iar, gicc_rd(GICC_RPR),
           gicd_rd(GICD_ISACTIVER) & 0xffff);
    last_iar = 0;
    gic_sgi_self(8);            /* pending again, but active: not forwarded */
    barrier();
    for (volatile int i = 0; i < 1000; i++)
        ;
    printf("while active: iar=%x ispendr0=%x\n", last_iar, gicd_rd(GICD_ISPENDR) & 0xffff);
    eoi_mode_skip_eoi = 0;
    gicc_wr(GICC_DIR, 8);
    barrier();
    printf("after dir: iar=%x isactiver0=%x\n", wait_flag(&last_iar),
           gicd_rd(GICD_ISACTIVER) & 0xffff);
    print_events("events");
}

static void test_groups(void)
{
    /* SGI 9 in Group 0, SGI 10 in Group 1 */
    gicd_wr(GICD_IGROUPR, ~(1u << 9));
    printf("igroupr0=%08x\n", gicd_rd(GICD_IGROUPR));
    setup(1 | 2 | 4 | 8);       /* EnableGrp0 | EnableGrp1 | AckCtl | FIQEn */
    gic_set_priority(9, 0x80);
    gic_set_priority(10, 0x80);
    irq_enable();
    fiq_enable();
    last_iar = last_fiq_iar = 0;
    gic_sgi_self(9);
    barrier();
    printf("grp0 sgi9: fiq_iar=%x fiqs=%d irq_iar=%x\n", wait_flag(&last_fiq_iar),
           fiq_count, last_iar);
    gic_sgi_self(10);
    barrier();
    printf("grp1 sgi10: irq_iar=%x fiqs=%d\n", wait_flag(&last_iar), fiq_count);
    /* AckCtl = 0: a Secure IAR read of pending Group 1 returns 1022 */
    irq_disable();
    fiq_disable();
    setup(1 | 2 | 8);
    gic_sgi_self(10);
    barrier();
    printf("ackctl0: hppir=%x iar=%x\n", gicc_rd(GICC_HPPIR), gicc_rd(GICC_IAR));
    gicd_wr(GICD_CPENDSGIR + 8, 0xff << 16);  /* drop SGI 10's pending state */
    printf("cpendsgir: ispendr0=%x\n", gicd_rd(GICD_ISPENDR) & 0xffff);
#ifdef ALIASES
    /* the aliased registers act on Group 1 (spec 4.4.9-4.4.11) */
    gic_sgi_self(10);
    barrier();
    uint32_t ahppir = gicc_rd(GICC_AHPPIR), aiar = gicc_rd(GICC_AIAR);
    uint32_t nsapr = gicc_rd(GICC_NSAPR0 + 8);   /* priority 0x80: level 64 */
    gicc_wr(GICC_AEOIR, aiar);
    printf("aliases: ahppir=%x aiar=%x nsapr2=%x after aeoir: nsapr2=%x isactiver0=%x\n",
           ahppir, aiar, nsapr, gicc_rd(GICC_NSAPR0 + 8), gicd_rd(GICD_ISACTIVER) & 0xffff);
#endif
    /* FIQEn = 0: Group 0 is signalled as IRQ */
    setup(1 | 2 | 4);
    last_iar = 0;
    irq_enable();
    fiq_enable();
    gic_sgi_self(9);
    barrier();
    printf("fiqen0 sgi9: irq_iar=%x fiqs=%d\n", wait_flag(&last_iar), fiq_count);
    irq_disable();
    fiq_disable();
    gicd_wr(GICD_IGROUPR, 0);
    print_events("events");
}

int main(void)
{
    test_ids();
    test_sgi_self();
    test_preemption();
    test_eoimode1();
    test_groups();
    printf("done irqs=%d fiqs=%d\n", irq_count, fiq_count);
    return 0;
}
