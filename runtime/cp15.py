"""cp15 (and cp14) system registers: a table of descriptors, data not code.

Each register is one `R(...)` row: its encoding written as in the assembler
(`"p15, 0, c1, c0, 0"` for MRC/MCR, `"p15, 0, c2"` for the 64-bit MRRC/MCRR
form), who may read and write it, type flags, and where its state lives:

  - a CONST register has no state: reads give `reset`, writes are ignored;
  - a plain register names a CPUARMState field (runtime/include/cpu.h) and,
    for the 64-bit form, the field of the high word; `mask` holds the
    writable bits, the other bits keep their reset value;
  - anything else names C functions of runtime/cp15_fns.pxi (`readfn`,
    `writefn`), which may still keep their state in a field;
  - NOP registers (cache and barrier operations) do nothing.

At translate time frontend/cp15_emit.py checks the static permission bits
for the block's privilege and emits UNDEF, an immediate, an inline
ld_env/st_env or a cp_read/cp_write call.  A per-register `accessfn` (a C function) is the
only run-time check, used where permission depends on run-time state.
Writes that change translation state (END_TB) end the block.

Raw access (`raw_read`, `raw_write`, `reset`) serves snapshots and
debuggers and skips the guest's permission checks.  ALIAS rows share state
with another row (the 32-bit view of a 64-bit register): raw access works
on them but reset and snapshots use the primary row only.

Values are those of a Cortex-A15 r4p0 (ARM DDI 0438I, chapter 4) and the
ARM ARM (DDI 0406C, B4.1 and B3.17/B3.18).
"""

from collections import namedtuple
import re

from runtime.abi import (DBGDSCR_MDBGEN, DBGDSCR_UDCCDIS, DBGOSDLR_DLK, DBGOSLSR_OSLK,
                         DBGOSLSR_OSLM1, DBGPRSR_SR)

# -- access bits (static permission per privilege level)
PL0_R, PL0_W, PL1_R, PL1_W = 1, 2, 4, 8
PL0_RW = PL0_R | PL0_W
PL1_RW = PL1_R | PL1_W
PL01_R = PL0_R | PL1_R          # readable everywhere
PL01_W = PL0_W | PL1_W
PL01_RW = PL0_RW | PL1_RW

# -- type flags
CONST = 1    # no state: reads give the reset value, writes are ignored
NO_RAW = 2   # no raw access (operations, values computed from other state)
IO = 4       # touches devices/time: never read ahead or cached
ALIAS = 8    # another view of a register that owns the state
NOP = 16     # write-only operation with no effect here (caches, barriers)
END_TB = 32  # writes change translation/MMU state: end the block

# -- C access kinds of runtime/cp15_fns.pxi (cp15_install)
KIND_UNDEF, KIND_CONST, KIND_FIELD, KIND_FN, KIND_NOP = 0, 1, 2, 3, 4

MASK32 = 0xFFFFFFFF
MASK64 = (1 << 64) - 1

CPReg = namedtuple("CPReg", "name cp opc1 crn crm opc2 is64 access type field field_hi "
                            "readfn writefn accessfn reset mask values")


def R(name, enc, access, type=0, field=None, field_hi=None, readfn=None, writefn=None,
      accessfn=None, reset=0, mask=None, values=None):
    """One register row.  enc: "p15, opc1, CRn, CRm, opc2" (32-bit) or
    "p15, opc1, CRm" (64-bit).  mask: writable bits (default all)."""
    parts = [p.strip() for p in enc.split(",")]
    m = re.fullmatch(r"p(\d+)", parts[0])
    if not m or len(parts) not in (3, 5):
        raise ValueError("%s: bad encoding %r" % (name, enc))
    cp = int(m.group(1))
    num = [int(p.lstrip("c")) for p in parts[1:]]
    is64 = len(parts) == 3
    if is64:
        opc1, crm = num
        crn = opc2 = 0
    else:
        opc1, crn, crm, opc2 = num
    if mask is None:
        mask = MASK64 if is64 else MASK32
    return CPReg(name, cp, opc1, crn, crm, opc2, is64, access, type, field, field_hi,
                 readfn, writefn, accessfn, reset, mask, values)


def encoding_key(cp, opc1, crn, crm, opc2, is64):
    """Lookup key; the 64-bit (MRRC/MCRR) forms have no CRn/opc2."""
    if is64:
        return (cp, opc1, 0, crm, 0, True)
    return (cp, opc1, crn, crm, opc2, False)


# -- Cortex-A15 r4p0 model data
A15_MIDR = 0x414FC0F0        # implementer 0x41, variant 4, arch 0xF, part 0xC0F, rev 0
A15_MPIDR = 0x80000000       # MP format, not uniprocessor-only, cluster 0 cpu 0
A15_SCTLR_RESET = 0x00C50078  # TRM 4.3.27 (TE/EE/V from configuration pins = 0)
# SCTLR bits software can change on the A15: M A C CP15BEN Z I V WXN UWXN EE TRE AFE TE.
# The rest are RAO/RAZ (or read-only configuration, like NMFI).
A15_SCTLR_MASK = 0x72183827

