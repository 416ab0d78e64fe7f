/* armtcg: the CPU state and the structures the engines share.
 *
 * This header is the single definition of guest state.  The interpreter
 * (tcg/interp.pyx), the runtime helpers (runtime/core.pyx) and the JIT
 * (backend/, through offsetof values exported by runtime.core) all reach
 * the state through a CPUARMState pointer.
 */
#ifndef ARMTCG_CPU_H
#define ARMTCG_CPU_H

#include <stdint.h>
#include <stddef.h>

/* ---- the value file ------------------------------------------------------
 * IR operands are indices into env->v[].  The first NUM_GLOBALS entries are
 * guest globals (registers, split flags, exclusive monitor); the rest are
 * per-instruction temporaries.  Keeping both in one array lets the
 * interpreter address every operand as v[i].
 */
/* The constants shared with Python (V_*, MODE_*, BANK_*, CPSR_*, EXCP_*,
 * EXIT_REQ_*, DEBUG_*, IRQ_LINE_*, MMU_IDX_*, MO_*, TBF_*, JIT_*, TB_EXIT_*)
 * are generated from runtime/abi.py. */
#include "abi.h"

#define NUM_VALUES  (NUM_GLOBALS + NUM_TEMPS)

/* ---- soft TLB --------------------------------------------------------------
 * One table per MMU index.  An entry maps a virtual page to a host addend
 * (host = addend + vaddr).  A tag holds the page address; a low flag bit
 * forces the slow path (MMIO, code page being written, invalid).
 */
#define TARGET_PAGE_BITS 12
#define TARGET_PAGE_SIZE (1u << TARGET_PAGE_BITS)
#define TARGET_PAGE_MASK (~(TARGET_PAGE_SIZE - 1))
#define TLB_BITS 8
#define TLB_SIZE (1 << TLB_BITS)
#define TLB_INVALID  1u     /* tag never matches a page-aligned address */
#define TLB_SLOW     2u     /* MMIO or code page: take the slow path */

typedef struct TLBEntry {
    uint32_t addr_read;
    uint32_t addr_write;
    uint32_t addr_code;
    uint32_t tags;          /* what the entry depends on (runtime/mmu.pxi): bit d
                               (15:0) = DACR field of domain d, TLB_TAG_NG = a
                               non-global entry (ASID and translation tables) */
    uintptr_t addend;
} TLBEntry;

/* ---- physical memory map ------------------------------------------------- */
#define MAX_REGIONS 96   /* 32 virtio slots, flash, GIC views, devices, RAM */

typedef int (*mmio_read_fn)(void *opaque, uint32_t offset, int size, uint32_t *val);
typedef int (*mmio_write_fn)(void *opaque, uint32_t offset, int size, uint32_t val);
/* an interrupt input served in C (a GIC input: runtime/gic_fns.pxi) */
typedef void (*irq_input_fn)(void *opaque, uint32_t arg, int level);

typedef struct MemRegion {
    uint32_t base;
    uint32_t size;          /* bytes; base + size - 1 must not wrap */
    uint8_t *host;          /* RAM/ROM buffer, or NULL for MMIO */
    uint8_t *code_bitmap;   /* RAM: one byte per page, nonzero = has TBs */
    uint8_t *code_words;    /* RAM: one bit per 4-byte word holding translated code,
                               so data stores into a code page stay in C */
    int readonly;
    mmio_read_fn read;      /* MMIO: return 0 ok, nonzero = bus error */
    mmio_write_fn write;
    void *opaque;
} MemRegion;

/* ---- the IR --------------------------------------------------------------
 * One op is 16 bytes.  Fields are interpreted per op (tcg/ir_ops.py is the
 * single table that says which).
 */
typedef struct IROp {
    uint16_t opc;
    uint16_t d;
    uint16_t a;
    uint16_t b;
    uint16_t c;
    uint16_t aux;
    uint32_t imm;
} IROp;

