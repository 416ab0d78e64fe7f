/* Exceptions and modes, checked against the ARM ARM (DDI0406C) rules:
 * SVC/UNDEF/data abort/prefetch abort (BKPT) entry and return, CPS/MSR
 * mode changes, banked registers, User mode restrictions, SRS/RFE,
 * LDREX/STREX.  Prints PASS/FAIL lines; every printed value is fixed by
 * the architecture (addresses are printed relative to the instruction),
 * so the expected output, exceptions.expected, is written by hand.
 *
 * Platform fact used: QEMU virt has no device at 0x0b000000, and an
 * access there is answered with a bus error, i.e. an external abort. */
#include "guest.h"

#define MODE_USR 0x10u
#define MODE_FIQ 0x11u
#define MODE_IRQ 0x12u
#define MODE_SVC 0x13u
#define MODE_ABT 0x17u
#define MODE_UND 0x1bu
#define MODE_SYS 0x1fu
#define PSR_MODE 0x1fu
#define PSR_T (1u << 5)
#define PSR_F (1u << 6)
#define PSR_I (1u << 7)
#define PSR_A (1u << 8)
#define PSR_MASKS (PSR_A | PSR_I | PSR_F)

#define UNMAPPED_ADDR 0x0b000000u
#define UDF_WORD 0xe7f000f0u        /* UDF #0: permanently undefined */
#define UDF_WORD2 0xe7fabcfau       /* UDF #0xabca */

/* What the handlers saw (exceptions_asm.S calls the on_* functions). */
struct exc_record {
    uint32_t count, cpsr, spsr, lr, fsr, far, number;
};
static volatile struct exc_record svc_rec, undef_rec, dabt_rec, pabt_rec;
static int checks, failures;

extern uint32_t vector_table[];
void mode_write_banked(uint32_t cpsr_c, const uint32_t in[3]);
void mode_read_banked(uint32_t cpsr_c, uint32_t out[4]);
void cps_modes(uint32_t out[6]);
uint32_t fiq_bank_test(void);
void user_mode_test(uint32_t out[7]);
void srs_test(uint32_t *sys_sp, uint32_t lr_val, uint32_t spsr_val, uint32_t out[1]);
void rfe_test(uint32_t frame[2], uint32_t out[2]);

/* ---- handlers' C side ---------------------------------------------------- */

void on_svc(uint32_t cpsr, uint32_t *frame)
{
    uint32_t ret_pc = frame[6];

    svc_rec.count++;
    svc_rec.cpsr = cpsr;
    svc_rec.spsr = frame[7];
    svc_rec.lr = ret_pc;
    svc_rec.number = *(const uint32_t *)(ret_pc - 4) & 0xffffff;
    frame[0] = svc_rec.number + 1;              /* the caller's r0 */
    if (svc_rec.number == 0x100)                /* "return in SVC mode" */
        frame[7] = (frame[7] & ~PSR_MODE) | MODE_SVC;
}

void on_undef(uint32_t cpsr, uint32_t spsr, uint32_t lr)
{
    undef_rec.count++;
    undef_rec.cpsr = cpsr;
    undef_rec.spsr = spsr;
    undef_rec.lr = lr;
    undef_rec.number = *(const uint32_t *)(lr - 4);
}

void on_dabt(uint32_t cpsr, uint32_t spsr, uint32_t lr)
{
    uint32_t dfsr, dfar;

    asm volatile("mrc p15, 0, %0, c5, c0, 0" : "=r"(dfsr));
    asm volatile("mrc p15, 0, %0, c6, c0, 0" : "=r"(dfar));
    dabt_rec.count++;
    dabt_rec.cpsr = cpsr;
    dabt_rec.spsr = spsr;
    dabt_rec.lr = lr;
    dabt_rec.fsr = dfsr;
    dabt_rec.far = dfar;
}

void on_pabt(uint32_t cpsr, uint32_t spsr, uint32_t lr)
{
    uint32_t ifsr;

    asm volatile("mrc p15, 0, %0, c5, c0, 1" : "=r"(ifsr));
    pabt_rec.count++;
    pabt_rec.cpsr = cpsr;
    pabt_rec.spsr = spsr;
    pabt_rec.lr = lr;
    pabt_rec.fsr = ifsr;
}

/* ---- reporting ----------------------------------------------------------- */