# Feature registers advertise only what this emulator implements (a guest
# probes them to decide what to use).  The TRM values are kept for reference.
TRM_ID_PFR1 = 0x00011011     # ProgMod 1, Security 1, Virtualization 1, GenTimer 1
TRM_ID_DFR0 = 0x02010555     # cp14 v7.1 debug (+secure), mmapped debug/trace, PMUv2
# No Security or Virtualization Extensions (no Monitor/Hyp mode): as QEMU's virt.
# Generic Timer (19:16) = 1: the CNT* registers of GENERIC_TIMER below.
A15_ID_PFR1 = 0x00010001
# cp14 debug model (3:0) = 5: v7.1 Debug through CP14 (DEBUG below);
# no Secure debug (no Security Extensions), no memory-mapped debug or
# trace.  PerfMon (27:24) = 2: the PMUv2 of PMU below.
A15_ID_DFR0 = 0x02000005

# CCSIDR per CSSELR value (Level << 1 | InD); TRM 4.3.22.  Fields: WT WB RA WA,
# NumSets-1 in 27:13, Associativity-1 in 12:3, log2(words per line)-2 in 2:0.
A15_CCSIDR = {
    0: 0x701FE00A,   # L1 data: 32KB, 2-way, 64-byte lines, 256 sets, WB RA WA
    1: 0x201FE00A,   # L1 instruction: 32KB, 2-way, 64-byte lines, RA
    2: 0x71FFE07A,   # L2 unified: 4MB, 16-way, 64-byte lines, 4096 sets, WB RA WA
}