/* ---- translation blocks ----------------------------------------------- */
typedef struct TB {
    uint32_t pc;
    uint32_t flags;         /* tb_flags(): mode, T, E, ... */
    uint32_t size;          /* bytes of guest code */
    uint32_t ninsns;
    uint32_t nops;
    uint32_t invalid;       /* set when its page was written */
    IROp *ops;
    uint32_t *op_pc;        /* guest pc of the instruction each op belongs to */
    uint16_t *op_insn;      /* index of that instruction within the block */
    struct TB *hash_next;
    struct TB *jmp_dest[2]; /* direct chaining targets of goto_tb slots */
    uintptr_t host_page;    /* host address of the guest page holding the code:
                               verified at lookup, so a TB never runs for a
                               virtual pc that now maps elsewhere */
    void *native;           /* JIT entry: uint32_t fn(CPUARMState *) returning a
                               TB_EXIT_* code (backend/lower.py), or NULL */
    uint32_t jit_state;     /* JIT_COLD, JIT_QUEUED or JIT_NATIVE */
    uint64_t exec_count;
    uint64_t insn_count;    /* guest instructions executed in this TB */
    uint32_t translations;  /* times this (pc, flags) was translated */
    uint32_t id;
} TB;

struct CPUARMState;
typedef uint32_t (*native_tb_fn)(struct CPUARMState *env);

/* Blocks that became hot in the interpreter, for the background compiler
 * (a single-producer single-consumer ring of TB ids). */
#define JIT_QUEUE_SIZE 1024
#define STORE_LOG_SIZE 64

#define TB_HASH_BITS 15
#define TB_HASH_SIZE (1 << TB_HASH_BITS)
#define TB_JC_BITS 12
#define TB_JC_SIZE (1 << TB_JC_BITS)

