"""VFPv4-D32 instructions: the cp10/cp11 encodings (ARM ARM DDI0406C A7).

One table, ENCODINGS_VFP, in the A32 form (cond in 31:28).  T32 uses the
very same encodings with 0b1110 in 31:28 (0xEE.., 0xEC.., 0xED..), so the
Thumb decoder calls `lift_vfp(ctx, insn)` with the 32-bit instruction word
as it is; the condition (A32 cond or IT block) is the caller's business.

Field letters: d n m = Vd Vn Vm, D N M = the extra register bit (Sd = Vd:D,
Dd = D:Vd; A7.3), s = sz (1 = double precision), t u = Rt Rt2, n also Rn
for loads and stores, v = imm8 / imm4, L = load / to core, o = op bit,
U = add, W = writeback, r = the VMRS/VMSR register.

When the instruction is allowed is decided at translate time (TB flags,
runtime/abi.py): TBF_VFP_ACCESS (CPACR.cp10 permits this PL) and
TBF_VFP_EN (FPEXC.EN) for everything but the VMRS/VMSR registers an OS's
lazy context switch needs with EN clear (runtime/vfp.py).  Short vectors:
the Cortex-A15 has none (MVFR0.ShortVectors = 0); with FPSCR.LEN or STRIDE
nonzero the instructions that would operate on vectors (data processing,
VMOV immediate and register) are UNDEF, as QEMU does (translate-vfp.c
"vec_len"); conversions, compares, transfers, loads and stores are not
affected (TBF_VFP_VEC).

Arithmetic is the IR op `vfp` (runtime/include/vfp.h, ARM ARM pseudocode);
moves, VABS/VNEG (sign bit only: FPAbs/FPNeg neither flush nor signal) and
VMOV immediate are ld_env/st_env on the register file in the CPU struct.
UNPREDICTABLE encodings are UNDEF.
"""

from frontend.decoder import Decoder, Encoding
from tcg.ir import PC, NF, ZF, CF, VF
from runtime.abi import TBF_VFP_ACCESS, TBF_VFP_EN, TBF_VFP_VEC
from runtime.vfp import VFP_SYSREGS

_env = None


def env_offset(name):
    global _env
    if _env is None:
        from runtime.core import env_fields   # built extension: import late
        _env = env_fields()
    return _env[name]


def s_offset(s):
    """Byte offset of S<s> in the CPU struct: S<2n>, S<2n+1> = low, high word of D<n>."""
    return env_offset("vfp_d") + 4 * s


def d_offset(d):
    return env_offset("vfp_d") + 8 * d


def op_id(name):
    from runtime.core import vfp_op_id
    return vfp_op_id(name)


def sreg(v, bit):
    return v << 1 | bit


def dreg(bit, v):
    return bit << 4 | v


def vreg(sz, v, bit):
    """The register a Vx field and its extra bit name: D (sz = 1) or S."""
    return dreg(bit, v) if sz else sreg(v, bit)


# -- permission checks (translate time) ------------------------------------

def enabled(ctx):
    """CPACR and FPEXC.EN permit VFP instructions here; else UNDEF."""
    if ctx.flags & TBF_VFP_ACCESS and ctx.flags & TBF_VFP_EN:
        return True
    ctx.undef()
    return False


def scalar_enabled(ctx):
    """As enabled(), for an instruction short vectors would change."""
    if not enabled(ctx):
        return False
    if ctx.flags & TBF_VFP_VEC:
        ctx.undef()
        return False
    return True


# -- register file moves ----------------------------------------------------

def load_word(ctx, offset):
    t = ctx.b.temp()
    ctx.b.ld_env(t, offset)
    return t


def copy_reg(ctx, dst, src, sz, hi_op=None):
    """dst = src (S or D); hi_op(t) transforms the sign-holding word."""
    words = [(s_offset(dst), s_offset(src))] if not sz else [
        (d_offset(dst), d_offset(src)), (d_offset(dst) + 4, d_offset(src) + 4)]
    for k, (do, so) in enumerate(words):
        t = load_word(ctx, so)
        if hi_op and k == len(words) - 1:
            hi_op(t)
        ctx.b.st_env(t, do)


# -- data processing (A7.5) -------------------------------------------------

