"""Random, valid A32 test cases for the differential test against unicorn.

A case is a short instruction sequence (assembly text, one instruction per
line, labels allowed), the initial registers r0-r14, the initial NZCVQ/GE
flags (and for the system classes the whole CPSR), the banked registers of
every mode and a seed for the data window contents.  Every instruction is
generated so that it is not UNPREDICTABLE, and only the last instruction of
an `exception` case raises an exception (an SVC, UDF, BKPT, an access to
unmapped memory or an unaligned one); in the other classes:

- registers: r0-r14 are general-purpose in A32; PC appears only as a source
  where the ARM ARM defines it (data-processing operands, literal loads)
  and never as a destination (branches have their own class);
- memory: base registers point into the data window (or PC for literal
  loads), every access is naturally aligned (with the MMU off, data memory
  is Strongly-ordered and unaligned accesses would fault architecturally),
  offsets and index registers are chosen so that the address, and each
  written-back base, stays inside the window; loads never overwrite a base
  or index register;
- control flow is acyclic, so at most len(sequence) instructions execute
  before the sequence's end marker `b .`.

A case is reproducible from (seed, class name, index).
"""

import random
from dataclasses import dataclass, field

M32 = 0xFFFFFFFF

CODE_BASE = 0x00010000      # cases start here, after a 4 KiB pad (literal loads)
SLOT = 128                  # bytes per case: at most 31 instructions + `b .`
CODE_PAD = 0x1000
DATA_BASE = 0x40000000
DATA_SIZE = 0x4000
CPSR_MODE_BITS = 0x1D3      # SVC mode, A/I/F masked: as both emulators reset

CONDS = ["eq", "ne", "cs", "cc", "mi", "pl", "vs", "vc",
         "hi", "ls", "ge", "lt", "gt", "le"]
GPR = list(range(15))       # r0-r14
SPECIAL = [0, 1, 2, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFFFE, 0x8000,
           0x7FFF, 0xFFFF8000, 0xFFFF, 0x10000, 0xFF, 0x80, 0x7F, 0x7F7F7F7F,
           0x80808080, 0xFF00FF00, 0x00FF00FF, 0x80007FFF, 0x7FFF8000]


def rname(r):
    return "r%d" % r


@dataclass
class Case:
    cls: str
    index: int
    lines: list                     # assembly lines (instructions and labels)
    regs: list                      # r0..r14 initial values
    flags: int                      # CPSR bits 31-27 and 19-16
    data_seed: int
    prologue: list = field(default_factory=list)   # instructions run first
    cpsr: int = None                # initial CPSR (None: flags in SVC mode, A/I/F set)
    banked: dict = field(default_factory=dict)     # (mode, reg name) -> initial value
    exc: str = None                 # the last instruction raises this exception (EXC_ENTRY)
    thumb: bool = False             # Thumb state (CPSR.T set, assembled as T32)

    @property
    def insns(self):
        """Instruction lines (the sequence proper, without labels)."""
        return [l for l in self.prologue + self.lines if not l.endswith(":")]

    @property
    def ninsns(self):
        return len(self.insns)

    def data(self):
        return random.Random(self.data_seed).randbytes(DATA_SIZE)

    def text(self):
        return "\n".join(self.prologue + self.lines)

    def initial_cpsr(self):
        cpsr = self.flags | CPSR_MODE_BITS if self.cpsr is None else self.cpsr
        return cpsr | (CPSR_T if self.thumb else 0)


# Processor modes of ARMv7-A without the Security and Virtualization
# Extensions (ARM ARM B1.3.1, Table B1-1) and their banked registers
# (B1.3.2, Figure B1-2): r8-r12 are banked only for FIQ; SPSR exists in the
# exception modes only.
MODES = {"usr": 0x10, "fiq": 0x11, "irq": 0x12, "svc": 0x13, "abt": 0x17, "und": 0x1B,
         "sys": 0x1F}
BANKED = {"usr": ["r8", "r9", "r10", "r11", "r12", "r13", "r14"],
          "fiq": ["r8", "r9", "r10", "r11", "r12", "r13", "r14", "spsr"],
          "irq": ["r13", "r14", "spsr"], "svc": ["r13", "r14", "spsr"],
          "abt": ["r13", "r14", "spsr"], "und": ["r13", "r14", "spsr"]}
CPSR_E, CPSR_A, CPSR_I, CPSR_F, CPSR_T = 1 << 9, 1 << 8, 1 << 7, 1 << 6, 1 << 5


def cond_passed(cond, flags):
    n, z, c, v = (flags >> 31) & 1, (flags >> 30) & 1, (flags >> 29) & 1, (flags >> 28) & 1
    return {"": True, "eq": z, "ne": not z, "cs": c, "cc": not c, "mi": n,
            "pl": not n, "vs": v, "vc": not v, "hi": c and not z,
            "ls": not c or z, "ge": n == v, "lt": n != v,
            "gt": not z and n == v, "le": z or n != v}[cond]


