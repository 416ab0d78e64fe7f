"""VFP cases for the differential test against unicorn (QEMU's softfloat).

A case is as in tests/diff/gen.py plus the initial D0-D31 and FPSCR; the
runners enable VFP (CPACR cp10/cp11 full access, FPEXC.EN) on both sides
and the final D0-D31, FPSCR and FPEXC are compared with everything else.

Operands are drawn per register from the floating-point edge cases of the
format the register is used in (S registers are the halves of D
registers): +-0, subnormals (smallest, largest, random), the smallest and
largest normals, +-infinity, quiet and signalling NaNs with random
payloads, 1.0 and its neighbours, values exactly halfway between two
representable numbers of the narrower format (they round differently in
each mode), integers near the conversion limits and random encodings.
FPSCR: random rounding mode, FZ, DN, AHP, NZCV and cumulative flags;
LEN/STRIDE stay 0 (short vectors UNDEF here and in QEMU; tests/test_vfp.py).

Classes: vfp_arith (data processing, VMOV immediate/register), vfp_cmp
(VCMP/VCMPE, VMRS APSR_nzcv and a conditional instruction after it),
vfp_cvt (every VCVT form), vfp_move (core <-> VFP transfers, VMRS/VMSR),
vfp_mem (VLDR/VSTR incl. literal, VLDM/VSTM/VPUSH/VPOP, FLDMX/FSTMX,
big-endian data, an unaligned base ending the case in an Alignment fault),
vfp_lazy (FPEXC written by the case, then a VFP instruction: UNDEF when
off).  t32_vfp_*: each class again in Thumb state (THUMB_CLASSES), its
conditional instructions in IT blocks (gen_t32.ThumbGen).

Replay a case with  python -m tests.diff.vfp CLASS INDEX SEED
"""

import random
import re
import sys
from dataclasses import dataclass, field

from tests.diff import gen, gen_t32, harness
from tests.diff.gen import DATA_BASE, M32

CPACR_FULL = 0x00F00000            # cp10, cp11: full access
FPEXC_EN = 1 << 30
FPSCR_RANDOM = 0xF7C0009F          # NZCV QC AHP DN FZ RMode, cumulative flags


@dataclass
class VfpCase(gen.Case):
    dregs: list = field(default_factory=list)     # D0-D31 initial values
    fpscr: int = 0

    def initial_lines(self):
        out = ["  fpscr=%08x" % self.fpscr]
        for r in range(0, 32, 4):
            out.append("    " + " ".join("d%d=%016x" % (k, self.dregs[k]) for k in range(r, r + 4)))
        return out


class VfpState(harness.State):
    __slots__ = ("vfp",)               # (d0..d31, fpscr, fpexc)

    NAMES = ["d%d" % i for i in range(32)] + ["fpscr", "fpexc"]

    def diff(self, other):
        out = super().diff(other)
        return out + [n for n, a, b in zip(self.NAMES, self.vfp, other.vfp) if a != b]

    def field_line(self, f, other, ref_name, got_name):
        k = self.NAMES.index(f)
        width = 16 if f.startswith("d") else 8
        return "  %-5s %s=%0*x %s=%0*x" % (f, ref_name, width, self.vfp[k], got_name, width,
                                           other.vfp[k])


def _with_vfp(state, vfp):
    out = VfpState(state.regs, state.cpsr, state.data, state.error, state.banked)
    out.vfp = tuple(vfp)
    return out


# unicorn erratum: a VMRS of an ID register (FPSID, MVFR0, MVFR1) executed in
# an IT block leaves the ITSTATE of the VMRS in unicorn's CPSR after the
# block has ended (QEMU 5.0 stores condexec before its HCR trap-check helper
# and does not clear it when the TB ends outside the block).  By ITAdvance
# (ARM ARM A2.5.2) ITSTATE is 0 after the last instruction of an IT block,
# and a case's final `b .` is never in one (gen_t32.ThumbGen closes its
# blocks): where such a VMRS ran, the reference CPSR at the end has IT = 0.
harness.ERRATA_STATS["vmrs_id_in_it"] = [0, 0]
VMRS_ID_IN_IT = re.compile(r"vmrs(%s) r\d+, (fpsid|mvfr0|mvfr1)$" % "|".join(gen.CONDS))