/* ---- the CPU ------------------------------------------------------------- */
typedef struct CPUARMState {
    uint32_t v[NUM_VALUES];

    /* CPSR bits other than NZCV, Q and GE (those live in the value file). */
    uint32_t uncached_cpsr;
    uint32_t spsr;                  /* SPSR of the current mode */
    uint32_t banked_spsr[NUM_BANKS];
    uint32_t banked_r13[NUM_BANKS];
    uint32_t banked_r14[NUM_BANKS];
    uint32_t usr_regs[5];           /* r8-r12 of all modes but FIQ */
    uint32_t fiq_regs[5];           /* r8-r12 of FIQ mode */
    uint32_t elr_hyp;               /* reserved: HYP mode state */

    /* cp15 state (fields of plain registers; table in runtime/cp15.py) */
    uint32_t midr, mpidr, revidr;
    uint32_t sctlr, actlr, cpacr, nsacr, scr;
    uint32_t vbar, mvbar;
    uint32_t ttbr0_lo, ttbr0_hi, ttbr1_lo, ttbr1_hi, ttbcr;
    uint32_t dacr, dfsr, ifsr, dfar, ifar, par_lo, par_hi;
    uint32_t prrr, nmrr, amair0, amair1;
    uint32_t contextidr, tpidrurw, tpidruro, tpidrprw;
    uint32_t csselr, fcseidr;
    uint32_t cp15_reserved[32];

    /* generic timer, PMU and ThumbEE (runtime/cp15.py rows,
     * runtime/cp15_fns.pxi, runtime/clock.py, runtime/devices/gtimer.py) */
    uint32_t cntfrq, cntkctl;
    uint32_t cntp_ctl, cntv_ctl;           /* ENABLE, IMASK; ISTATUS is computed */
    uint32_t cntp_cval_lo, cntp_cval_hi, cntv_cval_lo, cntv_cval_hi;
    uint32_t cntvoff_lo, cntvoff_hi;       /* CNTVCT = CNTPCT - CNTVOFF */
    uint32_t pmcr, pmcnten, pmovsr, pmintenset, pmselr, pmuserenr;
    uint32_t pmevtyper[6];
    uint32_t pmevcntr[6];                  /* values at pm_sync_icount */
    uint32_t pmccntr;                      /* value at pm_sync_icount */
    uint32_t pmccntr_frac;                 /* cycles not yet counted under PMCR.D */
    uint64_t pm_sync_icount;               /* icount the counters were last brought up to */
    uint32_t teecr, teehbr;                /* ThumbEE */
    /* cp14 debug, v7.1 (runtime/cp15.py DEBUG, runtime/debug_fns.pxi):
     * the registers hold values; no debug event is generated yet */
    uint32_t dbgdscr;                      /* DBGDSCRext: MDBGen, UDCCdis */
    uint32_t dbgoslsr, dbgosdlr;           /* OS Lock status (OSLK), OS Double Lock */
    uint32_t dbgprcr, dbgprsr;             /* power-down control; sticky status bits */
    uint32_t dbgvcr;
    uint32_t dbgbvr[6], dbgbcr[6];         /* breakpoint register pairs */
    uint32_t dbgwvr[4], dbgwcr[4];         /* watchpoint register pairs */

    /* exceptions and run control */
    int32_t exception_index;
    uint32_t exception_arg;         /* SVC/HVC/SMC immediate, fault info */
    uint32_t exception_pc;          /* pc of the instruction that raised it */
    volatile uint32_t exit_request; /* checked at every TB entry */
    uint32_t irq_lines;             /* IRQ_LINE_* asserted by the GIC */
    uint32_t halted;
    uint32_t semihosting;           /* nonzero: SVC 0x123456 traps */
    uint32_t miss_pc, miss_flags;   /* the TB the exec loop could not find */
    uint32_t debug_flags;           /* DEBUG_*: make the exec loop return to Python */
    uint64_t icount;                /* guest instructions executed */
    uint64_t icount_limit;          /* stop when icount reaches this */
    /* the guest clock (runtime/timer_fns.pxi, runtime/clock.py): run
     * control, not architectural state (outside CPU.arch_state) */
    int32_t clock_shift;            /* -icount shift, or -1: host time */
    uint64_t clock_base_ns;         /* host time: CLOCK_MONOTONIC at creation */
    uint64_t clock_bias_ns;         /* -icount: idle time skipped by WFI */
    /* the generic timer's outputs and deadline, served in C
     * (runtime/timer_fns.pxi, runtime/include/host_alarm.h) */
    irq_input_fn gt_sink[2];        /* per timer (GT_PHYS, GT_VIRT): a GIC PPI input, */
    void *gt_sink_opaque[2];        /* or NULL: Python's GenericTimer serves the line */
    uint32_t gt_sink_arg[2];
    uint32_t gt_level;              /* output levels, a bit per timer */
    uint64_t gt_deadline_ns;        /* next time a timer condition turns true; ~0: none */
    uint64_t gt_deadline_icount;    /* -icount: the same as an instruction count; ~0: none */
    uint64_t icount_limit_run;      /* the limit Python set; icount_limit is
                                       min(icount_limit_run, gt_deadline_icount) */
    void *host_alarm;               /* HostAlarm (host time), made on first use */
    uint64_t py_deadline_ns;        /* runtime/clock.py's earliest deadline; ~0: none */

    /* memory */
    TLBEntry tlb[NB_MMU_MODES][TLB_SIZE];
    MemRegion regions[MAX_REGIONS];
    int nregions;

    /* MMU (runtime/mmu.pxi): the VA region holding every mapping larger
     * than a page the soft TLB caches (tlb_large_addr odd: none), so a
     * TLBIMVA inside it flushes the whole soft TLB */
    uint32_t tlb_large_addr, tlb_large_mask;

    /* translation block lookup */
    TB *tb_hash[TB_HASH_SIZE];
    TB *tb_jc[TB_JC_SIZE];

    /* JIT: the last TB native code ran (it may have chained through
     * several), and the hot-block queue */
    TB *last_tb;
    uint32_t jit_threshold;         /* executions before a block is queued; 0 = never */
    volatile uint32_t jit_q_head;   /* written by the exec loop */
    volatile uint32_t jit_q_tail;   /* written by the compile thread */
    uint32_t jit_queue[JIT_QUEUE_SIZE];

    /* stores of the last interpreted block, with DEBUG_STORES */
    uint32_t store_log_n;           /* > STORE_LOG_SIZE: overflowed */
    uint64_t store_log[STORE_LOG_SIZE];   /* address << 2 | log2(size) */

    void *machine;                  /* the owning Python object (borrowed) */

    /* VFPv4-D32 (runtime/vfp.py, runtime/include/vfp.h): S<2n> and S<2n+1>
     * are the low and high words of D<n> (a little-endian host).  At the
     * end, so the fields the exec loop and the TLB fast path touch keep
     * their offsets; CPU.arch_state() appends them. */
    uint64_t vfp_d[32];
    uint32_t fpscr;                 /* all of it: NZCV, modes, cumulative flags */
    uint32_t fpexc;                 /* only EN (bit 30) is implemented, as QEMU */

    /* debugger watchpoints (tcg/gdbstub.py through Emulator.set_watchpoints):
     * guest-virtual ranges; the TLB entries of their pages take the slow
     * path, which raises EXCP_DEBUG before a matching access */
    uint32_t nwatch;
    uint32_t watch_addr[MAX_WATCHPOINTS];
    uint32_t watch_len[MAX_WATCHPOINTS];
    uint32_t watch_kind[MAX_WATCHPOINTS];   /* WATCH_READ | WATCH_WRITE */
    uint32_t watch_hit_addr;        /* the access that hit: its address ... */
    uint32_t watch_hit_kind;        /* ... and WATCH_READ or WATCH_WRITE */
} CPUARMState;