class Gen:
    """Per-case generator state: the random source and register roles."""

    def __init__(self, rng):
        self.rng = rng
        self.regs = [self.value() for _ in range(15)]
        self.flags = (rng.getrandbits(5) << 27) | (rng.getrandbits(4) << 16)
        self.lines = []
        self.prologue = []

    # -- random pieces
    def value(self):
        rng = self.rng
        k = rng.random()
        if k < 0.4:
            return rng.getrandbits(32)
        if k < 0.6:
            return rng.choice(SPECIAL)
        if k < 0.75:
            return rng.randint(-64, 64) & M32
        if k < 0.9:   # per-byte / per-halfword edge values (parallel ops)
            return int.from_bytes(bytes(rng.choice([0, 1, 0x7F, 0x80, 0xFF, 0xFE, rng.getrandbits(8)])
                                        for _ in range(4)), "little")
        return rng.getrandbits(rng.randint(1, 31))

    def cond(self, p=0.35):
        return self.rng.choice(CONDS) if self.rng.random() < p else ""

    pool = GPR      # registers instructions may use (the branch class keeps SP)

    def reg(self, pool=None, avoid=()):
        pool = self.pool if pool is None else pool
        return self.rng.choice([r for r in pool if r not in avoid])

    def insns_emitted(self):
        """The instructions generated so far (in Thumb, IT lines aside)."""
        return self.lines

    def regs_n(self, n, pool=None):
        return [rname(self.reg(pool)) for _ in range(n)]

    def emit(self, line):
        self.lines.append(line)


# ---------------------------------------------------------------- ALU classes
# Each returns one instruction line; registers r0-r14 (PC only where defined).

DP3 = ["and", "eor", "sub", "rsb", "add", "adc", "sbc", "rsc", "orr", "bic"]
DP2 = ["mov", "mvn"]
DPT = ["tst", "teq", "cmp", "cmn"]
SHIFTS = ["lsl", "lsr", "asr", "ror"]


def _dp(g, op2, pc_ok):
    """A data-processing instruction with the given operand-2 text."""
    rng = g.rng
    s = "s" if rng.random() < 0.5 else ""
    kind = rng.random()
    src = GPR + [15] if pc_ok and rng.random() < 0.05 else GPR
    if kind < 0.6:
        return "%s%s%s %s, %s, %s" % (rng.choice(DP3), s, g.cond(), rname(g.reg()),
                                      rname(g.reg(src)), op2)
    if kind < 0.8:
        return "%s%s%s %s, %s" % (rng.choice(DP2), s, g.cond(), rname(g.reg()), op2)
    return "%s%s %s, %s" % (rng.choice(DPT), g.cond(), rname(g.reg(src)), op2)


def g_dp_imm(g):
    rng = g.rng
    imm8 = rng.choice([rng.getrandbits(8), 0, 0xFF, 0x80, 1])
    return _dp(g, "#%d, %d" % (imm8, 2 * rng.randint(0, 15)), True)


def shift_imm_text(g):
    rng = g.rng
    k = rng.randint(0, 5)
    if k == 0:
        return ""
    if k == 5:
        return ", rrx"
    sh = SHIFTS[k - 1]
    n = {"lsl": rng.randint(1, 31), "lsr": rng.randint(1, 32),
         "asr": rng.randint(1, 32), "ror": rng.randint(1, 31)}[sh]
    return ", %s #%d" % (sh, n)


def g_dp_reg(g):
    src = GPR + [15] if g.rng.random() < 0.05 else GPR
    return _dp(g, rname(g.reg(src)) + shift_imm_text(g), True)


def g_dp_rsr(g):
    # shift amounts come from Rs's low byte: make it interesting
    rs = g.reg()
    g.regs[rs] = (g.regs[rs] & ~0xFF & M32) | g.rng.choice(
        [0, 1, 31, 32, 33, 255, g.rng.randint(0, 40), g.rng.getrandbits(8)])
    return _dp(g, "%s, %s %s" % (rname(g.reg()), g.rng.choice(SHIFTS), rname(rs)), False)


def g_mul(g):
    rng = g.rng
    s = "s" if rng.random() < 0.4 else ""
    c = g.cond()
    d, n, m, a = g.regs_n(4)
    op = rng.choice(["mul", "mla", "mls"])
    if op == "mul":
        return "mul%s%s %s, %s, %s" % (s, c, d, n, m)
    if op == "mla":
        return "mla%s%s %s, %s, %s, %s" % (s, c, d, n, m, a)
    return "mls%s %s, %s, %s, %s" % (c, d, n, m, a)


def g_mul_long(g):
    rng = g.rng
    op = rng.choice(["umull", "umlal", "smull", "smlal", "umaal"])
    s = "s" if op != "umaal" and rng.random() < 0.4 else ""
    lo, hi = rng.sample(g.pool, 2)     # RdLo == RdHi is UNPREDICTABLE
    n, m = g.regs_n(2)
    return "%s%s%s %s, %s, %s, %s" % (op, s, g.cond(), rname(lo), rname(hi), n, m)


def g_dsp_mul(g):
    rng = g.rng
    c = g.cond()
    xy = rng.choice("bt") + rng.choice("bt")
    x = rng.choice(["", "x"])
    d, n, m, a = g.regs_n(4)
    lo, hi = map(rname, rng.sample(g.pool, 2))
    for r in (n, m):    # both halves -32768: the products' overflow edge
        if rng.random() < 0.15:
            g.regs[int(r[1:])] = 0x80008000
    return rng.choice([
        "smul%s%s %s, %s, %s" % (xy, c, d, n, m),
        "smla%s%s %s, %s, %s, %s" % (xy, c, d, n, m, a),
        "smulw%s%s %s, %s, %s" % (xy[1], c, d, n, m),
        "smlaw%s%s %s, %s, %s, %s" % (xy[1], c, d, n, m, a),
        "smlal%s%s %s, %s, %s, %s" % (xy, c, lo, hi, n, m),
        "smuad%s%s %s, %s, %s" % (x, c, d, n, m),
        "smusd%s%s %s, %s, %s" % (x, c, d, n, m),
        "smlad%s%s %s, %s, %s, %s" % (x, c, d, n, m, a),
        "smlsd%s%s %s, %s, %s, %s" % (x, c, d, n, m, a),
        "smlald%s%s %s, %s, %s, %s" % (x, c, lo, hi, n, m),
        "smlsld%s%s %s, %s, %s, %s" % (x, c, lo, hi, n, m),
        "smmul%s%s %s, %s, %s" % (rng.choice(["", "r"]), c, d, n, m),
        "smmla%s%s %s, %s, %s, %s" % (rng.choice(["", "r"]), c, d, n, m, a),
        "smmls%s%s %s, %s, %s, %s" % (rng.choice(["", "r"]), c, d, n, m, a),
    ])