static void check_eq(const char *what, uint32_t got, uint32_t want)
{
    checks++;
    if (got == want) {
        printf("PASS %s: 0x%08x\n", what, got);
    } else {
        failures++;
        printf("FAIL %s: got 0x%08x, want 0x%08x\n", what, got, want);
    }
}

/* Short-descriptor FSR: FS = bits {10, 3:0}; WnR = bit 11 (DFSR only).
 * ExT (bit 12) is IMPLEMENTATION DEFINED and the domain field is not
 * valid for these faults, so neither is compared. */
static uint32_t fsr_status(uint32_t fsr)
{
    return (fsr & 0xf) | ((fsr >> 6) & 0x10);
}

static uint32_t read_cpsr(void)
{
    uint32_t v;
    asm volatile("mrs %0, cpsr" : "=r"(v));
    return v;
}

/* Entry state common to every exception: the mode, I set, A set only for
 * aborts (else unchanged), F unchanged, ARM state (SCTLR.TE = 0). */
static void check_entry(const char *name, const volatile struct exc_record *r,
                        uint32_t mode, uint32_t cpsr_before, int sets_a)
{
    char what[48];
    uint32_t want = mode | PSR_I | (cpsr_before & (PSR_A | PSR_F)) | (sets_a ? PSR_A : 0);
    uint32_t n = strlen(name);

    memcpy(what, name, n);
    memcpy(what + n, " handler mode/AIFT", 19);
    check_eq(what, r->cpsr & (PSR_MODE | PSR_MASKS | PSR_T), want);
    memcpy(what + n, " spsr == cpsr before", 21);
    check_eq(what, r->spsr == cpsr_before, 1);
}

/* ---- the tests ----------------------------------------------------------- */

static void test_boot_state(void)
{
    uint32_t vbar, cpsr = read_cpsr();

    asm volatile("mrc p15, 0, %0, c12, c0, 0" : "=r"(vbar));
    check_eq("main runs in SVC mode", cpsr & PSR_MODE, MODE_SVC);
    check_eq("VBAR == vector table", vbar == (uint32_t)(uintptr_t)vector_table, 1);
}

static void test_cps_msr(void)
{
    static const uint32_t modes[6] = {MODE_FIQ, MODE_IRQ, MODE_ABT, MODE_UND, MODE_SYS, MODE_SVC};
    uint32_t got[6], banked[4], cpsr;
    int ok = 1;

    cps_modes(got);
    for (int i = 0; i < 6; i++)
        ok &= (got[i] & PSR_MODE) == modes[i];
    check_eq("CPS #mode reads back each mode", ok, 1);
    ok = 1;
    for (int i = 0; i < 5; i++) {
        mode_read_banked(modes[i] | PSR_I | PSR_F, banked);
        ok &= (banked[3] & 0xff) == (modes[i] | PSR_I | PSR_F);   /* the control field */
    }
    check_eq("MSR cpsr_c reads back each mode", ok, 1);

    asm volatile("cpsid if\n\tcpsie a\n\tmrs %0, cpsr" : "=r"(cpsr));
    check_eq("CPSID if / CPSIE a: AIF", cpsr & PSR_MASKS, PSR_I | PSR_F);
    asm volatile("cpsid a\n\tcpsie f\n\tmrs %0, cpsr" : "=r"(cpsr));
    check_eq("CPSID a / CPSIE f: AIF", cpsr & PSR_MASKS, PSR_A | PSR_I);
    asm volatile("cpsid aif\n\tcpsie a\n\tmrs %0, cpsr" : "=r"(cpsr));
    check_eq("CPSID aif / CPSIE a: AIF", cpsr & PSR_MASKS, PSR_I | PSR_F);
    asm volatile("msr cpsr_f, #0xf8000000\n\tmrs %0, cpsr\n\tmsr cpsr_f, #0" : "=r"(cpsr) :: "cc");
    check_eq("MSR cpsr_f sets NZCVQ", cpsr >> 27, 0x1f);
}