static inline uint32_t bank_of_mode(uint32_t mode)
{
    switch (mode & CPSR_M) {
    case MODE_SVC: return BANK_SVC;
    case MODE_ABT: return BANK_ABT;
    case MODE_UND: return BANK_UND;
    case MODE_IRQ: return BANK_IRQ;
    case MODE_FIQ: return BANK_FIQ;
    case MODE_HYP: return BANK_HYP;
    case MODE_MON: return BANK_MON;
    default: return BANK_USRSYS;
    }
}

/* The key under which a TB is cached (TBF_* bits): everything translation depends on. */
static inline uint32_t tb_flags_of(const CPUARMState *env)
{
    uint32_t f = env->uncached_cpsr & CPSR_M;
    if (env->uncached_cpsr & CPSR_T) f |= TBF_THUMB;
    /* ITSTATE: IT<1:0> is CPSR<26:25>, IT<7:2> is CPSR<15:10> */
    f |= (((env->uncached_cpsr >> 25) & 3u) | ((env->uncached_cpsr >> 8) & 0xfcu)) << TBF_IT_SHIFT;
    if (env->uncached_cpsr & CPSR_E) f |= TBF_BE_DATA;
    /* SCTLR.A checks every access; with the MMU off all data memory is
     * Strongly-ordered, where unaligned accesses fault too. */
    if ((env->sctlr & 2u) || !(env->sctlr & 1u)) f |= TBF_ALIGN;
    /* VFP, without branches (this runs at every block lookup).  CPACR.cp10
     * (21:20): 0b01 PL1 only, 0b11 full, 0b00/0b10 deny (B4.1.40): allowed
     * for (cp10 << 1 | at PL0) in {0b010, 0b110, 0b111}.  No Security or
     * Virtualization Extensions: NSACR and HCPTR do not apply. */
    uint32_t pl0 = (env->uncached_cpsr & CPSR_M) == MODE_USR;
    uint32_t cp10 = (env->cpacr >> 19) & 6u;
    f |= ((0xC4u >> (cp10 | pl0)) & 1u) * TBF_VFP_ACCESS;
    f |= ((env->fpexc >> 30) & 1u) * TBF_VFP_EN;          /* FPEXC.EN */
    f |= ((env->fpscr & 0x00370000u) != 0) * TBF_VFP_VEC;  /* LEN, STRIDE */
    return f;
}

/* pc bit 1 (T32 blocks start at any halfword) flips the index's top bit, so
 * that blocks at pc and pc + 2 do not share a slot; A32 pcs are unaffected. */
static inline uint32_t tb_hash_of(uint32_t pc, uint32_t flags)
{
    uint32_t h = (pc >> 2) ^ (pc >> 17) ^ (flags * 0x9e3779b1u) ^ ((pc & 2u) << (TB_HASH_BITS - 2));
    return h & (TB_HASH_SIZE - 1);
}

static inline uint32_t tb_jc_of(uint32_t pc)
{
    return ((pc >> 2) ^ ((pc & 2u) << (TB_JC_BITS - 2))) & (TB_JC_SIZE - 1);
}

#endif
