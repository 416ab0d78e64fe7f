"""The constants the engines share, defined once.

The IR's register numbers, memory-op bits, exception numbers, TB flags,
exit codes, debug bits, interrupt lines, MMU indexes, JIT states and the
CPSR mode numbers and bits are used by the frontend (which emits them into
the IR), the interpreter and runtime (C, through runtime/include/cpu.h),
the JIT (backend/lower.py) and the Python run loop.  They are rows of
TABLE below; everything else sees copies made from it:

  - Python: `from runtime.abi import EXCP_HVC` (module globals set from the
    table);
  - C: runtime/include/abi.h, written by setup.py (c_header());
  - Cython: runtime/abi.pxi, written by setup.py (cython_decls()) and
    included by runtime/core.pxd.

tests/test_abi.py checks that the generated files match the table and that
no other module defines these names again.

Each group says how C sees it: "enum" (int constants; EXCP_NONE is -1) or
"unsigned" (#define NAME VALUEu: bit masks compared with uint32_t state).
"""

from collections import namedtuple

Group = namedtuple("Group", "title ctype rows")


def _bit(n):
    return 1 << n


TABLE = [
    Group("value file: IR operands index env->v[]; the first NUM_GLOBALS are guest "
          "globals, the rest per-instruction temporaries", "enum", [
              ("NUM_GLOBALS", 32, ""),
              ("NUM_TEMPS", 96, ""),
              ("V_R0", 0, ""),
              ("V_SP", 13, ""),
              ("V_LR", 14, ""),
              ("V_PC", 15, ""),
              ("V_NF", 16, "N is bit 31"),
              ("V_ZF", 17, "Z is (ZF == 0)"),
              ("V_CF", 18, "C is 0 or 1"),
              ("V_VF", 19, "V is bit 31"),
              ("V_QF", 20, "Q is (QF != 0)"),
              ("V_GE", 21, "GE[3:0] in bits 3..0"),
              ("V_EXCL_ADDR", 22, "exclusive monitor: address, or -1 when open"),
              ("V_EXCL_VAL", 23, "value read by LDREX (low word for LDREXD)"),
              ("V_EXCL_HI", 24, "high word read by LDREXD"),
              ("V_TEMP0", 32, "= NUM_GLOBALS"),
          ]),
    Group("processor modes (CPSR.M)", "enum", [
        ("MODE_USR", 0x10, ""), ("MODE_FIQ", 0x11, ""), ("MODE_IRQ", 0x12, ""),
        ("MODE_SVC", 0x13, ""), ("MODE_MON", 0x16, ""), ("MODE_ABT", 0x17, ""),
        ("MODE_HYP", 0x1a, ""), ("MODE_UND", 0x1b, ""), ("MODE_SYS", 0x1f, ""),
    ]),
    Group("register banks (banked_r13/r14/spsr index)", "enum", [
        ("BANK_USRSYS", 0, ""), ("BANK_SVC", 1, ""), ("BANK_ABT", 2, ""), ("BANK_UND", 3, ""),
        ("BANK_IRQ", 4, ""), ("BANK_FIQ", 5, ""), ("BANK_HYP", 6, ""), ("BANK_MON", 7, ""),
        ("NUM_BANKS", 8, ""),
    ]),
    Group("CPSR bits", "unsigned", [
        ("CPSR_M", 0x1f, "mode"),
        ("CPSR_T", _bit(5), ""),
        ("CPSR_F", _bit(6), ""),
        ("CPSR_I", _bit(7), ""),
        ("CPSR_A", _bit(8), ""),
        ("CPSR_E", _bit(9), ""),
        ("CPSR_IT_2_7", 0xfc00, ""),
        ("CPSR_GE", 0xf << 16, ""),
        ("CPSR_J", _bit(24), ""),
        ("CPSR_IT_0_1", 3 << 25, ""),
        ("CPSR_Q", _bit(27), ""),
        ("CPSR_NZCV", 0xf << 28, ""),
    ]),
    Group("exception_index values; also the numbers of the IR op raise_exc", "enum", [
        ("EXCP_NONE", -1, ""),
        ("EXCP_UDEF", 1, ""), ("EXCP_SWI", 2, ""), ("EXCP_PREFETCH_ABORT", 3, ""),
        ("EXCP_DATA_ABORT", 4, ""), ("EXCP_IRQ", 5, ""), ("EXCP_FIQ", 6, ""),
        ("EXCP_BKPT", 7, ""), ("EXCP_HVC", 11, ""), ("EXCP_SMC", 13, ""),
        ("EXCP_HALTED", 0x100, "not architectural: WFI with nothing pending"),
        ("EXCP_SEMIHOST", 0x101, "not architectural: semihosting call; Python serves it"),
        ("EXCP_DEBUG", 0x102, "not architectural: a debugger watchpoint hit before the "
                              "access (tcg/gdbstub.py); Python serves it"),
    ]),
    Group("exit_request bits (checked at every TB entry)", "enum", [
        ("EXIT_REQ_IRQ", 1, "an interrupt line changed: re-evaluate"),
        ("EXIT_REQ_STOP", 2, "stop requested (Ctrl-C, shutdown, debugger)"),
        ("EXIT_REQ_FLUSH", 4, "translation state changed: flush TBs"),
        ("EXIT_REQ_CLOCK", 8, "a timer was programmed or a deadline passed: Python serves "
                              "runtime/clock.py"),
        ("EXIT_REQ_TIMER", 16, "a generic-timer deadline passed (host alarm): the exec "
                               "loop serves it in C (runtime/timer_fns.pxi)"),
    ]),
    Group("debug_flags bits", "enum", [
        ("DEBUG_EXC", 1, "return before taking any exception (-d int)"),
        ("DEBUG_EXEC", 2, "return before every block (-d exec,cpu)"),
        ("DEBUG_STORES", 4, "the interpreter logs its stores (armtcg compare)"),
        ("DEBUG_NOIRQ", 8, "take no interrupt (a debugger's single step, as QEMU's "
                           "SSTEP_NOIRQ); they stay pending"),
    ]),
    Group("debugger watchpoints (env->watch_*)", "enum", [
        ("MAX_WATCHPOINTS", 16, ""),
        ("WATCH_READ", 1, ""), ("WATCH_WRITE", 2, ""),
    ]),
    Group("pending interrupt lines (env->irq_lines)", "enum", [
        ("IRQ_LINE_IRQ", 1, ""), ("IRQ_LINE_FIQ", 2, ""),
    ]),
    Group("soft-TLB tables (MMU indexes)", "enum", [
        ("MMU_IDX_PRIV", 0, ""), ("MMU_IDX_USER", 1, ""), ("NB_MMU_MODES", 2, ""),
    ]),
    Group("memory-op aux bits", "unsigned", [
        ("MO_8", 0, "log2 of the access size ..."),
        ("MO_16", 1, ""),
        ("MO_32", 2, ""),
        ("MO_64", 3, ""),
        ("MO_SIZE_MASK", 3, "... in these bits"),
        ("MO_SIGN", 4, ""),
        ("MO_USER", 8, "unprivileged access (LDRT etc.)"),
        ("MO_BE", 16, "big-endian data"),
        ("MO_ALIGN", 32, "alignment required regardless of SCTLR.A"),
    ]),
    Group("TB flags: the key under which a TB is cached (tb_flags_of)", "unsigned", [
        ("TBF_MODE_MASK", 0x1f, ""),
        ("TBF_THUMB", _bit(5), ""),
        ("TBF_BE_DATA", _bit(6), ""),
        ("TBF_ALIGN", _bit(7), "every access alignment-checked"),
        ("TBF_SINGLE", _bit(8), "one instruction per block"),
        ("TBF_IT_SHIFT", 16, "ITSTATE<7:0> (Thumb IT blocks) in bits 23:16"),
        ("TBF_IT_MASK", 0xff << 16, ""),
        # VFP (frontend/a32_vfp.py): whether cp10/cp11 instructions UNDEF is
        # decided at translate time from these; CPACR, FPEXC and FPSCR writes
        # end the block
        ("TBF_VFP_ACCESS", _bit(28), "CPACR.cp10 permits the current PL"),
        ("TBF_VFP_EN", _bit(29), "FPEXC.EN"),
        ("TBF_VFP_VEC", _bit(30), "FPSCR.LEN or STRIDE nonzero (short vectors: UNDEF)"),
    ]),
    Group("cp14 debug register bits (ARM ARM C11.11; runtime/cp15.py DEBUG rows, "
          "runtime/debug_fns.pxi)", "unsigned", [
              ("DBGDSCR_UDCCDIS", _bit(12), "PL0 cp14 debug access disabled"),
              ("DBGDSCR_MDBGEN", _bit(15), "monitor debug-mode enabled"),
              ("DBGOSLSR_OSLK", _bit(1), "the OS Lock is set"),
              ("DBGOSLSR_OSLM1", _bit(3), "OSLM = 0b10: the v7.1 OS Lock model"),
              ("DBGOSDLR_DLK", _bit(0), "the OS Double Lock is set"),
              ("DBGPRSR_PU", _bit(0), "core powered up"),
              ("DBGPRSR_SR", _bit(3), "sticky reset status (cleared by a read)"),
              ("DBGPRSR_OSLK", _bit(5), "copy of DBGOSLSR.OSLK"),
              ("DBGPRSR_DLK", _bit(6), "copy of DBGOSDLR.DLK"),
              ("DBGOSLAR_KEY", 0xC5ACCE55, "DBGOSLAR: this value locks, any other unlocks"),
          ]),
    Group("TB jit_state", "enum", [
        ("JIT_COLD", 0, ""), ("JIT_QUEUED", 1, ""), ("JIT_NATIVE", 2, ""),
        ("JIT_BASELINE", 3, "engine jit's quick first compile; tiers up when hot"),
    ]),
    Group("how a block (interpreted or native) left; the exec loop dispatches on it",
          "enum", [
              ("TB_EXIT_SLOT0", 0, "goto_tb slot 0: pc set, chain through jmp_dest[0]"),
              ("TB_EXIT_SLOT1", 1, ""),
              ("TB_EXIT_JC", 2, "indirect: pc in r15, look it up"),
              ("TB_EXIT_NOCHAIN", 3, "state that keys TBs may have changed"),
              ("TB_EXIT_EXC", 4, "exception recorded in exception_index"),
              ("TB_EXIT_WFI", 5, ""),
              ("TB_EXIT_REQUESTED", 6, "native entry check: exit request or budget; "
                                       "nothing ran"),
          ]),
]

