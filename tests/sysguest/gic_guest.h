/* GICv2 helpers for the gic_* system guests: register map (GIC spec IHI
 * 0048B, Tables 4-1, 4-2, 5-1), MMIO accessors, and IRQ/FIQ vectors that
 * call the program's gic_irq(iar-less) / gic_fiq() C handlers.
 *
 * The IRQ handler is nestable: it saves LR_irq/SPSR_irq on the System
 * mode stack (SRS), runs the C handler in System mode (so a nested IRQ
 * cannot clobber LR_irq), and returns with RFE.  The C handler may
 * re-enable IRQs (cpsie i) to let a higher-priority interrupt preempt it.
 */
#ifndef GIC_GUEST_H
#define GIC_GUEST_H

#include <stdint.h>
#include "guest.h"

#define GICD_BASE 0x08000000u
#define GICC_BASE 0x08010000u
#define GICH_BASE 0x08030000u
#define GICV_BASE 0x08040000u

/* Distributor */
#define GICD_CTLR        0x000
#define GICD_TYPER       0x004
#define GICD_IIDR        0x008
#define GICD_IGROUPR     0x080
#define GICD_ISENABLER   0x100
#define GICD_ICENABLER   0x180
#define GICD_ISPENDR     0x200
#define GICD_ICPENDR     0x280
#define GICD_ISACTIVER   0x300
#define GICD_ICACTIVER   0x380
#define GICD_IPRIORITYR  0x400
#define GICD_ITARGETSR   0x800
#define GICD_ICFGR       0xC00
#define GICD_SGIR        0xF00
#define GICD_CPENDSGIR   0xF10
#define GICD_SPENDSGIR   0xF20
/* CPU interface (and the virtual CPU interface, same layout) */
#define GICC_CTLR   0x00
#define GICC_PMR    0x04
#define GICC_BPR    0x08
#define GICC_IAR    0x0C
#define GICC_EOIR   0x10
#define GICC_RPR    0x14
#define GICC_HPPIR  0x18
#define GICC_ABPR   0x1C
#define GICC_AIAR   0x20
#define GICC_AEOIR  0x24
#define GICC_AHPPIR 0x28
#define GICC_APR0   0xD0
#define GICC_NSAPR0 0xE0
#define GICC_IIDR   0xFC
#define GICC_DIR    0x1000
/* Virtual interface control */
#define GICH_HCR    0x00
#define GICH_VTR    0x04
#define GICH_VMCR   0x08
#define GICH_MISR   0x10
#define GICH_EISR0  0x20
#define GICH_ELRSR0 0x30
#define GICH_APR    0xF0
#define GICH_LR(n)  (0x100 + 4 * (n))

static inline uint32_t rd32(uint32_t addr)
{
    return *(volatile uint32_t *)addr;
}

static inline void wr32(uint32_t addr, uint32_t v)
{
    *(volatile uint32_t *)addr = v;
}

static inline uint8_t rd8(uint32_t addr)
{
    return *(volatile uint8_t *)addr;
}

static inline void wr8(uint32_t addr, uint8_t v)
{
    *(volatile uint8_t *)addr = v;
}

#define gicd_rd(off)     rd32(GICD_BASE + (off))
#define gicd_wr(off, v)  wr32(GICD_BASE + (off), (v))
#define gicc_rd(off)     rd32(GICC_BASE + (off))
#define gicc_wr(off, v)  wr32(GICC_BASE + (off), (v))

static inline void irq_enable(void)  { __asm__ volatile("cpsie i" ::: "memory"); }
static inline void irq_disable(void) { __asm__ volatile("cpsid i" ::: "memory"); }
static inline void fiq_enable(void)  { __asm__ volatile("cpsie f" ::: "memory"); }
static inline void fiq_disable(void) { __asm__ volatile("cpsid f" ::: "memory"); }
static inline void barrier(void)     { __asm__ volatile("dsb\n\tisb" ::: "memory"); }

static inline void gic_set_priority(int intid, uint8_t prio)
{
    wr8(GICD_BASE + GICD_IPRIORITYR + intid, prio);
}

static inline void gic_enable(int intid)
{
    gicd_wr(GICD_ISENABLER + 4 * (intid / 32), 1u << (intid % 32));
}

static inline void gic_sgi_self(int sgi)
{
    gicd_wr(GICD_SGIR, (2u << 24) | sgi);   /* TargetListFilter = 2: self */
}

/* Wait (bounded) for *flag to become nonzero; returns it. */
static inline uint32_t wait_flag(volatile uint32_t *flag)
{
    for (int i = 0; i < 100000 && !*flag; i++)
        ;
    return *flag;
}

/* The program defines these. */
void gic_irq(void);
void gic_fiq(void);

__asm__(
    "    .pushsection .text.gic_vectors, \"ax\"\n"
    "    .arm\n"
    "    .global irq_handler, fiq_handler\n"
    "irq_handler:\n"
    "    sub lr, lr, #4\n"
    "    srsdb sp!, #0x1f\n"            /* LR_irq, SPSR_irq -> System stack */
    "    cps #0x1f\n"
    "    push {r0-r3, r12, lr}\n"
    "    bl gic_irq\n"
    "    cpsid i\n"
    "    pop {r0-r3, r12, lr}\n"
    "    rfeia sp!\n"
    "fiq_handler:\n"
    "    sub lr, lr, #4\n"
    "    push {r0-r3, r12, lr}\n"
    "    bl gic_fiq\n"
    "    ldmfd sp!, {r0-r3, r12, pc}^\n"
    "    .popsection\n");

#endif