/* Each mode has its own SP, LR (and SPSR); SYS shares User's. */
static void test_banked(void)
{
    static const uint32_t modes[5] = {MODE_FIQ, MODE_IRQ, MODE_ABT, MODE_UND, MODE_SYS};
    uint32_t saved[5][4], got[4], svc_spsr;
    int ok_sp_lr = 1, ok_spsr = 1;

    asm volatile("msr spsr_fsxc, %0" :: "r"(0x300001d3u));
    for (int i = 0; i < 5; i++)
        mode_read_banked(modes[i] | 0xc0, saved[i]);
    for (int i = 0; i < 5; i++) {
        uint32_t vals[3] = {0x1000u * (i + 1) + 8, 0x2000u * (i + 1) + 4,
                            0x10000000u * (i + 1) | 0x1d0 | modes[(i + 1) % 5]};
        mode_write_banked(modes[i] | 0xc0, vals);
    }
    for (int i = 0; i < 5; i++) {
        mode_read_banked(modes[i] | 0xc0, got);
        ok_sp_lr &= got[0] == 0x1000u * (i + 1) + 8 && got[1] == 0x2000u * (i + 1) + 4;
        if (modes[i] != MODE_SYS)
            ok_spsr &= got[2] == (0x10000000u * (i + 1) | 0x1d0 | modes[(i + 1) % 5]);
    }
    asm volatile("mrs %0, spsr" : "=r"(svc_spsr));
    for (int i = 0; i < 5; i++)
        mode_write_banked(modes[i] | 0xc0, saved[i]);
    check_eq("banked SP and LR in FIQ IRQ ABT UND SYS", ok_sp_lr, 1);
    check_eq("banked SPSR in FIQ IRQ ABT UND", ok_spsr, 1);
    check_eq("SPSR_svc unchanged", svc_spsr, 0x300001d3u);
    check_eq("FIQ banks r8-r12 (mismatch mask)", fiq_bank_test(), 0);
}

static void test_svc(void)
{
    uint32_t result, before, after, insn_pc, count = svc_rec.count;

    asm volatile("msr cpsr_f, #0xa0000000\n\t"
                 "mrs %1, cpsr\n\t"
                 "adr %2, 1f\n"
                 "1:\tsvc #0x42\n\t"
                 "mrs %3, cpsr\n\t"
                 "mov %0, r0\n\t"
                 "msr cpsr_f, #0"
                 : "=&r"(result), "=&r"(before), "=&r"(insn_pc), "=&r"(after)
                 :: "r0", "lr", "cc", "memory");
    check_eq("SVC taken once", svc_rec.count - count, 1);
    check_entry("SVC", &svc_rec, MODE_SVC, before, 0);
    check_eq("SVC LR - insn", svc_rec.lr - insn_pc, 4);
    check_eq("SVC number", svc_rec.number, 0x42);
    check_eq("SVC result in r0", result, 0x43);
    check_eq("CPSR after RFE return == before", after == before, 1);

    asm volatile("svc #0xabcdef" ::: "r0", "lr", "memory");
    check_eq("SVC number (24 bits)", svc_rec.number, 0xabcdef);
}

static void test_user_mode(void)
{
    uint32_t out[7], sys[4];

    mode_read_banked(MODE_SYS | 0xc0, sys);
    user_mode_test(out);
    check_eq("CPS #usr: mode", out[0] & PSR_MODE, MODE_USR);
    check_eq("CPS in User mode is ignored", out[1] & PSR_MODE, MODE_USR);
    check_eq("MSR cpsr_c in User mode is ignored", out[2] == out[0], 1);
    check_eq("MSR cpsr_f in User mode sets NZCV", out[3] == (out[0] | 0xf0000000u), 1);
    check_eq("User SP == System SP", out[4] == sys[0], 1);
    check_eq("SVC from User: SPSR mode", svc_rec.spsr & PSR_MODE, MODE_USR);
    check_eq("SVC from User: back in SVC mode", out[5] & PSR_MODE, MODE_SVC);
    check_eq("SVC from User: result", out[6], 0x101);
}

static void test_undef(void)
{
    uint32_t before, insn_pc, count = undef_rec.count;
    volatile uint32_t after = 0;

    asm volatile("mrs %0, cpsr\n\t"
                 "adr %1, 1f\n"
                 "1:\t.word 0xe7f000f0\n\t"
                 "mov %2, #1"
                 : "=&r"(before), "=&r"(insn_pc), "=&r"(after) :: "memory");
    check_eq("UNDEF taken once", undef_rec.count - count, 1);
    check_entry("UNDEF", &undef_rec, MODE_UND, before, 0);
    check_eq("UNDEF LR - insn", undef_rec.lr - insn_pc, 4);
    check_eq("UNDEF instruction word", undef_rec.number, UDF_WORD);
    check_eq("UNDEF resumes at next insn", after, 1);

    asm volatile(".word 0xe7fabcfa" ::: "memory");
    check_eq("UNDEF taken twice", undef_rec.count - count, 2);
    check_eq("UNDEF instruction word", undef_rec.number, UDF_WORD2);
}

