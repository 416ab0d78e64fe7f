/* GICv2 virtualization extensions seen from the CPU: the virtual
 * interface control (GICH) and the virtual CPU interface (GICV) are two
 * views of one state.  The guest programs list registers through GICH and
 * acknowledges/completes them through GICV by polling (the virtual IRQ
 * pin is not wired to this CPU, which has no Hyp mode), then reads the
 * effects back through the other view.  The test wires the maintenance
 * interrupt to PPI 9 (INTID 25). */
#include "gic_guest.h"

#define gich_rd(off)     rd32(GICH_BASE + (off))
#define gich_wr(off, v)  wr32(GICH_BASE + (off), (v))
#define gicv_rd(off)     rd32(GICV_BASE + (off))
#define gicv_wr(off, v)  wr32(GICV_BASE + (off), (v))

#define LR_PENDING (1u << 28)
#define LR_ACTIVE  (1u << 29)
#define LR_GRP1    (1u << 30)
#define LR_HW      (1u << 31)
#define LR_EOI     (1u << 19)
#define LR_PRIO(p) ((uint32_t)(p) << 23)   /* 5-bit priority field */

void gic_irq(void)
{
}

void gic_fiq(void)
{
}

static void show(const char *what)
{
    printf("%s: hcr=%08x vmcr=%08x misr=%x eisr=%x elrsr=%x apr=%x lr=%08x %08x %08x %08x"
           " maint=%d\n", what, gich_rd(GICH_HCR), gich_rd(GICH_VMCR), gich_rd(GICH_MISR),
           gich_rd(GICH_EISR0), gich_rd(GICH_ELRSR0), gich_rd(GICH_APR), gich_rd(GICH_LR(0)),
           gich_rd(GICH_LR(1)), gich_rd(GICH_LR(2)), gich_rd(GICH_LR(3)),
           (gicd_rd(GICD_ISPENDR) >> 25) & 1);
}

static void test_reset_and_vmcr(void)
{
    printf("vtr=%08x\n", gich_rd(GICH_VTR));
    show("reset");
    printf("gicv: ctlr=%x pmr=%x bpr=%x abpr=%x rpr=%x iar=%x\n", gicv_rd(GICC_CTLR),
           gicv_rd(GICC_PMR), gicv_rd(GICC_BPR), gicv_rd(GICC_ABPR), gicv_rd(GICC_RPR),
           gicv_rd(GICC_IAR));
    gicv_wr(GICC_CTLR, 1);          /* -> VMCR.VMGrp0En */
    gicv_wr(GICC_PMR, 0xff);        /* 5 bits kept -> VMCR.VMPriMask */
    gicv_wr(GICC_BPR, 0);           /* below the minimum: 2 */
    printf("vmcr=%08x\n", gich_rd(GICH_VMCR));
    gich_wr(GICH_VMCR, (3u << 21) | (4u << 18) | (0x10u << 27) | 1);
    printf("gicv: ctlr=%x pmr=%x bpr=%x abpr=%x\n", gicv_rd(GICC_CTLR), gicv_rd(GICC_PMR),
           gicv_rd(GICC_BPR), gicv_rd(GICC_ABPR));
    gich_wr(GICH_VMCR, (0x1fu << 27) | (2u << 21) | (3u << 18) | 1);
}

static void test_ack_eoi(void)
{
    gich_wr(GICH_HCR, 1);                                   /* En */
    gich_wr(GICH_LR(0), LR_PENDING | LR_PRIO(0x10) | 27);   /* priority 0x80 */
    gich_wr(GICH_LR(1), LR_PENDING | LR_PRIO(0x08) | LR_EOI | 50);   /* 0x40 */
    show("loaded");
    printf("hppir=%d\n", gicv_rd(GICC_HPPIR));
    uint32_t iar = gicv_rd(GICC_IAR);
    printf("iar=%d rpr=%x apr0=%x\n", iar, gicv_rd(GICC_RPR), gicv_rd(GICC_APR0));
    show("acked 50");
    printf("iar (27 below running)=%d\n", gicv_rd(GICC_IAR));
    gicv_wr(GICC_EOIR, iar);
    show("eoi 50");
    gich_wr(GICH_LR(1), 0);         /* the hypervisor handles the maintenance */
    show("lr1 freed");
    iar = gicv_rd(GICC_IAR);
    gicv_wr(GICC_EOIR, iar);
    printf("iar=%d\n", iar);
    show("eoi 27");
}