# fmt: off
CORTEX_A15 = [
    # -- c0: identification (TRM 4.3.1-4.3.25)
    R("MIDR",      "p15, 0, c0, c0, 0", PL1_R, field="midr", reset=A15_MIDR),
    R("CTR",       "p15, 0, c0, c0, 1", PL1_R, CONST, reset=0x8444C004),
    R("TCMTR",     "p15, 0, c0, c0, 2", PL1_R, CONST, reset=0),
    R("TLBTR",     "p15, 0, c0, c0, 3", PL1_R, CONST, reset=0),
    R("MPIDR",     "p15, 0, c0, c0, 5", PL1_R, field="mpidr", reset=A15_MPIDR),
    R("REVIDR",    "p15, 0, c0, c0, 6", PL1_R, field="revidr", reset=0),
    # unused c0,c0 encodings read as MIDR (TRM table 4-2)
    R("MIDR_4",    "p15, 0, c0, c0, 4", PL1_R, ALIAS, field="midr"),
    R("MIDR_7",    "p15, 0, c0, c0, 7", PL1_R, ALIAS, field="midr"),
    R("ID_PFR0",   "p15, 0, c0, c1, 0", PL1_R, CONST, reset=0x00001131),
    R("ID_PFR1",   "p15, 0, c0, c1, 1", PL1_R, CONST, reset=A15_ID_PFR1),
    R("ID_DFR0",   "p15, 0, c0, c1, 2", PL1_R, CONST, reset=A15_ID_DFR0),
    R("ID_AFR0",   "p15, 0, c0, c1, 3", PL1_R, CONST, reset=0),
    R("ID_MMFR0",  "p15, 0, c0, c1, 4", PL1_R, CONST, reset=0x10201105),
    R("ID_MMFR1",  "p15, 0, c0, c1, 5", PL1_R, CONST, reset=0x20000000),
    R("ID_MMFR2",  "p15, 0, c0, c1, 6", PL1_R, CONST, reset=0x01240000),
    R("ID_MMFR3",  "p15, 0, c0, c1, 7", PL1_R, CONST, reset=0x02102211),
    R("ID_ISAR0",  "p15, 0, c0, c2, 0", PL1_R, CONST, reset=0x02101110),
    R("ID_ISAR1",  "p15, 0, c0, c2, 1", PL1_R, CONST, reset=0x13112111),
    R("ID_ISAR2",  "p15, 0, c0, c2, 2", PL1_R, CONST, reset=0x21232041),
    R("ID_ISAR3",  "p15, 0, c0, c2, 3", PL1_R, CONST, reset=0x11112131),
    R("ID_ISAR4",  "p15, 0, c0, c2, 4", PL1_R, CONST, reset=0x10011142),
    R("ID_ISAR5",  "p15, 0, c0, c2, 5", PL1_R, CONST, reset=0),
    R("CCSIDR",    "p15, 1, c0, c0, 0", PL1_R, NO_RAW, readfn="ccsidr_read",
      values=A15_CCSIDR),
    R("CLIDR",     "p15, 1, c0, c0, 1", PL1_R, CONST, reset=0x0A200023),
    R("AIDR",      "p15, 1, c0, c0, 7", PL1_R, CONST, reset=0),
    R("CSSELR",    "p15, 2, c0, c0, 0", PL1_RW, field="csselr", mask=0xF),

    # -- c1: system control
    R("SCTLR",     "p15, 0, c1, c0, 0", PL1_RW, END_TB, field="sctlr", writefn="sctlr_write",
      reset=A15_SCTLR_RESET, mask=A15_SCTLR_MASK),
    # A15 TRM 4.3.28: only SMP (bit 6) means anything here (coherent
    # requests; Linux sets it in __v7_ca15mp_setup); the rest RAZ/WI
    R("ACTLR",     "p15, 0, c1, c0, 1", PL1_RW, field="actlr", mask=0x40),
    # cp10/cp11 access (23:20): VFP enabled per PL, decided at translate time
    # (TBF_VFP_ACCESS), so writes end the block.  No Advanced SIMD (MVFR1 in
    # runtime/vfp.py): ASEDIS is RAO/WI (B4.1.40); D16-D31 exist and cannot
    # be disabled: D32DIS RAZ/WI.
    R("CPACR",     "p15, 0, c1, c0, 2", PL1_RW, END_TB, field="cpacr", reset=0x80000000,
      mask=0x00F00000),

    # -- c2, c3: translation table base and control, domains (all end the block);
    # a TTBR change drops the non-global soft TLB entries (runtime/mmu.pxi)
    R("TTBR0",     "p15, 0, c2, c0, 0", PL1_RW, ALIAS | END_TB, field="ttbr0_lo",
      writefn="asid_write"),
    R("TTBR1",     "p15, 0, c2, c0, 1", PL1_RW, ALIAS | END_TB, field="ttbr1_lo",
      writefn="asid_write"),
    # EAE, and both the short-descriptor (N) and LPAE layouts (T0SZ, EPD0,
    # IRGN0, ORGN0, SH0, T1SZ, A1, EPD1, IRGN1, ORGN1, SH1): B4.1.153.  PD0/PD1
    # exist only with the Security Extensions, which this CPU does not have
    # (ID_PFR1): UNK/SBZP, kept 0 -- as QEMU's virt A15 without EL3
    R("TTBCR",     "p15, 0, c2, c0, 2", PL1_RW, END_TB, field="ttbcr",
      writefn="field_write_flush", mask=0xBFC73F87),
    R("TTBR0_64",  "p15, 0, c2", PL1_RW, END_TB, field="ttbr0_lo", field_hi="ttbr0_hi",
      writefn="asid_write"),
    R("TTBR1_64",  "p15, 1, c2", PL1_RW, END_TB, field="ttbr1_lo", field_hi="ttbr1_hi",
      writefn="asid_write"),
    # drops the soft TLB entries of the domains that changed (runtime/mmu.pxi)
    R("DACR",      "p15, 0, c3, c0, 0", PL1_RW, END_TB, field="dacr",
      writefn="dacr_write"),

    # -- c5, c6: fault status and address
    R("DFSR",      "p15, 0, c5, c0, 0", PL1_RW, field="dfsr"),
    R("IFSR",      "p15, 0, c5, c0, 1", PL1_RW, field="ifsr"),
    R("ADFSR",     "p15, 0, c5, c1, 0", PL1_RW, CONST, reset=0),
    R("AIFSR",     "p15, 0, c5, c1, 1", PL1_RW, CONST, reset=0),
    R("DFAR",      "p15, 0, c6, c0, 0", PL1_RW, field="dfar"),
    R("IFAR",      "p15, 0, c6, c0, 2", PL1_RW, field="ifar"),

    # -- c7: PAR; cache maintenance and barriers (no caches are modelled, and
    # self-modifying code is caught by the code-page tracking, so all are NOPs)
    R("PAR",       "p15, 0, c7, c4, 0", PL1_RW, ALIAS, field="par_lo"),
    R("PAR_64",    "p15, 0, c7", PL1_RW, field="par_lo", field_hi="par_hi"),
    # address translation (B4.2.3): values[0] = bit 0 write, bit 1 as PL0.
    # ATS12NSO* exist only with the Security Extensions (B4.1.12), which
    # this CPU does not have (ID_PFR1): UNDEFINED, as on QEMU's virt.
    R("ATS1CPR",   "p15, 0, c7, c8, 0", PL1_W, NO_RAW, writefn="ats_write", values={0: 0}),
    R("ATS1CPW",   "p15, 0, c7, c8, 1", PL1_W, NO_RAW, writefn="ats_write", values={0: 1}),
    R("ATS1CUR",   "p15, 0, c7, c8, 2", PL1_W, NO_RAW, writefn="ats_write", values={0: 2}),
    R("ATS1CUW",   "p15, 0, c7, c8, 3", PL1_W, NO_RAW, writefn="ats_write", values={0: 3}),
    R("ICIALLUIS", "p15, 0, c7, c1, 0", PL1_W, NOP | NO_RAW),
    R("BPIALLIS",  "p15, 0, c7, c1, 6", PL1_W, NOP | NO_RAW),
    R("ICIALLU",   "p15, 0, c7, c5, 0", PL1_W, NOP | NO_RAW),
    R("ICIMVAU",   "p15, 0, c7, c5, 1", PL1_W, NOP | NO_RAW),
    R("CP15ISB",   "p15, 0, c7, c5, 4", PL01_W, NOP | NO_RAW),
    R("BPIALL",    "p15, 0, c7, c5, 6", PL1_W, NOP | NO_RAW),
    R("BPIMVA",    "p15, 0, c7, c5, 7", PL1_W, NOP | NO_RAW),
    R("DCIMVAC",   "p15, 0, c7, c6, 1", PL1_W, NOP | NO_RAW),
    R("DCISW",     "p15, 0, c7, c6, 2", PL1_W, NOP | NO_RAW),
    R("DCCMVAC",   "p15, 0, c7, c10, 1", PL1_W, NOP | NO_RAW),
    R("DCCSW",     "p15, 0, c7, c10, 2", PL1_W, NOP | NO_RAW),
    R("CP15DSB",   "p15, 0, c7, c10, 4", PL01_W, NOP | NO_RAW),
    R("CP15DMB",   "p15, 0, c7, c10, 5", PL01_W, NOP | NO_RAW),
    R("DCCMVAU",   "p15, 0, c7, c11, 1", PL1_W, NOP | NO_RAW),
    R("DCCIMVAC",  "p15, 0, c7, c14, 1", PL1_W, NOP | NO_RAW),
    R("DCCISW",    "p15, 0, c7, c14, 2", PL1_W, NOP | NO_RAW),

    # -- c8: TLB maintenance (B4.2.2).  The soft TLB holds only the current
    # ASID's translations (and global ones): by-ASID and ALL operations flush
    # it, by-MVA ones drop that VA (runtime/mmu.pxi).
    R("TLBIALLIS", "p15, 0, c8, c3, 0", PL1_W, NO_RAW | END_TB, writefn="tlb_flush_all"),
    R("TLBIMVAIS", "p15, 0, c8, c3, 1", PL1_W, NO_RAW | END_TB, writefn="tlbi_mva"),
    R("TLBIASIDIS", "p15, 0, c8, c3, 2", PL1_W, NO_RAW | END_TB, writefn="tlbi_asid"),
    R("TLBIMVAAIS", "p15, 0, c8, c3, 3", PL1_W, NO_RAW | END_TB, writefn="tlbi_mva"),
    R("ITLBIALL",  "p15, 0, c8, c5, 0", PL1_W, NO_RAW | END_TB, writefn="tlb_flush_all"),
    R("ITLBIMVA",  "p15, 0, c8, c5, 1", PL1_W, NO_RAW | END_TB, writefn="tlbi_mva"),
    R("ITLBIASID", "p15, 0, c8, c5, 2", PL1_W, NO_RAW | END_TB, writefn="tlbi_asid"),
    R("DTLBIALL",  "p15, 0, c8, c6, 0", PL1_W, NO_RAW | END_TB, writefn="tlb_flush_all"),
    R("DTLBIMVA",  "p15, 0, c8, c6, 1", PL1_W, NO_RAW | END_TB, writefn="tlbi_mva"),
    R("DTLBIASID", "p15, 0, c8, c6, 2", PL1_W, NO_RAW | END_TB, writefn="tlbi_asid"),
    R("TLBIALL",   "p15, 0, c8, c7, 0", PL1_W, NO_RAW | END_TB, writefn="tlb_flush_all"),
    R("TLBIMVA",   "p15, 0, c8, c7, 1", PL1_W, NO_RAW | END_TB, writefn="tlbi_mva"),
    R("TLBIASID",  "p15, 0, c8, c7, 2", PL1_W, NO_RAW | END_TB, writefn="tlbi_asid"),
    R("TLBIMVAA",  "p15, 0, c8, c7, 3", PL1_W, NO_RAW | END_TB, writefn="tlbi_mva"),

    # -- c9: L2 control (A15 TRM 4.3.49/4.3.50): one core, no ECC
    R("L2CTLR",    "p15, 1, c9, c0, 2", PL1_RW, CONST, reset=0),
    R("L2ECTLR",   "p15, 1, c9, c0, 3", PL1_RW, CONST, reset=0),

    # -- c10: memory attributes (PRRR/NMRR are MAIR0/MAIR1 under LPAE)
    # reset values: A15 TRM 4.3.57/4.3.58
    # PRRR decides Device vs Normal under TEX remap, which the soft TLB caches;
    # under LPAE PRRR/NMRR are MAIR0/MAIR1 (B4.1.104), the same state
    R("PRRR",      "p15, 0, c10, c2, 0", PL1_RW, END_TB, field="prrr", reset=0x00098AA4,
      writefn="field_write_flush"),
    # NMRR is MAIR1 under LPAE (device or not for AttrIndx 4-7): flush too
    R("NMRR",      "p15, 0, c10, c2, 1", PL1_RW, END_TB, field="nmrr", reset=0x44E048E0,
      writefn="field_write_flush"),
    R("AMAIR0",    "p15, 0, c10, c3, 0", PL1_RW, field="amair0"),
    R("AMAIR1",    "p15, 0, c10, c3, 1", PL1_RW, field="amair1"),

    # -- c12, c13: vectors, process and thread ids
    R("VBAR",      "p15, 0, c12, c0, 0", PL1_RW, field="vbar", mask=0xFFFFFFE0),
    R("FCSEIDR",   "p15, 0, c13, c0, 0", PL1_RW, CONST, reset=0),   # no FCSE: RAZ/WI
    # the ASID lives here: a change drops the non-global soft TLB entries
    R("CONTEXTIDR", "p15, 0, c13, c0, 1", PL1_RW, END_TB, field="contextidr",
      writefn="asid_write"),
    R("TPIDRURW",  "p15, 0, c13, c0, 2", PL01_RW, field="tpidrurw"),
    R("TPIDRURO",  "p15, 0, c13, c0, 3", PL01_R | PL1_W, field="tpidruro"),
    R("TPIDRPRW",  "p15, 0, c13, c0, 4", PL1_RW, field="tpidrprw"),
]
# fmt: on