def g_div(g):
    rng = g.rng
    d, n = g.regs_n(2)
    m = g.reg()
    k = rng.random()    # divisors: 0, +-1, small, random
    if k < 0.15:
        g.regs[m] = 0
    elif k < 0.3:
        g.regs[m] = rng.choice([1, M32])
    elif k < 0.5:
        g.regs[m] = rng.randint(-20, 20) & M32
    return "%s%s %s, %s, %s" % (rng.choice(["sdiv", "udiv"]), g.cond(), d, n, rname(m))


def g_misc(g):
    d, m = g.regs_n(2)
    return "%s%s %s, %s" % (g.rng.choice(["clz", "rev", "rev16", "revsh", "rbit"]),
                            g.cond(), d, m)


def g_extend(g):
    rng = g.rng
    rot = rng.choice(["", ", ror #8", ", ror #16", ", ror #24"])
    d, n, m = g.regs_n(3)
    base = rng.choice(["sxtb", "sxth", "uxtb", "uxth", "sxtb16", "uxtb16"])
    if rng.random() < 0.5:
        return "%s%s %s, %s%s" % (base, g.cond(), d, m, rot)
    return "%sa%s%s %s, %s, %s%s" % (base[:3], base[3:], g.cond(), d, n, m, rot)


def g_bitfield(g):
    rng = g.rng
    d, n = g.regs_n(2)
    lsb = rng.randint(0, 31)
    width = rng.randint(1, 32 - lsb)
    op = rng.choice(["bfi", "bfc", "ubfx", "sbfx"])
    if op == "bfc":
        return "bfc%s %s, #%d, #%d" % (g.cond(), d, lsb, width)
    return "%s%s %s, %s, #%d, #%d" % (op, g.cond(), d, n, lsb, width)


def g_movw(g):
    return "%s%s %s, #%d" % (g.rng.choice(["movw", "movt"]), g.cond(), rname(g.reg()),
                             g.rng.choice([g.rng.getrandbits(16), 0, 0xFFFF, 0x8000]))


def g_sat(g, asr_max=32):
    """SSAT/USAT(16); asr_max: T32 encodes ASR #1..#31 only."""
    rng = g.rng
    d, n = g.regs_n(2)
    op = rng.choice(["ssat", "usat", "ssat16", "usat16"])
    sh = rng.choice(["", ", lsl #%d" % rng.randint(1, 31), ", asr #%d" % rng.randint(1, asr_max)])
    if op == "ssat":
        return "ssat%s %s, #%d, %s%s" % (g.cond(), d, rng.randint(1, 32), n, sh)
    if op == "usat":
        return "usat%s %s, #%d, %s%s" % (g.cond(), d, rng.randint(0, 31), n, sh)
    if op == "ssat16":
        return "ssat16%s %s, #%d, %s" % (g.cond(), d, rng.randint(1, 16), n)
    return "usat16%s %s, #%d, %s" % (g.cond(), d, rng.randint(0, 15), n)


def g_qarith(g):
    d, m, n = g.regs_n(3)
    return "%s%s %s, %s, %s" % (g.rng.choice(["qadd", "qsub", "qdadd", "qdsub"]),
                                g.cond(), d, m, n)


PAR_PREFIX = ["s", "q", "sh", "u", "uq", "uh"]
PAR_OP = ["add16", "asx", "sax", "sub16", "add8", "sub8"]


def g_parallel(g):
    rng = g.rng
    d, n, m = g.regs_n(3)
    if rng.random() < 0.15:
        return "sel%s %s, %s, %s" % (g.cond(), d, n, m)
    return "%s%s%s %s, %s, %s" % (rng.choice(PAR_PREFIX), rng.choice(PAR_OP), g.cond(), d, n, m)


def g_pack(g):
    rng = g.rng
    d, n, m, a = g.regs_n(4)
    return rng.choice([
        "sel%s %s, %s, %s" % (g.cond(), d, n, m),
        "usad8%s %s, %s, %s" % (g.cond(), d, n, m),
        "usada8%s %s, %s, %s, %s" % (g.cond(), d, n, m, a),
        "pkhbt%s %s, %s, %s%s" % (g.cond(), d, n, m,
                                  rng.choice(["", ", lsl #%d" % rng.randint(1, 31)])),
        "pkhtb%s %s, %s, %s, asr #%d" % (g.cond(), d, n, m, rng.randint(1, 32)),
    ])


def g_psr(g):
    rng = g.rng
    k = rng.random()
    if k < 0.3:
        return "mrs%s %s, apsr" % (g.cond(), rname(g.reg()))
    if k < 0.6:
        return "msr%s apsr_%s, %s" % (g.cond(), rng.choice(["nzcvq", "g", "nzcvqg"]),
                                      rname(g.reg()))
    if k < 0.75:
        rot = 2 * rng.randint(0, 15)     # a modified immediate: rotated imm8
        imm8 = rng.getrandbits(8)
        val = ((imm8 >> rot) | (imm8 << (32 - rot))) & M32 if rot else imm8
        return "msr%s apsr_%s, #%d" % (g.cond(), rng.choice(["nzcvq", "g", "nzcvqg"]), val)
    # something that sets NZCV, Q or GE for the next MRS to see
    return rng.choice([g_dp_reg, g_qarith, g_parallel, g_sat])(g)