def vmrs_id_in_it(case):
    """Whether the case has a VMRS of an ID register in an IT block (in
    Thumb state every conditional line is in one)."""
    return case.thumb and any(VMRS_ID_IN_IT.match(l) for l in case.insns)


class VfpUnicornRunner(harness.UnicornRunner):
    def __init__(self, blob, errata=True):
        super().__init__(blob, errata)
        A = self.A
        self.d_ids = [getattr(A, "UC_ARM_REG_D%d" % i) for i in range(32)]

    def fix_itstate_at_end(self, i, case):
        cpsr = self.read("cpsr")
        if case.exc or self.read("r15") != harness.case_end(i, case):
            return
        harness.ERRATA_STATS["vmrs_id_in_it"][0] += 1
        if cpsr & harness.CPSR_IT:
            harness.ERRATA_STATS["vmrs_id_in_it"][1] += 1
            self.write_cpsr(cpsr & ~harness.CPSR_IT)

    def run(self, i, case):
        A, uc = self.A, self.uc
        uc.reg_write(A.UC_ARM_REG_C1_C0_2, CPACR_FULL)
        uc.reg_write(A.UC_ARM_REG_FPEXC, FPEXC_EN)
        for r, v in zip(self.d_ids, case.dregs):
            uc.reg_write(r, v)
        uc.reg_write(A.UC_ARM_REG_FPSCR, case.fpscr)
        st = super().run(i, case)
        if self.errata and vmrs_id_in_it(case) and not st.error:
            self.fix_itstate_at_end(i, case)
            st.cpsr = self.read("cpsr") & harness.CPSR_COMPARED
        return _with_vfp(st, [uc.reg_read(r) for r in self.d_ids] +
                         [uc.reg_read(A.UC_ARM_REG_FPSCR), uc.reg_read(A.UC_ARM_REG_FPEXC)])


class VfpArmtcgRunner(harness.ArmtcgRunner):
    def run(self, i, case):
        emu = self.emu
        emu.reg_write("cpacr", CPACR_FULL)
        emu.reg_write("fpexc", FPEXC_EN)
        for k, v in enumerate(case.dregs):
            emu.reg_write("d%d" % k, v)
        emu.reg_write("fpscr", case.fpscr)
        st = super().run(i, case)
        return _with_vfp(st, [emu.reg_read("d%d" % k) for k in range(32)] +
                         [emu.reg_read("fpscr"), emu.reg_read("fpexc")])


RUNNERS = (VfpUnicornRunner, VfpArmtcgRunner)


# ---------------------------------------------------------------- operands
# (exponent bits, fraction bits) of single and double precision
FORMATS = {32: (8, 23), 64: (11, 52)}