# -- c14: the generic timer (ARM ARM B8, B4.1.21-B4.1.35; C functions in
# runtime/timer_fns.pxi).  PL0 access is gated by CNTKCTL at run time, so
# those rows are PL0-accessible statically and carry an accessfn.  The
# count reads are IO: computed in C from the clock at the time of the read.
GT_PHYS, GT_VIRT = {0: 0}, {0: 1}       # `values`: which timer a row serves
CNTFRQ_VIRT = 62500000                  # QEMU virt: 62.5 MHz (16 ns per tick)
# fmt: off
GENERIC_TIMER = [
    # CNTFRQ is written only by the highest-privilege software (B4.1.21):
    # with no Security Extensions that is PL1
    R("CNTFRQ",    "p15, 0, c14, c0, 0", PL01_R | PL1_W, field="cntfrq",
      accessfn="gt_frq_access", reset=CNTFRQ_VIRT),
    # PL0PCTEN PL0VCTEN EVNTEN EVNTDIR EVNTI PL0VTEN PL0PTEN (B4.1.27)
    R("CNTKCTL",   "p15, 0, c14, c1, 0", PL1_RW, field="cntkctl", mask=0x3FF),
    R("CNTP_TVAL", "p15, 0, c14, c2, 0", PL01_RW, IO | NO_RAW, readfn="gt_tval_read",
      writefn="gt_tval_write", accessfn="gt_ptimer_access", values=GT_PHYS),
    R("CNTP_CTL",  "p15, 0, c14, c2, 1", PL01_RW, IO, field="cntp_ctl", readfn="gt_ctl_read",
      writefn="gt_ctl_write", accessfn="gt_ptimer_access", mask=3, values=GT_PHYS),
    R("CNTV_TVAL", "p15, 0, c14, c3, 0", PL01_RW, IO | NO_RAW, readfn="gt_tval_read",
      writefn="gt_tval_write", accessfn="gt_vtimer_access", values=GT_VIRT),
    R("CNTV_CTL",  "p15, 0, c14, c3, 1", PL01_RW, IO, field="cntv_ctl", readfn="gt_ctl_read",
      writefn="gt_ctl_write", accessfn="gt_vtimer_access", mask=3, values=GT_VIRT),
    R("CNTPCT",    "p15, 0, c14", PL01_R, IO | NO_RAW, readfn="gt_cntpct_read",
      accessfn="gt_pct_access"),
    R("CNTVCT",    "p15, 1, c14", PL01_R, IO | NO_RAW, readfn="gt_cntvct_read",
      accessfn="gt_vct_access"),
    R("CNTP_CVAL", "p15, 2, c14", PL01_RW, IO, field="cntp_cval_lo", field_hi="cntp_cval_hi",
      writefn="gt_cval_write", accessfn="gt_ptimer_access", values=GT_PHYS),
    R("CNTV_CVAL", "p15, 3, c14", PL01_RW, IO, field="cntv_cval_lo", field_hi="cntv_cval_hi",
      writefn="gt_cval_write", accessfn="gt_vtimer_access", values=GT_VIRT),
    # CNTVOFF is accessible from Hyp mode (and Monitor mode) only (B4.1.32);
    # neither exists here, so the guest cannot reach it.  The state is kept
    # (raw access: a board or debugger may set it) and CNTVCT subtracts it.
    R("CNTVOFF",   "p15, 4, c14", 0, field="cntvoff_lo", field_hi="cntvoff_hi"),
]
# fmt: on
CORTEX_A15 += GENERIC_TIMER