ALU_CLASSES = {
    "dp_imm": g_dp_imm, "dp_reg": g_dp_reg, "dp_rsr": g_dp_rsr,
    "mul": g_mul, "mul_long": g_mul_long, "dsp_mul": g_dsp_mul, "div": g_div,
    "misc": g_misc, "extend": g_extend, "bitfield": g_bitfield, "movw": g_movw,
    "sat": g_sat, "qarith": g_qarith, "parallel": g_parallel, "pack_sel": g_pack,
    "psr": g_psr,
}


def g_cond_mix(g):
    """Flag setters followed by conditional instructions of every ALU class."""
    if g.rng.random() < 0.3:
        return "%s%s %s, %s" % (g.rng.choice(DPT), g.cond(0.2), rname(g.reg()),
                                rname(g.reg()) + shift_imm_text(g))
    line = g.rng.choice(list(ALU_CLASSES.values()))(g)
    return line


ALU_CLASSES["cond_mix"] = g_cond_mix


def gen_alu(g, insn_fn):
    for _ in range(g.rng.randint(1, 8)):
        g.emit(insn_fn(g))


# ---------------------------------------------------------------- memory
class MemRoles:
    """Register roles for a memory sequence, and the exact values of base
    and index registers (flags never change in memory sequences, so the
    generator knows which conditional instructions execute)."""

    def __init__(self, g, nbases, base_align=4, pool=GPR):
        rng = g.rng
        self.g = g
        self.pool = pool
        self.bases = rng.sample(pool, nbases)
        for b in self.bases:
            g.regs[b] = DATA_BASE + DATA_SIZE // 2 + base_align * rng.randint(
                -256 // base_align, 256 // base_align)
        self.cur = {b: g.regs[b] for b in self.bases}   # base values as the sequence runs
        self.index = set()
        self.written = set()

    def fixed(self):
        return set(self.bases) | self.index

    def data_reg(self, avoid=()):
        """A register a load may write."""
        return self.g.reg(avoid=self.fixed() | set(avoid))

    def new_index(self, value, avoid=()):
        free = [r for r in self.pool if r not in self.fixed() and r not in self.written
                and r not in avoid]
        if not free:
            return None
        r = self.g.rng.choice(free)
        self.index.add(r)
        self.g.regs[r] = value & M32
        return r

    def store_written(self, regs):
        self.written.update(regs)


def in_window(addr, size):
    return DATA_BASE <= addr and addr + size <= DATA_BASE + DATA_SIZE


def pick_offset(g, base, size, limit, align):
    """A signed offset |off| <= limit with base+off aligned and in the window,
    biased towards small values; None if impossible."""
    rng = g.rng
    lo = max(-limit, DATA_BASE - base)
    hi = min(limit, DATA_BASE + DATA_SIZE - size - base)
    for _ in range(8):
        if rng.random() < 0.6:
            off = rng.randint(max(lo, -64), min(hi, 64)) if max(lo, -64) <= min(hi, 64) else lo
        else:
            off = rng.randint(lo, hi) if lo <= hi else lo
        off -= (base + off) % align
        if lo <= off <= hi:
            return off
    return None


def index_for(g, s, c_flag):
    """(index register value, shift text) with Shift(value, C) == s, for an
    offset magnitude s >= 0 (the U bit supplies the sign)."""
    rng = g.rng
    k = rng.randint(0, 5)
    if k == 1 and s:                     # LSL: bits shifted out are free
        n = rng.randint(1, 31)
        if s % (1 << n) == 0:
            return ((s >> n) | (rng.getrandbits(n) << (32 - n))) & M32, ", lsl #%d" % n
    if k == 2:                            # LSR: low bits shifted out are free
        n = rng.randint(1, 32)
        if n == 32 and s == 0:
            return rng.getrandbits(32), ", lsr #32"
        if n < 32 and (s << n) <= M32:
            return (s << n) | rng.getrandbits(n), ", lsr #%d" % n
    if k == 3:                            # ASR
        n = rng.randint(1, 31)
        if (s << n) < 0x80000000:
            return (s << n) | rng.getrandbits(n), ", asr #%d" % n
    if k == 4:                            # ROR
        n = rng.randint(1, 31)
        return ((s << n) | (s >> (32 - n))) & M32, ", ror #%d" % n
    if k == 5 and not c_flag:             # RRX with C clear
        return ((s << 1) | rng.getrandbits(1)) & M32, ", rrx"
    return s, ""


def addr_mode(g, roles, size, imm_limit, reg_ok, shift_ok, t_form=False, align=None,
              avoid_wb=(), avoid_index=()):
    """An addressing-mode operand text and its effect.
    Returns (text, base, writeback_value or None) or None."""
    rng = g.rng
    align = align or size
    base = rng.choice(roles.bases)
    bval = roles.cur[base]
    mode = "post" if t_form else rng.choice(["offset", "pre", "post"])
    if mode != "offset" and base in avoid_wb:
        mode = "offset"
        if t_form:
            return None
    use_reg = reg_ok and rng.random() < 0.4
    # post-indexed accesses use the base itself; the offset only moves it
    if mode == "post":
        if bval % align or not in_window(bval, size):
            return None
        off = pick_offset(g, bval, 1, imm_limit if not use_reg else 4096, 1)
        if off is None:
            return None
    else:
        off = pick_offset(g, bval, size, imm_limit if not use_reg else 4096, align)
        if off is None:
            return None
    sign = "-" if off < 0 else ""
    if use_reg:
        val, sh = index_for(g, abs(off), (g.flags >> 29) & 1) if shift_ok else (abs(off), "")
        r = roles.new_index(val, avoid_index)
        if r is None:
            return None
        op = "%s%s%s" % (sign, rname(r), sh)
    else:
        op = "#%s%d" % (sign, abs(off))
    b = rname(base)
    text = {"offset": "[%s, %s]" % (b, op), "pre": "[%s, %s]!" % (b, op),
            "post": "[%s], %s" % (b, op)}[mode]
    wb = (bval + off) & M32 if mode != "offset" else None
    return text, base, wb