static void test_maintenance_conditions(void)
{
    gich_wr(GICH_LR(0), LR_PENDING | LR_PRIO(0x10) | 28);
    gich_wr(GICH_HCR, 1 | 2);               /* UIE: at most one LR valid */
    show("uie");
    gich_wr(GICH_HCR, 1 | 8);               /* NPIE: no LR pending */
    show("npie pending");
    uint32_t iar = gicv_rd(GICC_IAR);
    show("npie active");
    gicv_wr(GICC_EOIR, iar);
    gich_wr(GICH_HCR, 1 | 4);               /* LRENPIE: EOICount != 0 */
    gicv_wr(GICC_EOIR, 99);                 /* no LR holds 99 */
    show("eoicount");
    gich_wr(GICH_HCR, 1 | 0x10 | 0x80);     /* VGrp0EIE, VGrp1DIE */
    show("vgrp");
    gich_wr(GICH_HCR, 1);
}

static void test_eoimode_groups_sgi(void)
{
    gicv_wr(GICC_CTLR, 1 | (1u << 9));      /* VEM: EOIR drops, DIR deactivates */
    gich_wr(GICH_LR(0), LR_PENDING | LR_PRIO(0x10) | 33);
    uint32_t iar = gicv_rd(GICC_IAR);
    gicv_wr(GICC_EOIR, iar);
    printf("vem eoir: rpr=%x lr0=%08x\n", gicv_rd(GICC_RPR), gich_rd(GICH_LR(0)));
    gicv_wr(GICC_DIR, iar);
    printf("vem dir: lr0=%08x\n", gich_rd(GICH_LR(0)));
    /* Group 1 with VMAckCtl = 0: 1022 from GICV_IAR, the ID from GICV_AIAR */
    gicv_wr(GICC_CTLR, 1 | 2);
    gich_wr(GICH_LR(0), LR_GRP1 | LR_PENDING | LR_PRIO(0x10) | 34);
    printf("grp1: hppir=%d iar=%d ahppir=%d", gicv_rd(GICC_HPPIR), gicv_rd(GICC_IAR),
           gicv_rd(GICC_AHPPIR));
    iar = gicv_rd(GICC_AIAR);
    printf(" aiar=%d\n", iar);
    gicv_wr(GICC_AEOIR, iar);
    printf("grp1 aeoir: lr0=%08x\n", gich_rd(GICH_LR(0)));
    /* a virtual SGI carries its source CPU in bits 12:10 */
    gich_wr(GICH_LR(0), LR_PENDING | LR_PRIO(0x10) | (2u << 10) | 3);
    iar = gicv_rd(GICC_IAR);
    gicv_wr(GICC_EOIR, iar);
    printf("vsgi: iar=%x lr0=%08x\n", iar, gich_rd(GICH_LR(0)));
}

static void test_hw(void)
{
    /* physical SPI 45 made active through GICC, then handed to the vCPU */
    gicd_wr(GICD_CTLR, 1);
    gicc_wr(GICC_PMR, 0xf0);
    gicc_wr(GICC_CTLR, 1);
    gic_set_priority(45, 0x80);
    gic_enable(45);
    gicd_wr(GICD_ISPENDR + 4, 1u << 13);
    uint32_t piar = gicc_rd(GICC_IAR);
    gicc_wr(GICC_CTLR, 1 | (1u << 9));     /* EOImode 1: drop now, deactivate via LR */
    gicc_wr(GICC_EOIR, piar);
    printf("hw: piar=%d active=%d\n", piar, (gicd_rd(GICD_ISACTIVER + 4) >> 13) & 1);
    gicv_wr(GICC_CTLR, 1);
    gich_wr(GICH_LR(0), LR_HW | LR_PENDING | LR_PRIO(0x10) | (45u << 10) | 45);
    uint32_t iar = gicv_rd(GICC_IAR);
    gicv_wr(GICC_EOIR, iar);
    printf("hw: viar=%d lr0=%08x active=%d elrsr=%x\n", iar, gich_rd(GICH_LR(0)),
           (gicd_rd(GICD_ISACTIVER + 4) >> 13) & 1, gich_rd(GICH_ELRSR0));
}

int main(void)
{
    /* the maintenance interrupt is visible as a pending PPI */
    gicd_wr(GICD_CTLR, 3);
    gic_enable(25);
    test_reset_and_vmcr();
    test_ack_eoi();
    test_maintenance_conditions();
    test_eoimode_groups_sgi();
    test_hw();
    printf("done\n");
    return 0;
}