# -- c9: performance monitors, PMUv2 (A15 TRM DDI 0438 chapter 11, ARM ARM
# C12; C functions in runtime/pmu_fns.pxi).  PL0 access only with
# PMUSERENR.EN (C12.8.17), a run-time check.  The counters count
# instructions (as cycles too) and are brought up to date on access.
A15_PMCR = 0x410F3000        # IMP 0x41, IDCODE 0x0F, N = 6 (15:11); E P C D X DP = 0
PMU_COUNTERS = 0x8000003F    # the cycle counter (31) and counters 0-5
# events implemented: SW_INCR 0x00, INST_RETIRED 0x08, CPU_CYCLES 0x11 (bit n = event n)
A15_PMCEID0 = (1 << 0x00) | (1 << 0x08) | (1 << 0x11)
_PL0 = "pm_pl0_access"
# fmt: off
PMU = [
    # P and C are actions (read as 0): only E D X DP are held
    R("PMCR",       "p15, 0, c9, c12, 0", PL01_RW, IO, field="pmcr", writefn="pm_pmcr_write",
      accessfn=_PL0, reset=A15_PMCR, mask=0x39),
    # PMCNTENSET/PMCNTENCLR, PMINTENSET/PMINTENCLR and PMOVSSET/PMOVSR are
    # two views of one bitmask each: read it, write 1s to set or clear
    R("PMCNTENSET", "p15, 0, c9, c12, 1", PL01_RW, IO, field="pmcnten", writefn="pm_cnten_set",
      accessfn=_PL0, mask=PMU_COUNTERS),
    R("PMCNTENCLR", "p15, 0, c9, c12, 2", PL01_RW, IO | ALIAS, field="pmcnten",
      writefn="pm_cnten_clr", accessfn=_PL0, mask=PMU_COUNTERS),
    R("PMOVSR",     "p15, 0, c9, c12, 3", PL01_RW, IO, field="pmovsr", writefn="pm_ovs_clr",
      accessfn=_PL0, mask=PMU_COUNTERS),
    R("PMSWINC",    "p15, 0, c9, c12, 4", PL01_W, IO | NO_RAW, writefn="pm_swinc_write",
      accessfn=_PL0),
    R("PMSELR",     "p15, 0, c9, c12, 5", PL01_RW, field="pmselr", accessfn=_PL0, mask=0x1F),
    R("PMCEID0",    "p15, 0, c9, c12, 6", PL01_R, CONST, accessfn=_PL0, reset=A15_PMCEID0),
    R("PMCEID1",    "p15, 0, c9, c12, 7", PL01_R, CONST, accessfn=_PL0, reset=0),
    # counters are synced on access; their state travels with
    # runtime/devices/pmu.py PMU.state(), not as raw rows
    R("PMCCNTR",    "p15, 0, c9, c13, 0", PL01_RW, IO | NO_RAW, readfn="pm_ccnt_read",
      writefn="pm_ccnt_write", accessfn=_PL0),
    # the counter PMSELR selects (state: pmevtyper[]/pmevcntr[], no raw row)
    R("PMXEVTYPER", "p15, 0, c9, c13, 1", PL01_RW, IO | NO_RAW, readfn="pm_evtyper_read",
      writefn="pm_evtyper_write", accessfn=_PL0),
    R("PMXEVCNTR",  "p15, 0, c9, c13, 2", PL01_RW, IO | NO_RAW, readfn="pm_evcntr_read",
      writefn="pm_evcntr_write", accessfn=_PL0),
    R("PMUSERENR",  "p15, 0, c9, c14, 0", PL01_R | PL1_W, field="pmuserenr", mask=1),
    R("PMINTENSET", "p15, 0, c9, c14, 1", PL1_RW, IO, field="pmintenset", writefn="pm_inten_set",
      mask=PMU_COUNTERS),
    R("PMINTENCLR", "p15, 0, c9, c14, 2", PL1_RW, IO | ALIAS, field="pmintenset",
      writefn="pm_inten_clr"),
    R("PMOVSSET",   "p15, 0, c9, c14, 3", PL01_RW, IO | ALIAS, field="pmovsr",
      writefn="pm_ovs_set", accessfn=_PL0),
]
# fmt: on
CORTEX_A15 += PMU