def literal_mode(g, limit, align):
    """PC-relative: the code area has CODE_PAD bytes of slack on both sides,
    and the instruction and Align(PC, 4) + 8 are word aligned."""
    off = g.rng.randint(-limit, limit)
    return "[pc, #%d]" % (off - off % align)


def g_ldst_word(g, roles):
    rng = g.rng
    c = g.cond(0.25)
    op = rng.choice(["ldr", "str", "ldrb", "strb", "ldrt", "strt", "ldrbt", "strbt"])
    size = 1 if "b" in op else 4
    load = op.startswith("ldr")
    t = roles.data_reg() if load else g.reg()
    if load and rng.random() < 0.05 and not op.endswith("t"):
        return "%s%s %s, %s" % (op, c, rname(t), literal_mode(g, 4095 - 4 * size, size)), (c, None, None, [t])
    am = addr_mode(g, roles, size, 4095, True, True, t_form=op.endswith("t"),
                   avoid_wb=(t,))
    if am is None:
        return None
    text, base, wb = am
    return "%s%s %s, %s" % (op, c, rname(t), text), (c, base, wb, [t] if load else [])


def g_ldst_misc(g, roles):
    rng = g.rng
    c = g.cond(0.25)
    op = rng.choice(["ldrh", "strh", "ldrsb", "ldrsh", "ldrd", "strd",
                     "ldrht", "strht", "ldrsbt", "ldrsht"])
    size = {"h": 2, "b": 1, "d": 8}[op.rstrip("t")[-1]]
    load = op.startswith("ldr")
    if op in ("ldrd", "strd"):
        if load:
            cands = [r for r in range(0, 14, 2) if r not in roles.fixed() and r + 1 not in roles.fixed()]
        else:
            cands = list(range(0, 14, 2))
        if not cands:
            return None
        t = rng.choice(cands)
        dest = [t, t + 1]
        regs = "%s, %s" % (rname(t), rname(t + 1))
    else:
        t = roles.data_reg() if load else g.reg()
        dest = [t]
        regs = rname(t)
    if load and rng.random() < 0.05 and not op.endswith("t"):
        return "%s%s %s, %s" % (op, c, regs, literal_mode(g, 255 - 8, min(size, 4))), (c, None, None, dest)
    # LDRD (register): Rm == Rt or Rt2 is UNPREDICTABLE
    am = addr_mode(g, roles, size, 255, True, False, t_form=op.endswith("t"),
                   align=4 if size == 8 else size, avoid_wb=dest,
                   avoid_index=dest if op == "ldrd" else ())
    if am is None:
        return None
    text, base, wb = am
    return "%s%s %s, %s" % (op, c, regs, text), (c, base, wb, dest if load else [])


def g_ldm_stm(g, roles):
    rng = g.rng
    c = g.cond(0.25)
    load = rng.random() < 0.5
    mode = rng.choice(["ia", "ib", "da", "db"])
    base = rng.choice(roles.bases)
    bval = roles.cur[base]
    wback = rng.random() < 0.6
    if load:
        pool = [r for r in GPR if r not in roles.fixed()]
    else:
        pool = [r for r in GPR if not (wback and r == base)]
    if not pool or bval % 4:
        return None
    regs = sorted(rng.sample(pool, rng.randint(1, min(len(pool), rng.choice([3, 6, 14])))))
    n = 4 * len(regs)
    start = {"ia": bval, "ib": bval + 4, "da": bval - n + 4, "db": bval - n}[mode]
    if not in_window(start, n):
        return None
    wb = (bval + n if mode in ("ia", "ib") else bval - n) if wback else None
    if base == 13 and wback and rng.random() < 0.5 and (load and mode == "ia" or not load and mode == "db"):
        text = "%s%s {%s}" % ("pop" if load else "push", c, ", ".join(map(rname, regs)))
    else:
        text = "%s%s%s %s%s, {%s}" % ("ldm" if load else "stm", mode, c, rname(base),
                                      "!" if wback else "", ", ".join(map(rname, regs)))
    return text, (c, base, wb, regs if load else [])


def gen_mem(g, insn_fn, nbases):
    roles = MemRoles(g, nbases, pool=g.pool)
    tries = 0
    n = g.rng.randint(1, 8)
    while len(g.insns_emitted()) < n and tries < 40:
        tries += 1
        out = insn_fn(g, roles)
        if out is None:
            continue
        line, eff = out
        cond, base, wb, written = eff
        if wb is not None and cond_passed(cond, g.flags):
            roles.cur[base] = wb
        roles.store_written(written)
        g.emit(line)


MEM_CLASSES = {"ldst_word": g_ldst_word, "ldst_misc": g_ldst_misc, "ldm_stm": g_ldm_stm}