def fp_edge(rng, n):
    """An n-bit encoding (n = 32, 64) from the edge cases above."""
    e, f = FORMATS[n]
    sign = rng.getrandbits(1) << (n - 1)
    emax = (1 << e) - 1
    k = rng.random()
    if k < 0.08:
        body = 0                                               # zero
    elif k < 0.18:
        body = rng.choice([1, (1 << f) - 1, rng.getrandbits(f) or 1,
                           rng.getrandbits(rng.randint(1, f)) or 1])   # subnormal
    elif k < 0.23:
        body = rng.choice([1 << f, (emax - 1) << f | ((1 << f) - 1)])   # min / max normal
    elif k < 0.30:
        body = emax << f                                       # infinity
    elif k < 0.37:
        body = emax << f | 1 << (f - 1) | rng.getrandbits(f - 1)       # quiet NaN
    elif k < 0.43:
        body = emax << f | (rng.getrandbits(f - 1) or 1)       # signalling NaN
    elif k < 0.55:
        bias = (1 << (e - 1)) - 1
        body = (bias + rng.randint(-2, 2)) << f | rng.choice([0, 1, (1 << f) - 1])
    elif k < 0.70:
        # a halfway case of a narrower mantissa: rounds differently per mode
        # (and, for doubles, on conversion to single precision)
        cut = rng.randint(1, f - 1) if n == 32 else rng.choice([29, 30, rng.randint(1, f - 1)])
        body = rng.randint(1, emax - 1) << f | (rng.getrandbits(f) >> cut << cut) | 1 << (cut - 1)
    elif k < 0.85:
        # exponents near overflow, underflow and the integer limits
        bias = (1 << (e - 1)) - 1
        ex = rng.choice([1, 2, emax - 2, emax - 1, bias + 15, bias + 16, bias + 30, bias + 31,
                         bias + 32, bias - 1, bias + rng.randint(-40, 40)])
        body = max(1, min(ex, emax - 1)) << f | rng.getrandbits(f)
    else:
        body = rng.getrandbits(n - 1)
    return sign | body


def int_edge(rng):
    return rng.choice([0, 1, M32, 0x7FFFFFFF, 0x80000000, 0x80000001, 0xFFFF, 0x8000, 0x7FFF,
                       0xFFFF8000, rng.getrandbits(32), rng.getrandbits(rng.randint(1, 31)),
                       rng.randint(-70000, 70000) & M32])


def f16_edge(rng):
    sign = rng.getrandbits(1) << 15
    return sign | rng.choice([0, 1, 0x3FF, 0x400, 0x7BFF, 0x7C00, 0x7E00 | rng.getrandbits(9),
                              0x7C00 | (rng.getrandbits(9) or 1), 0x3C00, rng.getrandbits(15)])


def random_dregs(rng):
    out = []
    for _ in range(32):
        k = rng.random()
        if k < 0.45:
            out.append(fp_edge(rng, 64))
        elif k < 0.85:
            out.append(fp_edge(rng, 32) | fp_edge(rng, 32) << 32)
        elif k < 0.93:
            out.append(int_edge(rng) | int_edge(rng) << 32)
        else:
            out.append(f16_edge(rng) | f16_edge(rng) << 16 | f16_edge(rng) << 32
                       | f16_edge(rng) << 48)
    return out


def random_fpscr(rng):
    v = rng.getrandbits(32) & FPSCR_RANDOM
    if rng.random() < 0.5:
        v &= ~0x9F                     # often no cumulative flags set yet
    return v


# ---------------------------------------------------------------- instructions
# Each generator emits its lines into g (gen.Gen in ARM state, gen_t32.ThumbGen
# in Thumb state).  A condition is chosen by g.cond() right before the line
# that carries it: in Thumb state that opens an IT block or joins the open
# one (tests/diff/gen_t32.py), so VFP instructions sit in IT blocks of 1-4
# with then/else conditions; an unconditional line closes the block.
def s(rng):
    return "s%d" % rng.randrange(32)


def d(rng):
    return "d%d" % rng.randrange(32)


def reg_of(rng, sz):
    return d(rng) if sz else s(rng)


ARITH3 = ["vadd", "vsub", "vmul", "vnmul", "vdiv", "vmla", "vmls", "vnmla", "vnmls",
          "vfma", "vfms", "vfnma", "vfnms"]
ARITH2 = ["vsqrt", "vabs", "vneg", "vmov"]


def vfp_imm_value(imm8):
    """The value VFPExpandImm(imm8) stands for (A7.5.1): +-(16 + imm8<3:0>)/16
    * 2^n, n = imm8<5:4> + 1, or - 3 when imm8<6> is set."""
    n = (-3 if imm8 & 0x40 else 1) + ((imm8 >> 4) & 3)
    v = (16 + (imm8 & 0xF)) / 16 * 2.0 ** n
    return -v if imm8 & 0x80 else v


