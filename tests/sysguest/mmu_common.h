/* Shared pieces of the MMU system guests (mmu_short.c, mmu_lpae.c):
 * cp15 accessors, abort handlers that record the fault and resume, and
 * probes that load, store or execute at a virtual address.
 *
 * A data abort records DFSR/DFAR and resumes after the faulting
 * instruction; a prefetch abort records IFSR/IFAR and returns from the
 * probe_exec() that branched there.  Each check prints one line
 * "<name> <value>" that tests/test_mmu_*.py compare with the ARM ARM.
 */
#ifndef MMU_COMMON_H
#define MMU_COMMON_H

#include "guest.h"

#define MCR(opc1, crn, crm, opc2, val) \
    __asm__ volatile("mcr p15, " #opc1 ", %0, " #crn ", " #crm ", " #opc2 \
                     :: "r"((uint32_t)(val)) : "memory")
#define MRC(opc1, crn, crm, opc2) ({ uint32_t v_; \
    __asm__ volatile("mrc p15, " #opc1 ", %0, " #crn ", " #crm ", " #opc2 \
                     : "=r"(v_) :: "memory"); v_; })
#define MCRR(opc1, crm, val) do { uint64_t v_ = (val); \
    __asm__ volatile("mcrr p15, " #opc1 ", %0, %1, " #crm \
                     :: "r"((uint32_t)v_), "r"((uint32_t)(v_ >> 32)) : "memory"); } while (0)
#define MRRC(opc1, crm) ({ uint32_t lo_, hi_; \
    __asm__ volatile("mrrc p15, " #opc1 ", %0, %1, " #crm \
                     : "=r"(lo_), "=r"(hi_) :: "memory"); ((uint64_t)hi_ << 32) | lo_; })

#define ISB() __asm__ volatile("isb" ::: "memory")
#define DSB() __asm__ volatile("dsb" ::: "memory")

#define SCTLR_READ()      MRC(0, c1, c0, 0)
#define SCTLR_WRITE(v)    do { MCR(0, c1, c0, 0, v); ISB(); } while (0)
#define TTBR0_WRITE(v)    do { MCR(0, c2, c0, 0, v); ISB(); } while (0)
#define TTBR1_WRITE(v)    do { MCR(0, c2, c0, 1, v); ISB(); } while (0)
#define TTBCR_WRITE(v)    do { MCR(0, c2, c0, 2, v); ISB(); } while (0)
#define DACR_WRITE(v)     do { MCR(0, c3, c0, 0, v); ISB(); } while (0)
#define PRRR_WRITE(v)     do { MCR(0, c10, c2, 0, v); ISB(); } while (0)
#define NMRR_WRITE(v)     do { MCR(0, c10, c2, 1, v); ISB(); } while (0)
#define CONTEXTIDR_WRITE(v) do { MCR(0, c13, c0, 1, v); ISB(); } while (0)
#define PAR_READ()        MRC(0, c7, c4, 0)
#define PAR64_READ()      MRRC(0, c7)

/* TLB maintenance (ARM ARM B4.2.2), each followed by DSB; ISB */
#define TLBI(crm, opc2, v) do { DSB(); MCR(0, c8, crm, opc2, v); DSB(); ISB(); } while (0)
#define TLBIALL()         TLBI(c7, 0, 0)
#define TLBIMVA(va)       TLBI(c7, 1, va)
#define TLBIASID(asid)    TLBI(c7, 2, asid)
#define TLBIMVAA(va)      TLBI(c7, 3, va)
#define TLBIALLIS()       TLBI(c3, 0, 0)
#define TLBIMVAIS(va)     TLBI(c3, 1, va)
#define TLBIASIDIS(asid)  TLBI(c3, 2, asid)
#define TLBIMVAAIS(va)    TLBI(c3, 3, va)
#define ITLBIALL()        TLBI(c5, 0, 0)
#define ITLBIMVA(va)      TLBI(c5, 1, va)
#define ITLBIASID(asid)   TLBI(c5, 2, asid)
#define DTLBIALL()        TLBI(c6, 0, 0)
#define DTLBIMVA(va)      TLBI(c6, 1, va)
#define DTLBIASID(asid)   TLBI(c6, 2, asid)

/* address translation (B4.2.3): result in PAR */
#define ATS(opc2, va) do { MCR(0, c7, c8, opc2, va); ISB(); } while (0)
#define ATS1CPR(va) ATS(0, va)
#define ATS1CPW(va) ATS(1, va)
#define ATS1CUR(va) ATS(2, va)
#define ATS1CUW(va) ATS(3, va)

/* what the last exception recorded: kind 0 none, 1 data abort, 2 prefetch
 * abort, 3 undefined instruction (far = the instruction's address) */
struct fault_info { uint32_t fsr, far, kind; };
extern volatile struct fault_info fault;