# ---------------------------------------------------------------- exclusives
def gen_excl(g):
    """LDREX/STREX pairs on one size and address each.  Every LDREX is
    unconditional, so a STREX always follows a LDREX of its own address and
    size (or a CLREX, or the harness's CLREX for a leading lone STREX):
    the monitor outcome is architecturally defined (ARM ARM A3.4)."""
    rng = g.rng
    base = rng.choice(GPR)
    g.regs[base] = DATA_BASE + 8 * rng.randint(0, DATA_SIZE // 8 - 1)
    g.prologue.append("clrex")
    npairs = rng.randint(1, 3)
    if rng.random() < 0.2:
        npairs -= 1
        g.emit(_strex(g, base, rng.choice(["", "b", "h", "d"])))
    for _ in range(npairs):
        sz = rng.choice(["", "b", "h", "d"])
        if sz == "d":
            t = rng.choice([r for r in range(0, 14, 2) if r != base and r + 1 != base])
            g.emit("ldrexd %s, %s, [%s]" % (rname(t), rname(t + 1), rname(base)))
        else:
            g.emit("ldrex%s %s, [%s]" % (sz, rname(g.reg(avoid=(base,))), rname(base)))
        for _ in range(rng.randint(0, 2)):
            if rng.random() < 0.3:
                g.emit("clrex")
            else:
                g.emit(g_dp_reg_avoiding(g, base))
        g.emit(_strex(g, base, sz))


def g_dp_reg_avoiding(g, base):
    d = g.reg(avoid=(base,))
    return "%s%s%s %s, %s, %s" % (g.rng.choice(DP3), g.rng.choice(["", "s"]), g.cond(),
                                  rname(d), rname(g.reg()), rname(g.reg()))


def _strex(g, base, sz):
    rng = g.rng
    c = g.cond(0.3)
    if sz == "d":
        t = rng.choice(range(0, 14, 2))
        d = g.reg(avoid=(base, t, t + 1))
        return "strexd%s %s, %s, %s, [%s]" % (c, rname(d), rname(t), rname(t + 1), rname(base))
    t = g.reg()
    d = g.reg(avoid=(base, t))
    return "strex%s%s %s, %s, [%s]" % (sz, c, rname(d), rname(t), rname(base))


# ---------------------------------------------------------------- branches
def gen_branch(g):
    """Blocks laid out in random order, linked as a DAG: each block ends
    with a branch to a block later in the DAG order; a conditional branch
    falls through, so it is only used when the physically next block is
    also later in the DAG.  Kinds: B, BL, and via an ADR-made target: BX, BLX
    (register), MOV PC (ALUWritePC), POP {pc}, LDR pc, LDM {.., pc}
    (LoadWritePC) from a PUSHed copy."""
    rng = g.rng
    g.pool = [r for r in GPR if r != 13]    # SP: a stack in the data window
    g.regs[13] = DATA_BASE + DATA_SIZE // 2
    nblocks = rng.randint(1, 4)
    layout = list(range(nblocks))
    rng.shuffle(layout)                 # layout[i] = DAG index of the i-th block
    label = lambda k: ".L%d_%d" % (g.uid, k) if k < nblocks else ".L%d_end" % g.uid
    for pos, k in enumerate(layout):
        nxt = layout[pos + 1] if pos + 1 < nblocks else nblocks
        if pos:
            g.emit(label(k) + ":")
        for _ in range(rng.randint(0, 2)):
            g.emit(g_cond_mix(g) if rng.random() < 0.5 else "cmp %s, %s" % (
                rname(g.reg()), rname(g.reg())))
        target = rng.randint(k + 1, nblocks)
        c = g.cond(0.6) if nxt > k else ""
        kind = rng.choice(["b", "bl", "bx", "blx", "movpc", "pop", "ldrpc", "ldmpc"])
        if kind in ("b", "bl"):
            g.emit("%s%s %s" % (kind, c, label(target)))
            continue
        r = g.reg()
        g.emit("adr %s, %s" % (rname(r), label(target)))
        if kind in ("bx", "blx"):
            g.emit("%s%s %s" % (kind, c, rname(r)))
        elif kind == "movpc":       # ALUWritePC
            g.emit("mov%s pc, %s" % (c, rname(r)))
        else:                       # LoadWritePC from the stack
            g.emit("push {%s}" % rname(r))
            if kind == "ldmpc":     # the pushed word is the second one loaded
                g.emit("sub sp, sp, #4")
            g.emit({"pop": "pop%s {pc}" % c,
                    "ldrpc": "ldr%s pc, [sp], #4" % c,
                    "ldmpc": "ldmia%s sp!, {%s, pc}" % (c, rname(g.reg(avoid=(13,))))}[kind])
    if layout[0] != 0:      # enter at DAG block 0
        g.lines.insert(0, "b " + label(0))
        # the first laid-out block needs its label too
        idx = 1
        g.lines.insert(idx, label(layout[0]) + ":")
    g.emit(label(nblocks) + ":")


# ---------------------------------------------------------------- system
# Mode changes (CPS, MSR CPSR), SPSR access, SETEND with big-endian data
# accesses, exception returns, ALU writes to PC, and exception-generating or
# faulting instructions.  The generator tracks the mode (every instruction
# that changes it is unconditional) so that nothing UNPREDICTABLE is
# emitted: SPSR only in modes that have one (B1.3.3), exception returns only
# from those modes, mode fields only with a valid mode (B1.3.1), T, J and IT
# written as 0 (ARM state; Thumb comes later), ALU writes to PC of
# word-aligned ARM addresses (ALUWritePC, A2.3.1).
SYS_DATA_BASE = 3           # r3: a word-aligned address in the data window
SYS_PSR = 4                 # r4: the PSR value an MSR writes (movw/movt just before)
SYS_TARGET = 5              # r5: a branch target (adr just before)
SYS_FAULT_BASE = 6          # r6: an unmapped address (data aborts)
SYS_POOL = [0, 1, 2, 7, 8, 9, 10, 11, 12]
UNMAPPED_BASE = 0x30000000  # nothing is mapped here in either emulator
HAS_SPSR = ("fiq", "irq", "svc", "abt", "und")


def random_psr(g, mode=None):
    """A PSR value that may be written and returned to: a valid mode, ARM
    state (J = T = IT = 0), reserved bits 0, random NZCVQ, GE, E, A, I, F."""
    rng = g.rng
    mode = mode or rng.choice(list(MODES))
    return ((rng.getrandbits(5) << 27) | (rng.getrandbits(4) << 16)
            | (rng.getrandbits(1) << 9) | (rng.getrandbits(3) << 6) | MODES[mode])


def _mode_of(psr):
    return {v: k for k, v in MODES.items()}[psr & 0x1F]


def _load_imm(reg, value):
    return ["movw %s, #%d" % (rname(reg), value & 0xFFFF),
            "movt %s, #%d" % (rname(reg), value >> 16)]


def _label(g):
    g.nlabel = getattr(g, "nlabel", 0) + 1
    return ".L%d_s%d" % (g.uid, g.nlabel)


def s_cps(g):
    rng = g.rng
    if rng.random() < 0.5 and g.mode != "usr":
        new = rng.choice(list(MODES))
        g.mode = new
        return ["cps #%d" % MODES[new]]
    # CPSIE/CPSID (a NOP in User mode, B9.3.2), optionally with a mode change
    aif = "".join(x for x in "aif" if rng.random() < 0.5) or "i"
    line = "cps%s %s" % (rng.choice(["ie", "id"]), aif)
    if rng.random() < 0.3 and g.mode != "usr":
        g.mode = rng.choice(list(MODES))
        line += ", #%d" % MODES[g.mode]
    return [line]


def s_msr_cpsr(g):
    rng = g.rng
    value = random_psr(g)
    fields = rng.choice(["c", "x", "s", "f", "fc", "cx", "fsxc"])
    if "c" in fields and g.mode != "usr":      # User mode cannot change the mode
        g.mode = _mode_of(value)
    return _load_imm(SYS_PSR, value) + ["msr cpsr_%s, %s" % (fields, rname(SYS_PSR))]


def s_mrs(g):
    rng = g.rng
    if g.mode in HAS_SPSR and rng.random() < 0.5:
        return ["mrs %s, spsr" % rname(g.reg())]
    return ["mrs %s, %s" % (rname(g.reg()), rng.choice(["cpsr", "apsr"]))]


def s_msr_spsr(g):
    if g.mode not in HAS_SPSR:
        return s_mrs(g)
    fields = g.rng.choice(["c", "x", "s", "f", "fsxc"])
    return _load_imm(SYS_PSR, random_psr(g)) + ["msr spsr_%s, %s" % (fields, rname(SYS_PSR))]


def s_setend_access(g):
    """SETEND, then a data access through r3: its byte order follows CPSR.E."""
    rng = g.rng
    out = ["setend %s" % rng.choice(["be", "le"])]
    for _ in range(rng.randint(1, 3)):
        op, size = rng.choice([("ldr", 4), ("str", 4), ("ldrh", 2), ("strh", 2),
                               ("ldrsh", 2), ("ldrb", 1), ("strb", 1)])
        off = size * rng.randint(-16, 16)
        out.append("%s %s, [%s, #%d]" % (op, rname(g.reg()), rname(SYS_DATA_BASE), off))
    return out


def s_alu_pc(g):
    """An ALU write to PC (not MOV, which the branch class has): ARMv7's
    ALUWritePC is BXWritePC in ARM state (A2.3.1); the target is word
    aligned and ARM.  Unconditional ones jump over a UDF that a wrong
    target would execute; conditional ones fall through to the target."""
    rng = g.rng
    target = _label(g)
    r = rname(SYS_TARGET)
    out = ["adr %s, %s" % (r, target)]
    op = rng.choice(["add pc, %s, #0", "sub pc, %s, #0", "orr pc, %s, #0", "eor pc, %s, #0",
                     "bic pc, %s, #3", "and pc, %s, %s", "orr pc, %s, %s", "rsb pc, %s, %s, lsl #1",
                     "add pc, %s, %s, lsr #32", "mvn pc, %s"])
    if op == "rsb pc, %s, %s, lsl #1":       # 2*r5 - r5 = r5
        line = "rsb pc, %s, %s, lsl #1" % (r, r)
    elif op == "mvn pc, %s":                 # r4 = ~target
        out += ["mvn %s, %s" % (rname(SYS_PSR), r)]
        line = "mvn pc, %s" % rname(SYS_PSR)
    elif op.count("%s") == 2:
        line = op % (r, r)
    else:
        line = op % r
    if rng.random() < 0.5:
        out += [line, "udf #%d" % rng.getrandbits(16)]
    else:
        c = g.cond(1.0)
        mnem, _, rest = line.partition(" ")
        out.append("%s%s %s" % (mnem, c, rest))
    return out + [target + ":"]


def s_exception_return(g):
    """SUBS PC, LR / MOVS PC, LR / RFE to a target past a UDF, with an SPSR
    (or the two words RFE loads) written just before: CPSR comes from it
    (B9.1.2 exception return: CPSRWriteByInstr with is_excpt_return)."""
    if g.mode not in HAS_SPSR:
        return s_cps(g)
    rng = g.rng
    target = _label(g)
    psr = random_psr(g)
    out = _load_imm(SYS_PSR, psr)
    kind = rng.choice(["subs", "movs", "rfe"])
    if kind == "rfe":
        # RFE{IA,DB} r3: the return address and then the PSR
        out += ["adr %s, %s" % (rname(SYS_TARGET), target)]
        mode = rng.choice(["ia", "db"])
        first = 0 if mode == "ia" else -8
        out += ["str %s, [%s, #%d]" % (rname(SYS_TARGET), rname(SYS_DATA_BASE), first),
                "str %s, [%s, #%d]" % (rname(SYS_PSR), rname(SYS_DATA_BASE), first + 4),
                "rfe%s %s" % (mode, rname(SYS_DATA_BASE))]
    else:
        out += ["msr spsr_fsxc, %s" % rname(SYS_PSR)]
        k = 4 * rng.randint(0, 3)
        out += ["adr lr, %s + %d" % (target, k) if kind == "subs" else "adr lr, %s" % target]
        out += ["subs pc, lr, #%d" % k if kind == "subs" else "movs pc, lr"]
    g.mode = _mode_of(psr)
    return out + ["udf #%d" % rng.getrandbits(16), target + ":"]


def s_filler(g):
    return [g_cond_mix(g)]


SYS_PIECES = [s_cps, s_msr_cpsr, s_mrs, s_msr_spsr, s_setend_access, s_alu_pc,
              s_exception_return, s_filler]


def _sys_setup(g):
    rng = g.rng
    g.pool = SYS_POOL
    g.mode = rng.choice(["svc", "svc", "usr", "sys", "fiq", "irq", "abt", "und"])
    g.cpsr = (g.flags | (rng.getrandbits(1) << 9) | (rng.getrandbits(3) << 6)
              | MODES[g.mode])
    g.regs[SYS_DATA_BASE] = DATA_BASE + DATA_SIZE // 2 + 4 * rng.randint(-64, 64)
    g.regs[SYS_FAULT_BASE] = UNMAPPED_BASE + 4 * rng.randint(0, 1024)


def gen_system(g):
    _sys_setup(g)
    for _ in range(g.rng.randint(1, 5)):
        for line in g.rng.choice(SYS_PIECES)(g):
            g.emit(line)


# Exceptions the last instruction of an `exception` case raises; the
# harness takes them in unicorn per the ARM ARM (harness.EXC_ENTRY).
def x_svc(g):
    return "svc", "svc #%d" % g.rng.getrandbits(24)


def x_udf(g):
    return "und", "udf #%d" % g.rng.getrandbits(16)


def x_bkpt(g):
    return "bkpt", "bkpt #%d" % g.rng.getrandbits(16)


def x_unmapped(g):
    rng = g.rng
    op = rng.choice(["ldr %s, [%s, #%d]", "str %s, [%s, #%d]", "ldrh %s, [%s, #%d]",
                     "strb %s, [%s, #%d]", "ldm %s, {r0, r1}"])
    if op.startswith("ldm"):
        return "dabort", "ldm %s, {r0, r1}" % rname(SYS_FAULT_BASE)
    return "dabort", op % (rname(g.reg()), rname(SYS_FAULT_BASE), 4 * rng.randint(0, 16))


def x_unaligned(g):
    """An unaligned access to the data window: with the MMU off every data
    access is Strongly-ordered (B3.2.1), and an unaligned access to
    Strongly-ordered or Device memory is an Alignment fault whatever
    SCTLR.A says (A3.2.1; pseudocode TranslateAddressV/AlignmentFault)."""
    rng = g.rng
    op, size = rng.choice([("ldr", 4), ("str", 4), ("ldrh", 2), ("strh", 2), ("ldrsh", 2)])
    off = size * rng.randint(-8, 8) + rng.randint(1, size - 1)
    return "dabort", "%s %s, [%s, #%d]" % (op, rname(g.reg()), rname(SYS_DATA_BASE), off)


def gen_exception(g):
    _sys_setup(g)
    for _ in range(g.rng.randint(0, 3)):
        for line in g.rng.choice(SYS_PIECES)(g):
            g.emit(line)
    g.exc, line = g.rng.choice([x_svc, x_udf, x_bkpt, x_unmapped, x_unaligned])(g)
    g.emit(line)


SYSTEM_CLASSES = {"system": gen_system, "exception": gen_exception}


# ---------------------------------------------------------------- cases
CLASSES = list(ALU_CLASSES) + list(MEM_CLASSES) + ["excl", "branch"] + list(SYSTEM_CLASSES)


def make_case(seed, cls, index):
    from tests.diff import gen_t32
    rng = random.Random("%s:%s:%d" % (seed, cls, index))
    thumb = cls in gen_t32.CLASSES
    g = gen_t32.ThumbGen(rng) if thumb else Gen(rng)
    g.uid = index
    if thumb:
        gen_t32.generate(g, cls)
    elif cls in ALU_CLASSES:
        gen_alu(g, ALU_CLASSES[cls])
    elif cls in MEM_CLASSES:
        gen_mem(g, MEM_CLASSES[cls], rng.randint(1, 3))
    elif cls == "excl":
        gen_excl(g)
    elif cls == "branch":
        gen_branch(g)
    elif cls in SYSTEM_CLASSES:
        SYSTEM_CLASSES[cls](g)
    else:
        raise ValueError(cls)
    banked = random_banked(g)
    return Case(cls, index, g.lines, g.regs, g.flags, rng.getrandbits(32), g.prologue,
                getattr(g, "cpsr", None), banked, getattr(g, "exc", None), thumb)


def random_banked(g):
    """Initial values of every mode's banked registers (SPSRs valid PSRs)."""
    return {(m, r): g.value() if r != "spsr" else random_psr(g)
            for m, regs in BANKED.items() for r in regs}


def make_cases(seed, cls, ninsns, make_case=make_case):
    """Cases of one class until they hold at least ninsns instructions
    (make_case: the generator of one case, e.g. tests/diff/vfp.py's)."""
    out, total, i = [], 0, 0
    while total < ninsns:
        c = make_case(seed, cls, i)
        out.append(c)
        total += c.ninsns
        i += 1
    return out