def arith(name):
    """Vd = op(Vn, Vm) (and Vd for the multiply-accumulates)."""
    def lift(ctx, D, n, d, s, N, M, m):
        if not scalar_enabled(ctx):
            return
        regs = vreg(s, d, D) | vreg(s, n, N) << 8 | vreg(s, m, M) << 16
        ctx.b.vfp(op_id(name + ("_d" if s else "_s")), regs)
    lift.__name__ = "lift_" + name
    return lift


def lift_vsqrt(ctx, D, d, s, M, m):
    if scalar_enabled(ctx):
        ctx.b.vfp(op_id("sqrt_d" if s else "sqrt_s"), vreg(s, d, D) | vreg(s, m, M) << 16)


def lift_vmov_reg(ctx, D, d, s, M, m):
    if scalar_enabled(ctx):
        copy_reg(ctx, vreg(s, d, D), vreg(s, m, M), s)


def lift_vabs(ctx, D, d, s, M, m):
    if scalar_enabled(ctx):
        copy_reg(ctx, vreg(s, d, D), vreg(s, m, M), s,
                 lambda t: ctx.b.andi(t, t, 0x7FFFFFFF))


def lift_vneg(ctx, D, d, s, M, m):
    if scalar_enabled(ctx):
        copy_reg(ctx, vreg(s, d, D), vreg(s, m, M), s,
                 lambda t: ctx.b.xori(t, t, 0x80000000))


def vfp_expand_imm(imm8, sz):
    """VFPExpandImm (A7.5.1): sign, NOT(b):Replicate(b, E-3):imm8<5:4>, imm8<3:0>:zeros."""
    b6 = imm8 >> 6 & 1
    if sz:
        exp = (b6 ^ 1) << 10 | (0xFF if b6 else 0) << 2 | (imm8 >> 4 & 3)
        return (imm8 >> 7) << 63 | exp << 52 | (imm8 & 0xF) << 48
    exp = (b6 ^ 1) << 7 | (0x1F if b6 else 0) << 2 | (imm8 >> 4 & 3)
    return (imm8 >> 7) << 31 | exp << 23 | (imm8 & 0xF) << 19


def lift_vmov_imm(ctx, D, h, d, s, l):
    if not scalar_enabled(ctx):
        return
    value = vfp_expand_imm(h << 4 | l, s)
    r = vreg(s, d, D)
    words = [(s_offset(r), value)] if not s else [
        (d_offset(r), value & 0xFFFFFFFF), (d_offset(r) + 4, value >> 32)]
    for off, w in words:
        t = ctx.b.temp()
        ctx.b.movi(t, w)
        ctx.b.st_env(t, off)


def lift_vcmp(ctx, D, d, s, E, M, m):
    if enabled(ctx):
        ctx.b.vfp(op_id("cmp_d" if s else "cmp_s"),
                  vreg(s, d, D) | vreg(s, m, M) << 16 | E << 24)


def lift_vcmp_zero(ctx, D, d, s, E):
    if enabled(ctx):
        ctx.b.vfp(op_id("cmp_d" if s else "cmp_s"), vreg(s, d, D) | (E | 2) << 24)


def lift_vcvt_ds(ctx, D, d, s, M, m):
    """VCVT.F64.F32 (sz = 0) / VCVT.F32.F64 (sz = 1)."""
    if enabled(ctx):
        name, dst, src = (("cvt_f32_f64", sreg(d, D), dreg(M, m)) if s else
                          ("cvt_f64_f32", dreg(D, d), sreg(m, M)))
        ctx.b.vfp(op_id(name), dst | src << 16)


def lift_vcvt_half(ctx, D, o, d, s, T, M, m):
    """VCVTB/VCVTT (A8.8.309): o = 1 single to half; sz = 1 is ARMv8 (UNDEF)."""
    if s:
        return ctx.undef()
    if enabled(ctx):
        ctx.b.vfp(op_id("cvt_f16_f32" if o else "cvt_f32_f16"),
                  sreg(d, D) | sreg(m, M) << 16 | T << 24)


def lift_vcvt_itof(ctx, D, d, s, o, M, m):
    """VCVT.F32/F64.S32/U32 (A8.8.306): o = signed; rounds per the FPSCR."""
    if enabled(ctx):
        ctx.b.vfp(op_id("itof_d" if s else "itof_s"), vreg(s, d, D) | sreg(m, M) << 16 | o << 24)