# -- cp14: ThumbEE (ARM ARM A2.10 "Thumb Execution Environment": TEECR,
# TEEHBR).  ID_PFR0[15:12] = 1 advertises it, and Linux 6.1 (thumbee.c)
# then writes TEEHBR on every context switch.
# fmt: off
THUMBEE = [
    # PL0 may read TEECR, not write it.  XED (bit 0): PL0 access to TEEHBR is UNDEF.
    R("TEECR",     "p14, 6, c0, c0, 0", PL01_R | PL1_W, field="teecr", mask=1),
    R("TEEHBR",    "p14, 6, c1, c0, 0", PL01_RW, field="teehbr", accessfn="teehbr_access",
      mask=0xFFFFFFFC),
]
# fmt: on
CORTEX_A15 += THUMBEE

# -- cp14 debug: v7.1 Debug through the CP14 interface (ARM ARM DDI 0406C
# C6.4 the CP14 interface, C11.10 the register map, C11.11 the registers;
# C functions in runtime/debug_fns.pxi).  Linux 6.1 hw_breakpoint.c reads
# DBGDIDR, clears the OS Lock and DBGVCR, zeroes every pair, sets
# DBGDSCRext.MDBGen and probes DBGWCR0.BAS for 8-byte watchpoints.
#
# NOT YET: the comparators hold their values but no breakpoint,
# watchpoint or vector catch debug event is generated (the guest is never
# stopped); the gdbstub work builds that matching on this state.  There is
# no external debug interface: no memory-mapped registers (DBGDRAR/DBGDSAR
# say so), no halting debug, no DCC (DBGDTR* are not implemented, as in
# QEMU 7.2), no PC sampling.
# the A15 has 6 breakpoint, 4 watchpoint and 2 context comparators (TRM
# DDI 0438 chapter 10; QEMU 7.2 cortex-a15 DBGDIDR 0x3515f021)
A15_DEBUG_BRPS, A15_DEBUG_WRPS, A15_DEBUG_CTX_CMPS = 6, 4, 2
# DBGDIDR (C11.11 DBGDIDR): WRPs-1 (31:28), BRPs-1 (27:24), CTX_CMPs-1
# (23:20), Version 5 = v7.1 (19:16), DEVID_imp (15): DBGDEVID below;
# nSUHD_imp, PCSR_imp, SE_imp (14:12) = 0: no Security Extensions (ID_PFR1)
# and no PC sampling; Variant 2, Revision 1 (the A15's, as QEMU 7.2).
# QEMU 7.2 gives 0x3515f021, the hardware's with those three bits set.
A15_DBGDIDR = (((A15_DEBUG_WRPS - 1) << 28) | ((A15_DEBUG_BRPS - 1) << 24)
               | ((A15_DEBUG_CTX_CMPS - 1) << 20) | (5 << 16) | (1 << 15) | 0x21)
# DBGDEVID (C11.11 DBGDEVID): DoubleLock (23:20) = 1 (DBGOSDLR), BPAddrMask
# (11:8) = 0xF: no breakpoint address masking, WPAddrMask (7:4) = 1:
# watchpoint address masking (DBGWCR.MASK is held); VirExtns, VectorCatch
# (address matching), PCsample = 0, CIDMask = 0, AuxRegs = 0.
A15_DBGDEVID = 0x00100F10
# DBGDSCRext bits software writes through CP14: MDBGen (15) and UDCCdis
# (12).  The rest are status or belong to an external debugger (halting
# debug, ITR, DCC modes) and read as zero here.
DSCR_WRITABLE = DBGDSCR_MDBGEN | DBGDSCR_UDCCDIS
# DBGOSLSR (C11.11 DBGOSLSR): OSLM = 0b10 (v7.1 OS Lock model: bit 3 set,
# bit 0 clear), OSLK (1) set at reset -- as QEMU 7.2's reset value 0xA
OSLSR_RESET = DBGOSLSR_OSLM1 | DBGOSLSR_OSLK
# DBGBCR (C11.11 DBGBCR): E (0), PMC (2:1), BAS (8:5), SSC (15:14), LBN
# (19:16), BT (22:20).  MASK (28:24) is optional and not implemented
# (DBGDEVID.BPAddrMask), HMC (13) needs the Virtualization Extensions: RAZ/WI.
BCR_WRITABLE = 0x007FC1E7
# DBGWCR (C11.11 DBGWCR): E, PAC (2:1), LSC (4:3), BAS (12:5: 8 bytes, so
# Linux's get_max_wp_len() sees 8), SSC, LBN (19:16), WT (20), MASK (28:24).
# HMC (13) RAZ/WI as for DBGBCR.
WCR_WRITABLE = 0x1F1FDFFF
# DBGBVR/DBGWVR bits 1:0 are UNK/SBZP for an address; a context-matching
# BRP (the last CTX_CMPs) holds a whole Context ID
VR_ADDRESS = 0xFFFFFFFC
# DBGVCR (C11.11 DBGVCR) without the Security Extensions: vector catch
# enables for reset, undef, SVC, prefetch/data abort, IRQ, FIQ (bit 5 reserved)
VCR_WRITABLE = 0xDF
_PL0 = "dbg_pl0_access"