def cond(g):
    """Often the open IT block's condition or its inverse (a then or else
    slot: blocks of 2-4 VFP instructions), else a 0.2 chance of any."""
    it = getattr(g, "it", None)
    if it and g.rng.random() < 0.6:
        c = g.rng.choice([it[1], gen_t32.INVERSE[it[1]]])
        g.pending = c
        return c
    return g.cond(0.2)


def i_arith(g):
    rng = g.rng
    sz = rng.random() < 0.5
    t = ".f64" if sz else ".f32"
    k = rng.random()
    if k < 0.7:
        g.emit("%s%s%s %s, %s, %s" % (rng.choice(ARITH3), cond(g), t, reg_of(rng, sz),
                                      reg_of(rng, sz), reg_of(rng, sz)))
    elif k < 0.9:
        g.emit("%s%s%s %s, %s" % (rng.choice(ARITH2), cond(g), t, reg_of(rng, sz),
                                  reg_of(rng, sz)))
    else:
        imm8 = rng.getrandbits(8)
        g.emit("vmov%s%s %s, #%r" % (cond(g), t, reg_of(rng, sz), vfp_imm_value(imm8)))


def i_cmp(g):
    rng = g.rng
    sz = rng.random() < 0.5
    op = rng.choice(["vcmp", "vcmpe"]) + cond(g) + (".f64" if sz else ".f32")
    if rng.random() < 0.25:
        g.emit("%s %s, #0" % (op, reg_of(rng, sz)))
        return
    g.emit("%s %s, %s" % (op, reg_of(rng, sz), reg_of(rng, sz)))
    if rng.random() < 0.6:
        g.emit("vmrs%s APSR_nzcv, fpscr" % cond(g))
        g.emit("mov%s r%d, #%d" % (g.cond(1.0), rng.randrange(13), rng.randrange(256)))


def i_cvt(g):
    rng = g.rng
    k = rng.randrange(7)
    c = cond(g)
    if k == 0:
        line = "vcvt%s.f64.f32 %s, %s" % (c, d(rng), s(rng))
    elif k == 1:
        line = "vcvt%s.f32.f64 %s, %s" % (c, s(rng), d(rng))
    elif k == 2:
        line = "vcvt%s%s.%s.%s %s, %s" % (rng.choice(["b", "t"]), c,
                                          *rng.choice([("f32", "f16"), ("f16", "f32")]),
                                          s(rng), s(rng))
    elif k == 3:
        sz = rng.random() < 0.5
        line = "vcvt%s.f%d.%s32 %s, %s" % (c, 64 if sz else 32, rng.choice("su"),
                                          reg_of(rng, sz), s(rng))
    elif k in (4, 5):
        sz = rng.random() < 0.5
        line = "vcvt%s%s.%s32.f%d %s, %s" % (rng.choice(["", "r"]), c, rng.choice("su"),
                                            64 if sz else 32, s(rng), reg_of(rng, sz))
    else:
        sz = rng.random() < 0.5
        size = rng.choice([16, 32])
        fbits = rng.randint(0 if size == 16 else 1, size)
        if size == 16 and fbits == 0:
            fbits = rng.randint(1, 16)
        fixed = "%s%d" % (rng.choice("su"), size)
        f = "f64" if sz else "f32"
        types = (fixed, f) if rng.random() < 0.5 else (f, fixed)
        r = reg_of(rng, sz)
        line = "vcvt%s.%s.%s %s, %s, #%d" % (c, types[0], types[1], r, r, fbits)
    g.emit(line)


def core(rng):
    return rng.randrange(13)     # r0-r12: never SP/LR/PC as a transfer register