def lift_vcvt_ftoi(ctx, D, S, d, s, R, M, m):
    """VCVT{R}.S32/U32.F32/F64: R = 1 rounds towards zero, 0 per the FPSCR (VCVTR)."""
    if enabled(ctx):
        ctx.b.vfp(op_id("ftoi_d" if s else "ftoi_s"),
                  sreg(d, D) | vreg(s, m, M) << 16 | (S | R << 1) << 24)


def lift_vcvt_fixed(ctx, D, o, U, d, s, x, i, v):
    """VCVT between floating point and fixed point (A8.8.308), in place."""
    size = 32 if x else 16
    frac_bits = size - (v << 1 | i)
    if frac_bits < 0:                  # "if frac_bits < 0 then UNPREDICTABLE"
        return ctx.undef()
    if enabled(ctx):
        name = ("ftofix_" if o else "fixtof_") + ("d" if s else "s")
        ctx.b.vfp(op_id(name), vreg(s, d, D) | (U | x << 1 | frac_bits << 2) << 24)


# -- transfers between core and VFP registers (A7.8) -----------------------

def lift_vmov_core_single(ctx, o, n, t, N):
    """VMOV Rt, Sn (o = 1) / VMOV Sn, Rt (A8.8.343)."""
    if t == PC:
        return ctx.undef()
    if not enabled(ctx):
        return
    if o:
        ctx.b.ld_env(t, s_offset(sreg(n, N)))
    else:
        ctx.b.st_env(t, s_offset(sreg(n, N)))


def _core_pair(ctx, o, u, t, offsets):
    if PC in (t, u) or (o and t == u):
        return ctx.undef()
    if not enabled(ctx):
        return
    for r, off in zip((t, u), offsets):
        if o:
            ctx.b.ld_env(r, off)
        else:
            ctx.b.st_env(r, off)


def lift_vmov_two_singles(ctx, o, u, t, M, m):
    """VMOV Rt, Rt2, Sm, Sm1 (o = 1) and back (A8.8.345)."""
    sm = sreg(m, M)
    if sm == 31:
        return ctx.undef()
    _core_pair(ctx, o, u, t, (s_offset(sm), s_offset(sm + 1)))


def lift_vmov_double(ctx, o, u, t, M, m):
    """VMOV Rt, Rt2, Dm (o = 1) and back (A8.8.346)."""
    dm = dreg(M, m)
    _core_pair(ctx, o, u, t, (d_offset(dm), d_offset(dm) + 4))


def lift_vmov_to_scalar(ctx, x, d, t, D):
    """VMOV.32 Dd[x], Rt (A8.8.341); the 8/16-bit forms are Advanced SIMD."""
    if t == PC:
        return ctx.undef()
    if enabled(ctx):
        ctx.b.st_env(t, d_offset(dreg(D, d)) + 4 * x)


def lift_vmov_from_scalar(ctx, x, n, t, N):
    """VMOV.32 Rt, Dn[x] (A8.8.342)."""
    if t == PC:
        return ctx.undef()
    if enabled(ctx):
        ctx.b.ld_env(t, d_offset(dreg(N, n)) + 4 * x)


def sysreg_permitted(ctx, reg):
    if reg is None or (reg.pl1 and not ctx.privileged):
        return False
    if not ctx.flags & TBF_VFP_ACCESS:
        return False
    return bool(reg.any_en or ctx.flags & TBF_VFP_EN)


def lift_vmrs(ctx, r, t):
    """VMRS Rt, <reg> (A8.8.348); Rt = 15 with FPSCR: APSR_nzcv."""
    reg = VFP_SYSREGS.get(r)
    if not sysreg_permitted(ctx, reg) or (t == PC and reg.name != "FPSCR"):
        return ctx.undef()
    b = ctx.b
    if t != PC:
        if reg.field is None:
            b.movi(t, reg.value)
        else:
            b.ld_env(t, env_offset(reg.field))
        return
    x = load_word(ctx, env_offset("fpscr"))     # N Z C V are bits 31:28
    b.mov(NF, x)
    z = b.temp()
    b.not_(z, x)
    b.andi(ZF, z, 1 << 30)
    b.shri(CF, x, 29)
    b.andi(CF, CF, 1)
    b.shli(VF, x, 3)