/* One faulting access; returns the instruction's address. */
#define FAULTING_ACCESS(insn, addr, val, before, insn_pc)                       \
    asm volatile("mrs %0, cpsr\n\t"                                             \
                 "adr %1, 1f\n"                                                 \
                 "1:\t" insn " %2, [%3]\n\t"                                    \
                 : "=&r"(before), "=&r"(insn_pc), "+r"(val) : "r"(addr) : "memory")

static void check_dabt(const char *name, uint32_t count, uint32_t before,
                       uint32_t insn_pc, uint32_t fs, uint32_t wnr)
{
    printf("%s:\n", name);
    check_eq("  data abort taken once", dabt_rec.count - count, 1);
    check_entry("  ABT", &dabt_rec, MODE_ABT, before, 1);
    check_eq("  LR_abt - insn", dabt_rec.lr - insn_pc, 8);
    check_eq("  DFSR.FS", fsr_status(dabt_rec.fsr), fs);
    check_eq("  DFSR.WnR", (dabt_rec.fsr >> 11) & 1, wnr);
}

static void test_data_abort(void)
{
    static uint32_t words[4] = {0x11111111, 0x22222222, 0x33333333, 0x44444444};
    uint32_t before, insn_pc, count, val = 0x5a5a5a5a, sctlr;
    uintptr_t addr = UNMAPPED_ADDR;

    count = dabt_rec.count;
    FAULTING_ACCESS("ldr", addr, val, before, insn_pc);
    check_dabt("LDR from unmapped 0x0b000000 (external abort)", count, before, insn_pc, 0x08, 0);
    check_eq("  DFAR", dabt_rec.far, UNMAPPED_ADDR);

    count = dabt_rec.count;
    addr = UNMAPPED_ADDR + 0x124;
    FAULTING_ACCESS("str", addr, val, before, insn_pc);
    check_dabt("STR to unmapped 0x0b000124 (external abort)", count, before, insn_pc, 0x08, 1);
    check_eq("  DFAR", dabt_rec.far, UNMAPPED_ADDR + 0x124);

    /* SCTLR.A = 1: an unaligned LDR takes an Alignment fault */
    asm volatile("mrc p15, 0, %0, c1, c0, 0" : "=r"(sctlr));
    asm volatile("mcr p15, 0, %0, c1, c0, 0\n\tisb" :: "r"(sctlr | 2) : "memory");
    count = dabt_rec.count;
    addr = (uintptr_t)words + 1;
    FAULTING_ACCESS("ldr", addr, val, before, insn_pc);
    asm volatile("mcr p15, 0, %0, c1, c0, 0\n\tisb" :: "r"(sctlr) : "memory");
    check_dabt("unaligned LDR with SCTLR.A=1 (alignment fault)", count, before, insn_pc, 0x01, 0);
    check_eq("  DFAR - address", dabt_rec.far - (uint32_t)(uintptr_t)words, 1);

    /* LDREX needs alignment whatever SCTLR.A says */
    count = dabt_rec.count;
    addr = (uintptr_t)words + 2;
    FAULTING_ACCESS("ldrex", addr, val, before, insn_pc);
    check_dabt("unaligned LDREX with SCTLR.A=0 (alignment fault)", count, before, insn_pc, 0x01, 0);
    check_eq("  DFAR - address", dabt_rec.far - (uint32_t)(uintptr_t)words, 2);
    asm volatile("clrex");

    check_eq("memory untouched by the faults", words[0] ^ words[1] ^ words[2] ^ words[3],
             0x11111111 ^ 0x22222222 ^ 0x33333333 ^ 0x44444444);
}