def i_move(g):
    rng = g.rng
    k = rng.randrange(8)
    if k == 7:
        # VMSR FPSCR: rounding modes, FZ, DN, flags (LEN/STRIDE 0: see the module doc)
        g.emit("and r0, r%d, #0xF0000000" % core(rng))
        g.emit("orr r0, r0, #0x%x" % (rng.getrandbits(4) << 22))         # RMode, FZ, DN
        g.emit("orr r0, r0, #0x%x" % rng.choice([0, 0x9F, 0x1, 0x10]))   # cumulative flags
        g.emit("vmsr%s fpscr, r0" % cond(g))
        return
    c = cond(g)
    if k == 0:
        line = "vmov%s r%d, %s" % (c, core(rng), s(rng))
    elif k == 1:
        line = "vmov%s %s, r%d" % (c, s(rng), core(rng))
    elif k == 2:
        t, t2 = rng.sample(range(13), 2)
        m = rng.randrange(31)
        line = "vmov%s r%d, r%d, s%d, s%d" % (c, t, t2, m, m + 1)
    elif k == 3:
        m = rng.randrange(31)
        line = "vmov%s s%d, s%d, r%d, r%d" % (c, m, m + 1, core(rng), core(rng))
    elif k == 4:
        t, t2 = rng.sample(range(13), 2)
        line = rng.choice(["vmov%s r%d, r%d, %s" % (c, t, t2, d(rng)),
                           "vmov%s %s, r%d, r%d" % (c, d(rng), core(rng), core(rng))])
    elif k == 5:
        line = rng.choice(["vmov%s.32 %s[%d], r%d" % (c, d(rng), rng.getrandbits(1), core(rng)),
                           "vmov%s.32 r%d, %s[%d]" % (c, core(rng), d(rng), rng.getrandbits(1))])
    else:
        line = "vmrs%s r%d, %s" % (c, core(rng), rng.choice(["fpscr", "fpexc", "fpsid", "mvfr0"]))
    g.emit(line)


BASE = 11                        # the load/store base: DATA_BASE + 0x2000 (+- 1 KiB stays inside)


def i_mem(g):
    rng = g.rng
    k = rng.randrange(5)
    c = cond(g)
    sz = rng.random() < 0.5
    if k == 0:
        op = rng.choice(["vldr", "vstr"])
        g.emit("%s%s %s, [r%d, #%d]" % (op, c, reg_of(rng, sz), BASE, 4 * rng.randint(-255, 255)))
        return
    if k == 4:
        # literal (A8.8.333): base Align(PC, 4), PC = this + 8 (ARM) / + 4 (Thumb);
        # the code area has CODE_PAD bytes of slack on both sides (gen.py)
        g.emit("vldr%s %s, [pc, #%d]" % (c, reg_of(rng, sz), 4 * rng.randint(-255, 255)))
        return
    count = rng.randint(1, 16 if sz else 32)
    first = rng.randrange(32 - count + 1)
    regs = "{%s%d-%s%d}" % ("d" if sz else "s", first, "d" if sz else "s", first + count - 1) \
        if count > 1 else "{%s%d}" % ("d" if sz else "s", first)
    if k == 1:
        line = "%s%s r%d%s, %s" % (rng.choice(["vldmia", "vstmia"]), c, BASE,
                                   rng.choice(["", "!"]), regs)
    elif k == 2:
        if sz and rng.random() < 0.2:      # FLDMX/FSTMX: imm8 = 2 * count + 1
            line = "%s%s r%d!, %s" % (rng.choice(["fldmdbx", "fstmdbx", "fldmiax", "fstmiax"]),
                                      c, BASE, regs)
        else:
            line = "%s%s r%d!, %s" % (rng.choice(["vldmdb", "vstmdb"]), c, BASE, regs)
    else:
        line = "%s%s %s" % (rng.choice(["vpush", "vpop"]), c, regs)
    g.emit(line)


def x_unaligned(g):
    """A load or store of VFP registers from a base that is not word
    aligned: MemA (A8.8.333 VLDR ...) always checks alignment, so this is an
    Alignment fault (a Data Abort) whatever SCTLR.A says."""
    rng = g.rng
    k = rng.randint(1, 3)
    sz = rng.random() < 0.5
    last = rng.choice(["vldr %s, [r12, #%d]" % (reg_of(rng, sz), 4 * rng.randint(-8, 8)),
                       "vstr %s, [r12]" % reg_of(rng, sz),
                       "vldmia r12!, {%s}" % reg_of(rng, sz), "vstmdb r12!, {%s}" % reg_of(rng, sz)])
    g.emit("add r12, r%d, #%d" % (BASE, k))
    g.emit(last)
    g.exc = "dabort"