def lift_vmsr(ctx, r, t):
    """VMSR <reg>, Rt (A8.8.349): FPSCR and FPEXC decide translation (LEN,
    STRIDE, EN): the block ends; ID registers ignore writes."""
    reg = VFP_SYSREGS.get(r)
    if not sysreg_permitted(ctx, reg) or t == PC:
        return ctx.undef()
    if reg.field is None:
        return
    v = ctx.b.temp()
    ctx.b.andi(v, t, reg.write_mask)
    ctx.b.st_env(v, env_offset(reg.field))
    ctx.exit_to_next()


# -- loads and stores (A7.6) -------------------------------------------------

def _base(ctx, n):
    """Rn, or Align(PC, 4) for a PC base."""
    return ctx.reg_aligned_pc(n)


def _word_offsets(first, count, sz):
    """Register-file byte offsets of the words of `count` registers from `first`."""
    if sz:
        return [d_offset(first + k) + 4 * w for k in range(count) for w in (0, 1)]
    return [s_offset(first + k) for k in range(count)]


def _memory_words(ctx, offsets, sz):
    """Word order in memory: a doubleword is low word first, high word
    first in big-endian (A8.8.333 VLDR: "if BigEndian() then word1:word2")."""
    if sz and ctx.be_data:
        return [offsets[i ^ 1] for i in range(len(offsets))]
    return offsets


def _transfer(ctx, L, base, start, offsets, sz):
    """Load (all words first, so a fault leaves the registers as they
    were) or store the register-file words at base + start + 4k."""
    b = ctx.b
    aux = ctx.mem_aux(2, align=True)      # MemA[address, 4]: word aligned
    words = _memory_words(ctx, offsets, sz)
    if L:
        temps = []
        for k in range(len(words)):
            t = b.temp()
            b.ld(t, base, (start + 4 * k) & 0xFFFFFFFF, aux)
            temps.append(t)
        for t, off in zip(temps, words):
            b.st_env(t, off)
    else:
        for k, off in enumerate(words):
            b.st(base, load_word(ctx, off), (start + 4 * k) & 0xFFFFFFFF, aux)


def lift_vldr_vstr(ctx, U, D, L, n, d, s, v):
    """VLDR/VSTR (A8.8.333, A8.8.413): [Rn, #+/-imm8*4]."""
    if not enabled(ctx):
        return
    offset = 4 * v if U else -4 * v
    first = vreg(s, d, D)
    _transfer(ctx, L, _base(ctx, n), offset, _word_offsets(first, 1, s), s)


def block_transfer(increment, wback):
    """VLDM/VSTM/VPUSH/VPOP (A8.8.332, A8.8.412): IA, IA! or DB!.  A double
    transfer with an odd imm8 is FLDMX/FSTMX: imm8/2 registers, the base
    still moving by imm8 words."""
    def lift(ctx, D, L, n, d, s, v):
        first = vreg(s, d, D)
        count = v >> 1 if s else v
        # "regs == 0 || regs > 16 || (d+regs) > 32" and
        # "n == 15 && wback" UNPREDICTABLE
        if count == 0 or first + count > 32 or (s and count > 16) or (n == PC and wback):
            return ctx.undef()
        if not enabled(ctx):
            return
        base = _base(ctx, n)
        start = 0 if increment else -4 * v
        _transfer(ctx, L, base, start, _word_offsets(first, count, s), s)
        if wback:
            ctx.b.addi(n, n, (4 * v if increment else -4 * v) & 0xFFFFFFFF)
    lift.__name__ = "lift_vldm_vstm_%s%s" % ("ia" if increment else "db", "_w" if wback else "")
    return lift