static void test_bkpt(void)
{
    uint32_t before, insn_pc, count = pabt_rec.count;

    asm volatile("mrs %0, cpsr\n\t"
                 "adr %1, 1f\n"
                 "1:\tbkpt #0x1234"
                 : "=&r"(before), "=&r"(insn_pc) :: "memory");
    printf("BKPT (prefetch abort, debug event):\n");
    check_eq("  prefetch abort taken once", pabt_rec.count - count, 1);
    check_entry("  ABT", &pabt_rec, MODE_ABT, before, 1);
    check_eq("  LR_abt - insn", pabt_rec.lr - insn_pc, 4);
    check_eq("  IFSR.FS", fsr_status(pabt_rec.fsr), 0x02);
}

static void test_srs_rfe(void)
{
    static uint32_t stack[8];
    uint32_t out[2], frame[2];

    stack[6] = stack[7] = 0;
    srs_test(&stack[8], 0x40123458u, 0xa00f0010u, out);
    check_eq("SRSDB #sys!: stored LR", stack[6], 0x40123458u);
    check_eq("SRSDB #sys!: stored SPSR", stack[7], 0xa00f0010u);
    check_eq("SRSDB #sys!: SP_sys written back - 8", (uint32_t)(uintptr_t)&stack[8] - out[0], 8);

    frame[0] = 0;
    frame[1] = 0x680f01d3u;
    rfe_test(frame, out);
    check_eq("RFEIA: CPSR loaded", out[0], 0x680f01d3u);
    check_eq("RFEIA r0!: base written back + 8", out[1], 8);
}

static void test_exclusives(void)
{
    static volatile uint32_t word = 100;
    static volatile uint16_t half = 200;
    static volatile uint8_t byte = 30;
    static volatile uint64_t dword = 0x1111111122222222ull;
    uint32_t v, status;
    uint64_t d;

    asm volatile("ldrex %0, [%2]\n\tadd %0, %0, #1\n\tstrex %1, %0, [%2]"
                 : "=&r"(v), "=&r"(status) : "r"(&word) : "memory");
    check_eq("LDREX/STREX: status", status, 0);
    check_eq("LDREX/STREX: memory", word, 101);

    asm volatile("ldrex %0, [%2]\n\tclrex\n\tstrex %1, %0, [%2]"
                 : "=&r"(v), "=&r"(status) : "r"(&word), "0"(555) : "memory");
    check_eq("STREX after CLREX fails", status, 1);
    check_eq("STREX after CLREX: memory unchanged", word, 101);

    asm volatile("ldrex %0, [%3]\n\tstrex %1, %0, [%3]\n\tstrex %2, %0, [%3]"
                 : "=&r"(v), "=&r"(status), "=&r"(d) : "r"(&word) : "memory");
    check_eq("second STREX without LDREX fails", (uint32_t)d, 1);

    asm volatile("ldrexh %0, [%2]\n\tadd %0, %0, #7\n\tstrexh %1, %0, [%2]"
                 : "=&r"(v), "=&r"(status) : "r"(&half) : "memory");
    check_eq("LDREXH/STREXH: status", status, 0);
    check_eq("LDREXH/STREXH: memory", half, 207);

    asm volatile("ldrexb %0, [%2]\n\tsub %0, %0, #31\n\tstrexb %1, %0, [%2]"
                 : "=&r"(v), "=&r"(status) : "r"(&byte) : "memory");
    check_eq("LDREXB/STREXB: status", status, 0);
    check_eq("LDREXB/STREXB: memory (wraps)", byte, 0xff);

    asm volatile("ldrexd %0, %H0, [%2]\n\t"
                 "adds %Q0, %Q0, #0xf0000000\n\t"
                 "adc %R0, %R0, #0\n\t"
                 "strexd %1, %0, %H0, [%2]"
                 : "=&r"(d), "=&r"(status) : "r"(&dword) : "memory", "cc");
    check_eq("LDREXD/STREXD: status", status, 0);
    check_eq("LDREXD/STREXD: memory low", (uint32_t)dword, 0x12222222u);
    check_eq("LDREXD/STREXD: memory high", (uint32_t)(dword >> 32), 0x11111112u);
}

int main(void)
{
    test_boot_state();
    asm volatile("cpsie a");    /* so entry can be seen to set A or leave it */
    test_cps_msr();
    test_banked();
    asm volatile("cpsie a");
    test_svc();
    test_user_mode();
    test_undef();
    test_data_abort();
    test_bkpt();
    test_srs_rfe();
    test_exclusives();
    printf("exceptions: %d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