def _debug_pairs():
    rows = []
    for n in range(A15_DEBUG_BRPS):
        ctx = n >= A15_DEBUG_BRPS - A15_DEBUG_CTX_CMPS
        rows.append(R("DBGBVR%d" % n, "p14, 0, c0, c%d, 4" % n, PL1_RW, field="dbgbvr%d" % n,
                      mask=MASK32 if ctx else VR_ADDRESS))
        rows.append(R("DBGBCR%d" % n, "p14, 0, c0, c%d, 5" % n, PL1_RW, field="dbgbcr%d" % n,
                      mask=BCR_WRITABLE))
    for n in range(A15_DEBUG_WRPS):
        rows.append(R("DBGWVR%d" % n, "p14, 0, c0, c%d, 6" % n, PL1_RW, field="dbgwvr%d" % n,
                      mask=VR_ADDRESS))
        rows.append(R("DBGWCR%d" % n, "p14, 0, c0, c%d, 7" % n, PL1_RW, field="dbgwcr%d" % n,
                      mask=WCR_WRITABLE))
    return rows


# fmt: off
DEBUG = [
    # readable at PL0 unless DBGDSCR.UDCCdis (C6.4): a run-time check
    R("DBGDIDR",   "p14, 0, c0, c0, 0", PL01_R, CONST, accessfn=_PL0, reset=A15_DBGDIDR),
    # no memory-mapped debug: ROM table and self address "not valid" (0b00)
    R("DBGDRAR",   "p14, 0, c1, c0, 0", PL01_R, CONST, accessfn=_PL0, reset=0),
    R("DBGDSAR",   "p14, 0, c2, c0, 0", PL01_R, CONST, accessfn=_PL0, reset=0),
    R("DBGDRAR_64", "p14, 0, c1", PL01_R, CONST, accessfn=_PL0, reset=0),
    R("DBGDSAR_64", "p14, 0, c2", PL01_R, CONST, accessfn=_PL0, reset=0),
    # DBGDSCRint is the read-only view of DBGDSCRext's state
    R("DBGDSCRint", "p14, 0, c0, c1, 0", PL01_R, ALIAS, field="dbgdscr", accessfn=_PL0),
    R("DBGDSCRext", "p14, 0, c0, c2, 2", PL1_RW, field="dbgdscr", mask=DSCR_WRITABLE),
    R("DBGVCR",    "p14, 0, c0, c7, 0", PL1_RW, field="dbgvcr", mask=VCR_WRITABLE),
    # OS Lock and power-down (C11.11; the v7.1 OS Save and Restore model)
    R("DBGOSLAR",  "p14, 0, c1, c0, 4", PL1_W, NO_RAW, writefn="dbg_oslar_write"),
    R("DBGOSLSR",  "p14, 0, c1, c1, 4", PL1_R, field="dbgoslsr", reset=OSLSR_RESET),
    R("DBGOSDLR",  "p14, 0, c1, c3, 4", PL1_RW, field="dbgosdlr", mask=DBGOSDLR_DLK),
    # CORENPDRQ (0) is held; CWRR (1, warm reset request) and HCWR are not modelled
    R("DBGPRCR",   "p14, 0, c1, c4, 4", PL1_RW, field="dbgprcr", mask=1),
    R("DBGPRSR",   "p14, 0, c1, c5, 4", PL1_R, IO, field="dbgprsr", readfn="dbg_prsr_read",
      reset=DBGPRSR_SR),
    R("DBGDEVID",  "p14, 0, c7, c2, 7", PL1_R, CONST, reset=A15_DBGDEVID),
    R("DBGDEVID1", "p14, 0, c7, c1, 7", PL1_R, CONST, reset=0),    # PCSROffset: no PCSR
] + _debug_pairs()
# fmt: on
CORTEX_A15 += DEBUG


