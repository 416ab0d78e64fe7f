/* GICv2 SPIs and PPIs driven by the test: a trigger device at TRIGGER_BASE
 * (provided by tests/test_gicv2.py, not part of the virt board) sets the
 * level of GIC input lines: a word write at 4*k drives SPI k (INTID 32+k),
 * at 0x100 + 4*p PPI p of CPU 0 (INTID 16+p).
 * Checks level-sensitive inputs re-pending while asserted, edge inputs
 * latching on a rising edge, enables and the Distributor enable. */
#include "gic_guest.h"

#define TRIGGER_BASE 0x0B000000u
#define SPI_LEVEL 8             /* INTID 40 */
#define SPI_EDGE 9              /* INTID 41 */
#define PPI_TIMER 14            /* INTID 30 */

static volatile uint32_t ids[32];
static volatile uint32_t nids;
static volatile uint32_t drop_after;   /* deassert the level input on the Nth IRQ */

static void drive_spi(int spi, int level)
{
    wr32(TRIGGER_BASE + 4 * spi, level);
}

static void drive_ppi(int ppi, int level)
{
    wr32(TRIGGER_BASE + 0x100 + 4 * ppi, level);
}

void gic_irq(void)
{
    uint32_t iar = gicc_rd(GICC_IAR);
    uint32_t id = iar & 0x3ff;
    if (id >= 1020)
        return;
    if (nids < NELEMS(ids))
        ids[nids++] = id;
    if (nids == drop_after) {
        if (id == 32 + SPI_LEVEL)
            drive_spi(SPI_LEVEL, 0);
        if (id == 16 + PPI_TIMER)
            drive_ppi(PPI_TIMER, 0);
    }
    gicc_wr(GICC_EOIR, iar);
}

void gic_fiq(void)
{
}

static void spin(void)
{
    for (volatile int i = 0; i < 2000; i++)
        ;
}

static void print_ids(const char *what)
{
    printf("%s:", what);
    for (uint32_t i = 0; i < nids; i++)
        printf(" %d", ids[i]);
    printf("\n");
    nids = 0;
}

static uint32_t pend_bit(int intid)
{
    return (gicd_rd(GICD_ISPENDR + 4 * (intid / 32)) >> (intid % 32)) & 1;
}

static uint32_t active_bit(int intid)
{
    return (gicd_rd(GICD_ISACTIVER + 4 * (intid / 32)) >> (intid % 32)) & 1;
}

static void test_level(void)
{
    int intid = 32 + SPI_LEVEL;
    gic_set_priority(intid, 0x80);
    gic_enable(intid);
    /* masked: the asserted level is the pending state */
    drive_spi(SPI_LEVEL, 1);
    printf("level high: pending=%d\n", pend_bit(intid));
    gicd_wr(GICD_ICPENDR + 4, 1u << SPI_LEVEL);
    printf("icpendr while high: pending=%d\n", pend_bit(intid));
    drive_spi(SPI_LEVEL, 0);
    printf("level low: pending=%d\n", pend_bit(intid));
    /* taken, re-pends after each EOI while asserted; the third handler
     * lowers the line before its EOI */
    drop_after = 3;
    drive_spi(SPI_LEVEL, 1);
    irq_enable();
    spin();
    irq_disable();
    print_ids("level");
    printf("after: pending=%d active=%d\n", pend_bit(intid), active_bit(intid));
    /* a pulse on a level-sensitive input while masked leaves nothing pending */
    drive_spi(SPI_LEVEL, 1);
    drive_spi(SPI_LEVEL, 0);
    printf("level pulse: pending=%d\n", pend_bit(intid));
    /* ISPENDR latches a level-sensitive interrupt as pending (spec 4.3.7) */
    gicd_wr(GICD_ISPENDR + 4, 1u << SPI_LEVEL);
    drop_after = 0;
    irq_enable();
    spin();
    irq_disable();
    print_ids("ispendr");
}

static void test_edge(void)
{
    int intid = 32 + SPI_EDGE;
    gicd_wr(GICD_ICFGR + 8, 2u << (2 * (intid % 16)));     /* edge-triggered */
    gic_set_priority(intid, 0x80);
    gic_enable(intid);
    drive_spi(SPI_EDGE, 1);
    drive_spi(SPI_EDGE, 0);
    printf("edge pulse: pending=%d\n", pend_bit(intid));
    irq_enable();
    spin();
    irq_disable();
    print_ids("edge");
    /* a line held high is taken once */
    drive_spi(SPI_EDGE, 1);
    irq_enable();
    spin();
    irq_disable();
    drive_spi(SPI_EDGE, 0);
    print_ids("edge held");
    /* an edge while active: active and pending, taken again after EOI */
    drive_spi(SPI_EDGE, 1);
    drive_spi(SPI_EDGE, 0);
    uint32_t iar = gicc_rd(GICC_IAR);
    drive_spi(SPI_EDGE, 1);
    drive_spi(SPI_EDGE, 0);
    printf("acked %d: active=%d pending=%d hppir=%d\n", iar, active_bit(intid),
           pend_bit(intid), gicc_rd(GICC_HPPIR));
    gicc_wr(GICC_EOIR, iar);
    irq_enable();
    spin();
    irq_disable();
    print_ids("edge again");
}

static void test_enables(void)
{
    int intid = 32 + SPI_EDGE;
    gicd_wr(GICD_ICENABLER + 4, 1u << SPI_EDGE);
    printf("isenabler1=%08x\n", gicd_rd(GICD_ISENABLER + 4));
    drive_spi(SPI_EDGE, 1);
    drive_spi(SPI_EDGE, 0);
    irq_enable();
    spin();
    irq_disable();
    print_ids("disabled");
    gicd_wr(GICD_CTLR, 0);      /* Distributor off: nothing forwarded */
    gic_enable(intid);
    irq_enable();
    spin();
    irq_disable();
    print_ids("dist off");
    gicd_wr(GICD_CTLR, 3);
    irq_enable();
    spin();
    irq_disable();
    print_ids("dist on");
    /* priority mask: 0x80 is not above PMR = 0x80 */
    gicc_wr(GICC_PMR, 0x80);
    drive_spi(SPI_EDGE, 1);
    drive_spi(SPI_EDGE, 0);
    irq_enable();
    spin();
    irq_disable();
    print_ids("pmr 80");
    gicc_wr(GICC_PMR, 0x88);
    irq_enable();
    spin();
    irq_disable();
    print_ids("pmr 88");
}

static void test_ppi(void)
{
    int intid = 16 + PPI_TIMER;
    gic_set_priority(intid, 0x40);
    gic_enable(intid);
    printf("icfgr1=%08x\n", gicd_rd(GICD_ICFGR + 4));
    drop_after = 2;
    drive_ppi(PPI_TIMER, 1);
    irq_enable();
    spin();
    irq_disable();
    print_ids("ppi");
}

int main(void)
{
    gicd_wr(GICD_CTLR, 3);
    gicc_wr(GICC_PMR, 0xf0);
    gicc_wr(GICC_CTLR, 1);
    test_level();
    test_edge();
    test_enables();
    test_ppi();
    printf("done\n");
    return 0;
}