uint32_t probe_read(uint32_t va);
uint32_t probe_read_user(uint32_t va);      /* LDRT: a PL0 access */
void probe_write(uint32_t va, uint32_t value);
void probe_write_user(uint32_t va, uint32_t value);
uint32_t probe_exec(uint32_t va);           /* blx va; 0xdeadbeef on a prefetch abort */

__asm__(
    "   .pushsection .text\n"
    "   .arm\n"
    "   .global dabt_handler, pabt_handler, undef_handler, probe_read, probe_read_user\n"
    "   .global probe_write, probe_write_user, probe_exec\n"
    "dabt_handler:\n"
    "   push {r0-r3}\n"
    "   ldr r0, =fault\n"
    "   mrc p15, 0, r1, c5, c0, 0\n"       /* DFSR */
    "   mrc p15, 0, r2, c6, c0, 0\n"       /* DFAR */
    "   mov r3, #1\n"
    "   stmia r0, {r1-r3}\n"
    "   pop {r0-r3}\n"
    "   subs pc, lr, #4\n"                 /* LR_abt = faulting insn + 8: skip it */
    "undef_handler:\n"
    "   push {r0-r3}\n"
    "   ldr r0, =fault\n"
    "   mov r1, #0\n"
    "   sub r2, lr, #4\n"                 /* LR_und = the UNDEF instruction + 4 */
    "   mov r3, #3\n"
    "   stmia r0, {r1-r3}\n"
    "   pop {r0-r3}\n"
    "   movs pc, lr\n"                    /* resume after it */
    "pabt_handler:\n"
    "   ldr r0, =fault\n"
    "   mrc p15, 0, r1, c5, c0, 1\n"       /* IFSR */
    "   mrc p15, 0, r2, c6, c0, 2\n"       /* IFAR */
    "   mov r3, #2\n"
    "   stmia r0, {r1-r3}\n"
    "   ldr lr, =exec_resume\n"
    "   movs pc, lr\n"                     /* back to the probe's mode */
    "probe_read:\n"
    "   mov r1, r0\n"
    "   mov r0, #0\n"
    "   ldr r0, [r1]\n"
    "   bx lr\n"
    "probe_read_user:\n"
    "   mov r1, r0\n"
    "   mov r0, #0\n"
    "   ldrt r0, [r1]\n"
    "   bx lr\n"
    "probe_write:\n"
    "   str r1, [r0]\n"
    "   bx lr\n"
    "probe_write_user:\n"
    "   strt r1, [r0]\n"
    "   bx lr\n"
    "probe_exec:\n"
    "   push {r4, lr}\n"
    "   blx r0\n"
    "   pop {r4, pc}\n"
    "exec_resume:\n"
    "   ldr r0, =0xdeadbeef\n"
    "   pop {r4, pc}\n"
    "   .ltorg\n"
    "   .popsection\n");

volatile struct fault_info fault;

static inline void fault_clear(void) { fault.kind = 0; fault.fsr = 0; fault.far = 0; }

/* "<name> <value>", "<name> dabt|pabt fsr=<fsr> far=<far>" or "<name> undef" */
static __attribute__((unused)) void report(const char *name, uint32_t value)
{
    if (fault.kind == 3)
        printf("%s undef\n", name);
    else if (fault.kind)
        printf("%s %s fsr=%03x far=%08x\n", name, fault.kind == 1 ? "dabt" : "pabt",
               fault.fsr, fault.far);
    else
        printf("%s %08x\n", name, value);
}

static __attribute__((unused)) void check_read(const char *name, uint32_t va)
{
    fault_clear();
    uint32_t v = probe_read(va);
    report(name, v);
}

static __attribute__((unused)) void check_read_user(const char *name, uint32_t va)
{
    fault_clear();
    uint32_t v = probe_read_user(va);
    report(name, v);
}

static __attribute__((unused)) void check_write(const char *name, uint32_t va, uint32_t value)
{
    fault_clear();
    probe_write(va, value);
    report(name, 0);
}

static __attribute__((unused)) void check_write_user(const char *name, uint32_t va, uint32_t value)
{
    fault_clear();
    probe_write_user(va, value);
    report(name, 0);
}

static __attribute__((unused)) void check_exec(const char *name, uint32_t va)
{
    fault_clear();
    uint32_t v = probe_exec(va);
    report(name, v);
}

/* "mov r0, #n; bx lr" at physical address pa (identity-mapped RAM) */
static __attribute__((unused)) void put_return_n(uint32_t pa, uint32_t n)
{
    volatile uint32_t *p = (volatile uint32_t *)pa;
    p[0] = 0xe3a00000u | (n & 0xff);
    p[1] = 0xe12fff1eu;
    DSB();
    MCR(0, c7, c5, 0, 0);      /* ICIALLU */
    ISB();
}

static __attribute__((unused)) void fill(uint32_t pa, uint32_t words, uint32_t seed)
{
    volatile uint32_t *p = (volatile uint32_t *)pa;
    for (uint32_t i = 0; i < words; i++)
        p[i] = seed + i;
}

#endif