# a VFP instruction for the end of a lazy-enable case
VFP_PROBES = ["vadd.f32 s0, s1, s2", "vmov r0, s3", "vldr d1, [r11]", "vmrs r1, fpscr",
              "vcvt.f64.s32 d2, s4", "vmov d3, r2, r3", "vmrs r1, fpexc"]


def lazy_case(g):
    """FPEXC.EN written by the case (VMSR FPEXC), then a VFP instruction:
    UNDEF when EN is now clear (B6.1.7), except VMRS FPEXC at PL1.  (CPACR
    is not varied here: unicorn does not honour MCR writes to it, see
    tests/test_vfp.py; the CPACR checks are there.)"""
    rng = g.rng
    en = rng.random() < 0.5
    g.emit("mov r4, #%#x" % (FPEXC_EN if en else 0))
    g.emit("vmsr fpexc, r4")
    if rng.random() < 0.5:
        if en:
            i_arith(g)
        else:
            g.emit("add r6, r6, #1")
    probe = rng.choice(VFP_PROBES)
    g.emit(probe)
    if not en and probe != "vmrs r1, fpexc":
        g.exc = "und"


GENERATORS = {"vfp_arith": i_arith, "vfp_cmp": i_cmp, "vfp_cvt": i_cvt, "vfp_move": i_move,
              "vfp_mem": i_mem, "vfp_lazy": None}
CLASSES = list(GENERATORS)
# The same classes in Thumb state: T32 encodings (the A32 ones with 0b1110 in
# bits 31:28, ARM ARM A7.1), conditions through IT blocks
THUMB_PREFIX = "t32_"
THUMB_CLASSES = [THUMB_PREFIX + c for c in CLASSES]


def make_case(seed, cls, index):
    rng = random.Random("%s:%s:%d" % (seed, cls, index))
    thumb = cls.startswith(THUMB_PREFIX)
    kind = cls[len(THUMB_PREFIX):] if thumb else cls
    g = gen_t32.ThumbGen(rng) if thumb else gen.Gen(rng)
    g.regs[BASE] = DATA_BASE + 0x2000 + 8 * rng.randint(-16, 16)
    if kind == "vfp_mem":
        g.regs[13] = DATA_BASE + 0x3000 + 8 * rng.randint(-16, 16)
        if rng.random() < 0.2:
            g.emit("setend be")    # doublewords: high word first (A8.8.333)
    if kind == "vfp_lazy":
        lazy_case(g)
    else:
        for _ in range(rng.randint(1, 6)):
            GENERATORS[kind](g)
        if kind == "vfp_mem" and rng.random() < 0.1:
            x_unaligned(g)
    banked = gen.random_banked(g)
    return VfpCase(cls, index, g.lines, g.regs, g.flags, rng.getrandbits(32), g.prologue,
                   banked=banked, exc=getattr(g, "exc", None), thumb=thumb,
                   dregs=random_dregs(rng), fpscr=random_fpscr(rng))


def make_cases(seed, cls, ninsns):
    return gen.make_cases(seed, cls, ninsns, make_case)


def run_batch(cases, seed, **options):
    return harness.run_batch(cases, seed, runner_classes=RUNNERS, **options)


def main(argv):
    cls, index, seed = argv[0], int(argv[1]), argv[2]
    case = make_case(seed, cls, index)
    blob = harness.assemble([case])
    print(case.text())
    ref = VfpUnicornRunner(blob).run(0, case)
    got = VfpArmtcgRunner(blob).run(0, case)
    print(harness.report(0, case, seed, ref, got))


if __name__ == "__main__":
    main(sys.argv[1:])