class CP15Table:
    """A CPU model's registers: lookup by encoding, raw access (the
    translate-time emission is frontend/cp15_emit.py).  The index of a row is its id in the C tables (imm of
    cp_read/cp_write)."""

    def __init__(self, regs, offset_of=None):
        self.regs = list(regs)
        self.by_key = {}
        self.by_name = {}
        for i, r in enumerate(self.regs):
            check_reg(r)
            key = encoding_key(r.cp, r.opc1, r.crn, r.crm, r.opc2, r.is64)
            if key in self.by_key:
                raise ValueError("%s: encoding already used by %s"
                                 % (r.name, self.regs[self.by_key[key]].name))
            if r.name in self.by_name:
                raise ValueError("duplicate register name %s" % r.name)
            self.by_key[key] = i
            self.by_name[r.name] = i
        self._offset_of = offset_of

    # -- lookup
    def lookup(self, cp, opc1, crn, crm, opc2, is64):
        """(index, CPReg) or None."""
        i = self.by_key.get(encoding_key(cp, opc1, crn, crm, opc2, is64))
        return None if i is None else (i, self.regs[i])

    def offset(self, field):
        """Byte offset of a CPUARMState field, from the built module."""
        if self._offset_of is None:
            from runtime.core import env_field_offset
            self._offset_of = env_field_offset
        return self._offset_of(field)

    # -- the C side
    def c_entries(self):
        """Per index, what runtime.core.cp15_install needs (no Python at run time)."""
        return [c_entry(self, r) for r in self.regs]

    # -- raw access
    def raw_read(self, cpu, name):
        r = self._raw_reg(name)
        if r.type & CONST:
            return r.reset
        lo = cpu.env_read32(self.offset(r.field))
        if r.is64:
            return (cpu.env_read32(self.offset(r.field_hi)) << 32) | lo
        return lo

    def raw_write(self, cpu, name, value):
        r = self._raw_reg(name)
        if r.type & CONST:
            return
        cpu.env_write32(self.offset(r.field), value & MASK32)
        if r.is64:
            cpu.env_write32(self.offset(r.field_hi), (value >> 32) & MASK32)

    def raw_names(self):
        return [r.name for r in self.regs if not r.type & NO_RAW]

    def reset(self, cpu):
        """Every register with state to its reset value (and this table
        into the C dispatch, if it is not there yet)."""
        if _installed is not self:
            install(self)
        for r in self.regs:
            if r.field is not None and not r.type & ALIAS:
                self.raw_write(cpu, r.name, r.reset)

    def _raw_reg(self, name):
        i = self.by_name.get(name)
        if i is None:
            raise KeyError("no cp15 register %s" % name)
        r = self.regs[i]
        if r.type & NO_RAW:
            raise ValueError("cp15 register %s has no raw access" % name)
        return r


def check_reg(r):
    """Raise if a row is inconsistent."""
    if r.type & CONST and (r.field or r.readfn or r.writefn):
        raise ValueError("%s: CONST with state" % r.name)
    if r.type & NOP and (r.access & (PL0_R | PL1_R) or r.field):
        raise ValueError("%s: NOP must be write-only, without state" % r.name)
    if r.access & (PL0_R | PL1_R) and not (r.type & CONST or r.field or r.readfn):
        raise ValueError("%s: readable but nothing to read" % r.name)
    if r.access & (PL0_W | PL1_W) and not (r.type & (CONST | NOP) or r.field or r.writefn):
        raise ValueError("%s: writable but nothing to write" % r.name)
    if r.is64 and r.field and not r.field_hi:
        raise ValueError("%s: 64-bit register needs field_hi" % r.name)
    if not r.type & NO_RAW and not (r.type & CONST or r.field):
        raise ValueError("%s: raw access needs a field (or mark it NO_RAW)" % r.name)
    if (r.access & PL0_R and not r.access & PL1_R) or (r.access & PL0_W and not r.access & PL1_W):
        raise ValueError("%s: PL0 access without the same PL1 access" % r.name)


def permitted(reg, privileged, is_read):
    if privileged:
        bit = PL1_R if is_read else PL1_W
    else:
        bit = PL0_R if is_read else PL0_W
    return bool(reg.access & bit)


def _lo_hi(v):
    return v & MASK32, (v >> 32) & MASK32


# -- the C side -----------------------------------------------------------

def c_entry(table, r):
    """The dict runtime.core.cp15_install takes for one row."""
    if r.readfn or r.writefn:
        kind = KIND_FN
    elif r.type & CONST:
        kind = KIND_CONST
    elif r.type & NOP:
        kind = KIND_NOP
    elif r.field:
        kind = KIND_FIELD
    else:
        kind = KIND_UNDEF
    mlo, mhi = _lo_hi(r.mask)
    rlo, rhi = _lo_hi(r.reset)
    values = [0] * 16
    for sel, v in (r.values or {}).items():
        values[sel] = v
    return {
        "name": r.name, "kind": kind, "is64": r.is64, "has_field": r.field is not None,
        "off_lo": table.offset(r.field) if r.field else 0,
        "off_hi": table.offset(r.field_hi) if r.field_hi else 0,
        "mask_lo": mlo, "mask_hi": mhi,
        "fixed_lo": rlo & ~mlo & MASK32, "fixed_hi": rhi & ~mhi & MASK32,
        "const_lo": rlo, "const_hi": rhi,
        "readable": bool(r.access & (PL0_R | PL1_R)),
        "writable": bool(r.access & (PL0_W | PL1_W)),
        "readfn": r.readfn, "writefn": r.writefn, "accessfn": r.accessfn,
        "values": values,
    }


# -- the default model and module-level shortcuts --------------------------

TABLE = CP15Table(CORTEX_A15)


_installed = None   # the table the C dispatch holds (one per process)


def install(table=None):
    """Load a table into the C dispatch of runtime.core.  reset() does it
    when needed, so a CPU is always reset against the table it runs with."""
    global _installed
    from runtime.core import cp15_install
    table = table or TABLE
    cp15_install(table.c_entries())
    _installed = table


def raw_read(cpu, name, table=None):
    return (table or TABLE).raw_read(cpu, name)


def raw_write(cpu, name, value, table=None):
    (table or TABLE).raw_write(cpu, name, value)


def reset(cpu, table=None):
    (table or TABLE).reset(cpu)