NAMES = [name for g in TABLE for name, _, _ in g.rows]
VALUES = {name: value for g in TABLE for name, value, _ in g.rows}

globals().update(VALUES)

# the modes' short names, as QEMU's -d cpu prints them
MODE_NAMES = {VALUES["MODE_" + name.upper()]: name
              for name in ("usr", "fiq", "irq", "svc", "mon", "abt", "hyp", "und", "sys")}


def _check():
    if len(set(NAMES)) != len(NAMES):
        raise ValueError("runtime.abi: a name is defined twice")
    if VALUES["V_TEMP0"] != VALUES["NUM_GLOBALS"]:
        raise ValueError("runtime.abi: V_TEMP0 must be NUM_GLOBALS")


_check()


# ---- generated copies ----------------------------------------------------------------

def _c_value(value, ctype):
    if ctype == "unsigned":
        return "0x%xu" % value
    return str(value) if value < 16 else "0x%x" % value


def c_header():
    """runtime/include/abi.h."""
    out = ["/* Generated from runtime/abi.py by setup.py: do not edit. */",
           "#ifndef ARMTCG_ABI_H", "#define ARMTCG_ABI_H", ""]
    for g in TABLE:
        out.append("/* %s */" % g.title)
        if g.ctype == "enum":
            out.append("enum {")
            for name, value, doc in g.rows:
                out.append("    %s = %s,%s" % (name, _c_value(value, "enum"),
                                               "  /* %s */" % doc if doc else ""))
            out.append("};")
        else:
            for name, value, doc in g.rows:
                out.append("#define %-16s %s%s" % (name, _c_value(value, "unsigned"),
                                                   "  /* %s */" % doc if doc else ""))
        out.append("")
    out.append("#endif")
    return "\n".join(out) + "\n"


def cython_decls():
    """runtime/abi.pxi: the names, declared for Cython (included by core.pxd)."""
    out = ["# Generated from runtime/abi.py by setup.py: do not edit.",
           'cdef extern from "abi.h" nogil:', "    enum:"]
    out += ["        %s" % name for name in NAMES]
    return "\n".join(out) + "\n"