# ---- the table -------------------------------------------------------------
# fmt: off
ENCODINGS_VFP = [
    # three-register data processing (A7.5, Table A7-16)
    Encoding("VMLA",      "cccc11100D00nnnndddd101sN0M0mmmm", arith("mla")),
    Encoding("VMLS",      "cccc11100D00nnnndddd101sN1M0mmmm", arith("mls")),
    Encoding("VNMLS",     "cccc11100D01nnnndddd101sN0M0mmmm", arith("nmls")),
    Encoding("VNMLA",     "cccc11100D01nnnndddd101sN1M0mmmm", arith("nmla")),
    Encoding("VMUL",      "cccc11100D10nnnndddd101sN0M0mmmm", arith("mul")),
    Encoding("VNMUL",     "cccc11100D10nnnndddd101sN1M0mmmm", arith("nmul")),
    Encoding("VADD",      "cccc11100D11nnnndddd101sN0M0mmmm", arith("add")),
    Encoding("VSUB",      "cccc11100D11nnnndddd101sN1M0mmmm", arith("sub")),
    Encoding("VDIV",      "cccc11101D00nnnndddd101sN0M0mmmm", arith("div")),
    Encoding("VFNMS",     "cccc11101D01nnnndddd101sN0M0mmmm", arith("fnms")),
    Encoding("VFNMA",     "cccc11101D01nnnndddd101sN1M0mmmm", arith("fnma")),
    Encoding("VFMA",      "cccc11101D10nnnndddd101sN0M0mmmm", arith("fma")),
    Encoding("VFMS",      "cccc11101D10nnnndddd101sN1M0mmmm", arith("fms")),
    # other data processing (Table A7-17)
    Encoding("VMOV_imm",  "cccc11101D11hhhhdddd101s0000llll", lift_vmov_imm),
    Encoding("VMOV_reg",  "cccc11101D110000dddd101s01M0mmmm", lift_vmov_reg),
    Encoding("VABS",      "cccc11101D110000dddd101s11M0mmmm", lift_vabs),
    Encoding("VNEG",      "cccc11101D110001dddd101s01M0mmmm", lift_vneg),
    Encoding("VSQRT",     "cccc11101D110001dddd101s11M0mmmm", lift_vsqrt),
    Encoding("VCVTB_T",   "cccc11101D11001odddd101sT1M0mmmm", lift_vcvt_half),
    Encoding("VCMP",      "cccc11101D110100dddd101sE1M0mmmm", lift_vcmp),
    Encoding("VCMP_zero", "cccc11101D110101dddd101sE1000000", lift_vcmp_zero),
    Encoding("VCVT_ds",   "cccc11101D110111dddd101s11M0mmmm", lift_vcvt_ds),
    Encoding("VCVT_itof", "cccc11101D111000dddd101so1M0mmmm", lift_vcvt_itof),
    Encoding("VCVT_ftoi", "cccc11101D11110Sdddd101sR1M0mmmm", lift_vcvt_ftoi),
    Encoding("VCVT_fix",  "cccc11101D111o1Udddd101sx1i0vvvv", lift_vcvt_fixed),
    # core <-> VFP register transfers (A7.8, A7.9)
    Encoding("VMOV_rs",   "cccc1110000onnnntttt1010N0010000", lift_vmov_core_single),
    Encoding("VMOV_rrss", "cccc1100010ouuuutttt101000M1mmmm", lift_vmov_two_singles),
    Encoding("VMOV_rrd",  "cccc1100010ouuuutttt101100M1mmmm", lift_vmov_double),
    Encoding("VMOV_to_scalar",   "cccc111000x0ddddtttt1011D0010000", lift_vmov_to_scalar),
    Encoding("VMOV_from_scalar", "cccc111000x1nnnntttt1011N0010000", lift_vmov_from_scalar),
    Encoding("VMSR",      "cccc11101110rrrrtttt101000010000", lift_vmsr),
    Encoding("VMRS",      "cccc11101111rrrrtttt101000010000", lift_vmrs),
    # loads and stores (A7.6)
    Encoding("VLDR_VSTR", "cccc1101UD0Lnnnndddd101svvvvvvvv", lift_vldr_vstr),
    Encoding("VLDM_IA",   "cccc11001D0Lnnnndddd101svvvvvvvv", block_transfer(True, False)),
    Encoding("VLDM_IA_W", "cccc11001D1Lnnnndddd101svvvvvvvv", block_transfer(True, True)),
    Encoding("VLDM_DB_W", "cccc11010D1Lnnnndddd101svvvvvvvv", block_transfer(False, True)),
]
# fmt: on

VFP_DECODER = Decoder(ENCODINGS_VFP)


def lift_vfp(ctx, insn):
    """Lift the VFP instruction `insn` (A32 layout; a T32 word 0xE[CDE]......
    as it is) into ctx.b, without its condition; False if it is not a VFP
    encoding (the caller decides what else it may be)."""
    hit = VFP_DECODER.decode(insn)
    if hit is None:
        return False
    pat, fields = hit
    pat.lift(ctx, **fields)
    return True
