"""Random, valid T32 (Thumb state) cases for the differential test.

The same rules as the A32 generator (tests/diff/gen.py), for Thumb state:
the case starts with CPSR.T set and is assembled as T32 (the assembler
picks 16- or 32-bit encodings, so both are covered); registers r0-r12 and
LR (SP and PC are UNPREDICTABLE in most T32 encodings, ARM ARM A6.1
"BadReg"); every conditional instruction sits in an IT block: a new IT, or
the next slot (T or E) of the open one (A8.8.54), so IT blocks of 1-4
instructions with mixed then/else conditions, flag setters among them,
are generated.  Immediates are ThumbExpandImm constants (A6.3.2), memory
offsets within the T32 ranges (imm12 positive, imm8 +/-, register LSL
#0-3), LDM/STM lists of at least two registers without SP.
"""

from tests.diff import gen
from tests.diff.gen import rname, M32, DATA_BASE, DATA_SIZE, CONDS

T_GPR = [r for r in range(15) if r != 13]     # r0-r12, LR
LOW = list(range(8))
INVERSE = {c: CONDS[CONDS.index(c) ^ 1] for c in CONDS}


class ThumbGen(gen.Gen):
    pool = T_GPR
    join_p = 0.7              # chance a conditional line joins the open IT block

    def __init__(self, rng):
        super().__init__(rng)
        self.pending = None       # condition of the line being generated
        self.it = None            # open IT block: [line index, firstcond, suffix]

    def cond(self, p=0.35):
        c = super().cond(p)
        self.pending = c or None
        return c

    def close_it(self):
        self.it = None

    def insns_emitted(self):
        return [line for line in self.lines if not line.startswith("it")]

    def emit(self, line):
        c, self.pending = self.pending, None
        if c is None or line.endswith(":"):
            self.it = None
            self.lines.append(line)
            return
        it = self.it
        if it and len(it[2]) < 3 and c in (it[1], INVERSE[it[1]]) and self.rng.random() < self.join_p:
            it[2] += "t" if c == it[1] else "e"
            self.lines[it[0]] = "it%s %s" % (it[2], it[1])
        else:
            self.it = [len(self.lines), c, ""]
            self.lines.append("it %s" % c)
        self.lines.append(line)


def thumb_imm(rng):
    """A ThumbExpandImm constant (A6.3.2)."""
    x = rng.randint(1, 255)
    return rng.choice([rng.getrandbits(8), x * 0x00010001, x * 0x01000100, x * 0x01010101,
                       ((0x80 | rng.getrandbits(7)) << rng.randint(0, 24)) & M32])


DP3 = ["and", "eor", "sub", "rsb", "add", "adc", "sbc", "orr", "orn", "bic"]


def _dp(g, op2, ops=DP3):
    rng = g.rng
    s = "s" if rng.random() < 0.5 else ""
    kind = rng.random()
    if kind < 0.6:
        return "%s%s%s %s, %s, %s" % (rng.choice(ops), s, g.cond(), rname(g.reg()),
                                      rname(g.reg()), op2)
    if kind < 0.8:
        return "%s%s%s %s, %s" % (rng.choice(["mov", "mvn"]), s, g.cond(), rname(g.reg()), op2)
    return "%s%s %s, %s" % (rng.choice(gen.DPT), g.cond(), rname(g.reg()), op2)


def t_dp_imm(g):
    rng = g.rng
    if rng.random() < 0.2:
        return "%s%s %s, %s, #%d" % (rng.choice(["addw", "subw"]), g.cond(), rname(g.reg()),
                                     rname(g.reg()), rng.getrandbits(12))
    return _dp(g, "#%d" % thumb_imm(rng))


def t_dp_reg(g):
    return _dp(g, rname(g.reg()) + gen.shift_imm_text(g))


def t_shift_reg(g):
    rs = g.reg()
    g.regs[rs] = (g.regs[rs] & ~0xFF & M32) | g.rng.choice(
        [0, 1, 31, 32, 33, 255, g.rng.randint(0, 40), g.rng.getrandbits(8)])
    return "%s%s%s %s, %s, %s" % (g.rng.choice(gen.SHIFTS), g.rng.choice(["", "s"]), g.cond(),
                                  rname(g.reg()), rname(g.reg()), rname(rs))


def t_alu16(g):
    """Forms with 16-bit encodings (low registers; A6.2.1-A6.2.3)."""
    rng = g.rng
    # registers outside g.pool are fixed by the class (the system classes'
    # data and fault bases): never written here, so an abort the generator
    # plans on [r6] still finds r6 unmapped
    low = [r for r in LOW if r in g.pool]
    high = [r for r in T_GPR if r in g.pool or r >= 13]
    lo = lambda: rname(rng.choice(low))
    hi = lambda: rname(rng.choice(high))
    c = g.cond(0.25)
    s = "" if c else "s"         # outside IT blocks the 16-bit forms set flags
    k = rng.randint(0, 12)
    if k == 0:
        return "%s%s%s %s, %s, #%d" % (rng.choice(["lsl", "lsr", "asr"]), s, c, lo(), lo(),
                                       rng.randint(1, 31))
    if k == 1:
        return "%s%s%s %s, %s, %s" % (rng.choice(["add", "sub"]), s, c, lo(), lo(), lo())
    if k == 2:
        return "%s%s%s %s, %s, #%d" % (rng.choice(["add", "sub"]), s, c, lo(), lo(),
                                       rng.randint(0, 7))
    if k == 3:
        r = lo()
        return "%s%s%s %s, %s, #%d" % (rng.choice(["add", "sub"]), s, c, r, r, rng.getrandbits(8))
    if k == 4:
        return "mov%s%s %s, #%d" % (s, c, lo(), rng.getrandbits(8))
    if k == 5:
        return "cmp%s %s, #%d" % (c, lo(), rng.getrandbits(8))
    if k == 6:
        r = lo()
        op = rng.choice(["and", "eor", "lsl", "lsr", "asr", "adc", "sbc", "ror", "orr", "bic"])
        return "%s%s%s %s, %s, %s" % (op, s, c, r, r, lo())
    if k == 7:
        return "%s%s %s, %s" % (rng.choice(["tst", "cmp", "cmn"]), c, lo(), lo())
    if k == 8:
        return "%s%s%s %s, %s" % (rng.choice(["mvn", "mov"]), s, c, lo(), lo())
    if k == 9:
        if c:
            return "rsb%s %s, %s, #0" % (c, lo(), lo())
        r = lo()
        return rng.choice(["rsbs %s, %s, #0" % (lo(), lo()), "muls %s, %s, %s" % (r, lo(), r)])
    if k == 10:   # high registers: ADD/MOV/CMP (no flags for ADD/MOV)
        r = hi()
        return rng.choice(["add%s %s, %s" % (c, r, hi()), "mov%s %s, %s" % (c, hi(), hi()),
                           "cmp%s %s, %s" % (c, rname(rng.choice(range(8, 13))), hi())])
    if k == 11:
        return "%s%s %s, %s" % (rng.choice(["sxtb", "sxth", "uxtb", "uxth", "rev", "rev16",
                                            "revsh"]), c, lo(), lo())
    if rng.random() < 0.5:
        return "%s%s sp, sp, #%d" % (rng.choice(["add", "sub"]), c, 4 * rng.getrandbits(7))
    return "add%s %s, sp, #%d" % (c, lo(), 4 * rng.getrandbits(8))


def t_mul(g):
    rng = g.rng
    c = g.cond()
    d, n, m, a = g.regs_n(4)
    op = rng.choice(["mul", "mla", "mls"])
    if op == "mul":
        return "mul%s %s, %s, %s" % (c, d, n, m)
    return "%s%s %s, %s, %s, %s" % (op, c, d, n, m, a)


def t_mul_long(g):
    rng = g.rng
    op = rng.choice(["umull", "umlal", "smull", "smlal", "umaal"])
    lo, hi = rng.sample(g.pool, 2)
    n, m = g.regs_n(2)
    return "%s%s %s, %s, %s, %s" % (op, g.cond(), rname(lo), rname(hi), n, m)


def t_sat(g):
    return gen.g_sat(g, asr_max=31)


def t_psr(g):
    rng = g.rng
    k = rng.random()
    if k < 0.35:
        return "mrs%s %s, apsr" % (g.cond(), rname(g.reg()))
    if k < 0.7:
        return "msr%s apsr_%s, %s" % (g.cond(), rng.choice(["nzcvq", "g", "nzcvqg"]),
                                      rname(g.reg()))
    return rng.choice([t_dp_reg, gen.g_qarith, t_parallel, t_sat])(g)


def t_pack(g):
    rng = g.rng
    d, n, m, a = g.regs_n(4)
    c = g.cond()
    return rng.choice([
        "sel%s %s, %s, %s" % (c, d, n, m),
        "usad8%s %s, %s, %s" % (c, d, n, m),
        "usada8%s %s, %s, %s, %s" % (c, d, n, m, a),
        "pkhbt%s %s, %s, %s%s" % (c, d, n, m,
                                  rng.choice(["", ", lsl #%d" % rng.randint(1, 31)])),
        "pkhtb%s %s, %s, %s, asr #%d" % (c, d, n, m, rng.randint(1, 31)),
    ])


def t_parallel(g):
    """gen.g_parallel with one condition for either choice."""
    rng = g.rng
    d, n, m = g.regs_n(3)
    c = g.cond()
    if rng.random() < 0.15:
        return "sel%s %s, %s, %s" % (c, d, n, m)
    return "%s%s%s %s, %s, %s" % (rng.choice(gen.PAR_PREFIX), rng.choice(gen.PAR_OP), c, d, n, m)


ALU_CLASSES = {
    "t32_dp_imm": t_dp_imm, "t32_dp_reg": t_dp_reg, "t32_shift_reg": t_shift_reg,
    "t32_alu16": t_alu16, "t32_mul": t_mul, "t32_mul_long": t_mul_long,
    "t32_dsp_mul": gen.g_dsp_mul, "t32_div": gen.g_div, "t32_misc": gen.g_misc,
    "t32_extend": gen.g_extend, "t32_bitfield": gen.g_bitfield, "t32_movw": gen.g_movw,
    "t32_sat": t_sat, "t32_qarith": gen.g_qarith, "t32_parallel": t_parallel,
    "t32_pack_sel": t_pack, "t32_psr": t_psr,
}


# (YIELD and WFE: unicorn stops with "invalid instruction" -- QEMU raises its
# EXCP_YIELD/EXCP_HLT there -- where the ARM ARM (A8.8.430, A8.8.424) has
# hints; tests/test_t32.py checks that they are NOPs here)
HINTS = ["nop", "nop.w", "sev", "sev.w", "dmb", "dmb ish", "dsb", "dsb sy", "isb", "dbg #%d"]


def t_cond_mix(g):
    if g.rng.random() < 0.05:       # hints and barriers: no architectural effect here
        h = g.rng.choice(HINTS)
        return h % g.rng.randrange(16) if "%" in h else h
    if g.rng.random() < 0.3:
        return "%s%s %s, %s" % (g.rng.choice(gen.DPT), g.cond(0.2), rname(g.reg()), rname(g.reg()))
    return g.rng.choice(list(ALU_CLASSES.values()))(g)


ALU_CLASSES["t32_cond_mix"] = t_cond_mix


# ---------------------------------------------------------------- memory
def t_addr(g, roles, size, align, avoid_wb=(), imm12=True, reg_ok=True, user=False, scale=1):
    """A T32 addressing mode: [Rn, #imm12] / [Rn, #-imm8] / [Rn, #+/-imm8]! /
    [Rn], #+/-imm8 / [Rn, Rm, LSL #0-3]; T forms: [Rn, #imm8]."""
    rng = g.rng
    base = rng.choice(roles.bases)
    bval = roles.cur[base]
    kind = "offset" if user else rng.choice(["offset", "pre", "post", "reg" if reg_ok else "offset"])
    if kind != "offset" and base in avoid_wb:
        kind = "offset"
    if kind == "reg":
        sh = rng.randint(0, 3) if rng.random() < 0.6 else 0
        off = gen.pick_offset(g, bval, size, 4095, align)
        if off is None or off < 0 or off % (1 << sh):
            return None
        r = roles.new_index(off >> sh)
        if r is None:
            return None
        return "[%s, %s%s]" % (rname(base), rname(r), ", lsl #%d" % sh if sh else ""), base, None
    limit = 255 * scale
    if kind == "offset":
        off = gen.pick_offset(g, bval, size, 4095 if imm12 and not user else limit, align)
        if off is None or (off < -limit) or (user and off < 0) or off % scale:
            return None
        return "[%s, #%d]" % (rname(base), off), base, None
    if kind == "post":
        if bval % align or not gen.in_window(bval, size):
            return None
        off = gen.pick_offset(g, bval, 1, limit, 1)
    else:
        off = gen.pick_offset(g, bval, size, limit, align)
    if off is None or off % scale:
        return None
    b = rname(base)
    text = "[%s, #%d]!" % (b, off) if kind == "pre" else "[%s], #%d" % (b, off)
    return text, base, (bval + off) & M32


def t_ldst(g, roles):
    rng = g.rng
    c = g.cond(0.25)
    k = rng.random()
    if k < 0.08:    # preload hints (NOPs) in each addressing form, A8.8.126-131
        g.pending = None
        base = rname(rng.choice(roles.bases))
        return rng.choice([
            "%s [%s, #%d]" % (rng.choice(["pld", "pldw", "pli"]), base, rng.randint(-255, 4095)),
            "%s [%s, %s, lsl #%d]" % (rng.choice(["pld", "pldw", "pli"]), base,
                                      rname(g.reg()), rng.randint(0, 3)),
            "%s [pc, #%d]" % (rng.choice(["pld", "pli"]), rng.randint(-1020, 1020))]), \
            ("", None, None, [])
    if k < 0.2:     # SP-relative (16-bit forms with low registers)
        op = rng.choice(["ldr", "str"])
        t = roles.data_reg() if op == "ldr" else g.reg()
        off = 4 * rng.randint(0, 255)
        g.regs[13] = DATA_BASE + 4 * rng.randint(0, 512)
        return "%s%s %s, [sp, #%d]" % (op, c, rname(t), off), (c, None, None,
                                                               [t] if op == "ldr" else [])
    op = rng.choice(["ldr", "str", "ldrb", "strb", "ldrh", "strh", "ldrsb", "ldrsh",
                     "ldrd", "strd", "ldrt", "strt", "ldrbt", "ldrht", "ldrsbt", "strbt",
                     "strht", "ldrsht"])
    user = op.endswith("t")
    size = 8 if op in ("ldrd", "strd") else 1 if "b" in op else 2 if "h" in op else 4
    load = op.startswith("ldr")
    if op in ("ldrd", "strd"):
        t, t2 = rng.sample([r for r in T_GPR if not load or r not in roles.fixed()], 2)
        dest = [t, t2]
        regs = "%s, %s" % (rname(t), rname(t2))
        am = t_addr(g, roles, 8, 4, avoid_wb=dest, reg_ok=False, scale=4, imm12=False)
    else:
        t = roles.data_reg() if load else g.reg()
        dest = [t]
        regs = rname(t)
        if load and not user and rng.random() < 0.08:
            off = rng.randint(-1020, 1020)
            return "%s%s %s, [pc, #%d]" % (op, c, regs, off - off % 4), (c, None, None, dest)
        am = t_addr(g, roles, size, size, avoid_wb=dest, user=user)
    if am is None:
        g.pending = None
        return None
    text, base, wb = am
    return "%s%s %s, %s" % (op, c, regs, text), (c, base, wb, dest if load else [])


def t_ldm_stm(g, roles):
    rng = g.rng
    c = g.cond(0.25)
    load = rng.random() < 0.5
    mode = rng.choice(["ia", "db"])
    base = rng.choice(roles.bases)
    bval = roles.cur[base]
    wback = rng.random() < 0.6
    if load:
        pool = [r for r in T_GPR if r not in roles.fixed()]
    else:
        pool = [r for r in T_GPR if r != base]
    if len(pool) < 2 or bval % 4:
        g.pending = None
        return None
    regs = sorted(rng.sample(pool, rng.randint(2, min(len(pool), rng.choice([3, 6, 13])))))
    n = 4 * len(regs)
    start = bval if mode == "ia" else bval - n
    if not gen.in_window(start, n):
        g.pending = None
        return None
    wb = (bval + n if mode == "ia" else bval - n) if wback else None
    text = "%s%s%s %s%s, {%s}" % ("ldm" if load else "stm", mode, c, rname(base),
                                  "!" if wback else "", ", ".join(map(rname, regs)))
    return text, (c, base, wb, regs if load else [])


MEM_CLASSES = {"t32_ldst": t_ldst, "t32_ldm_stm": t_ldm_stm}


# ---------------------------------------------------------------- exclusives
def gen_excl_t(g):
    rng = g.rng
    base = rng.choice(T_GPR)
    g.regs[base] = DATA_BASE + 8 * rng.randint(0, DATA_SIZE // 8 - 1)
    g.prologue.append("clrex")
    for _ in range(rng.randint(1, 3)):
        sz = rng.choice(["", "b", "h", "d"])
        if sz == "d":
            t, t2 = rng.sample([r for r in T_GPR if r != base], 2)
            g.emit("ldrexd %s, %s, [%s]" % (rname(t), rname(t2), rname(base)))
        else:
            g.emit("ldrex%s %s, [%s]" % (sz, rname(g.reg(avoid=(base,))), rname(base)))
        if rng.random() < 0.3:
            g.emit("clrex")
        c = g.cond(0.3)
        if sz == "d":
            t, t2 = rng.sample(T_GPR, 2)
            d = g.reg(avoid=(base, t, t2))
            g.emit("strexd%s %s, %s, %s, [%s]" % (c, rname(d), rname(t), rname(t2), rname(base)))
        else:
            t = g.reg()
            d = g.reg(avoid=(base, t))
            g.emit("strex%s%s %s, %s, [%s]" % (sz, c, rname(d), rname(t), rname(base)))


# ---------------------------------------------------------------- branches
def gen_branch_t(g):
    """A DAG of blocks as in gen.gen_branch, with the T32 branches: B<c>
    (outside IT), B in an IT block (its last instruction), BL, CBZ/CBNZ,
    BX/BLX to an ADR-made Thumb address (bit 0 set), MOV PC (BranchWritePC
    ignores bit 0), POP {pc} / LDR pc (LoadWritePC), TBB/TBH."""
    rng = g.rng
    g.regs[13] = DATA_BASE + DATA_SIZE // 2
    nblocks = rng.randint(1, 4)
    layout = list(range(nblocks))
    rng.shuffle(layout)
    label = lambda k: ".L%d_%d" % (g.uid, k) if k < nblocks else ".L%d_end" % g.uid
    for pos, k in enumerate(layout):
        nxt = layout[pos + 1] if pos + 1 < nblocks else nblocks
        if pos:
            g.emit(label(k) + ":")
        for _ in range(rng.randint(0, 2)):
            g.emit(t_cond_mix(g) if rng.random() < 0.5 else "cmp %s, %s" % (
                rname(g.reg()), rname(g.reg())))
        g.close_it()
        target = rng.randint(k + 1, nblocks)
        falls = nxt > k
        kind = rng.choice(["b", "bl", "bit", "cbz", "bx", "blx", "movpc", "addpc", "pop", "ldrpc",
                           "ldmpc"])
        if kind == "b":
            c = g.cond(0.6) if falls else ""
            g.pending = None
            g.emit("b%s.w %s" % (c, label(target)) if rng.random() < 0.5 else
                   "b%s %s" % (c, label(target)))
            continue
        if kind == "bl":
            g.emit("bl %s" % label(target))
            continue
        if kind == "bit" and falls:     # B as the last instruction of an IT block
            c = g.cond(1.0)
            g.emit("b%s %s" % (c, label(target)))
            g.close_it()
            continue
        if kind == "cbz":       # CB{N}Z over one instruction (forward only)
            r = rng.choice(LOW)
            if rng.random() < 0.4:
                g.regs[r] = 0
            skip = ".L%d_z%d" % (g.uid, k)
            g.emit("%s %s, %s" % (rng.choice(["cbz", "cbnz"]), rname(r), skip))
            g.emit("mov %s, #%d" % (rname(g.reg()), rng.getrandbits(8)))
            g.emit(skip + ":")
            g.emit("b %s" % label(target))
            continue
        r = g.reg()
        if kind == "addpc":     # ADD PC, Rm (16-bit): ALUWritePC = BranchWritePC in Thumb
            r2 = g.reg(avoid=(r,))
            here = ".L%d_p%d" % (g.uid, k)
            g.emit("adr %s, %s" % (rname(r), label(target)))
            g.emit("adr %s, %s" % (rname(r2), here))
            g.emit("sub %s, %s, %s" % (rname(r), rname(r), rname(r2)))
            g.emit("add pc, %s" % rname(r))        # PC reads as this + 4 = `here`
            g.emit("nop")
            g.emit(here + ":")
            continue
        g.emit("adr %s, %s" % (rname(r), label(target)))
        if kind in ("bx", "blx"):
            g.emit("orr %s, %s, #1" % (rname(r), rname(r)))
            c = g.cond(0.5) if falls else ""
            g.emit("%s%s %s" % (kind, c, rname(r)))
            g.close_it()
        elif kind == "movpc":
            c = g.cond(0.5) if falls else ""
            g.emit("mov%s pc, %s" % (c, rname(r)))
            g.close_it()
        else:
            g.emit("orr %s, %s, #1" % (rname(r), rname(r)))
            g.emit("push {%s}" % rname(r))
            if kind == "ldmpc":     # the pushed word is the second one loaded
                g.emit("sub sp, sp, #4")
            c = g.cond(0.5) if falls else ""
            g.emit({"pop": "pop%s {pc}" % c, "ldrpc": "ldr%s pc, [sp], #4" % c,
                    "ldmpc": "ldmia%s sp!, {%s, pc}" % (c, rname(g.reg(avoid=(14,))))}.get(
                kind, "pop%s {pc}" % c))
            g.close_it()
    if layout[0] != 0:
        g.lines.insert(0, "b " + label(0))
        g.lines.insert(1, label(layout[0]) + ":")
    g.emit(label(nblocks) + ":")


def gen_tbb(g):
    rng = g.rng
    n = rng.randint(1, 4)
    r = g.reg()
    g.regs[r] = rng.randrange(n)
    h = rng.random() < 0.5
    u = g.uid
    g.emit("tbh [pc, %s, lsl #1]" % rname(r) if h else "tbb [pc, %s]" % rname(r))
    g.lines.append(".L%d_t:" % u)
    g.lines.append("%s %s" % (".hword" if h else ".byte",
                              ", ".join("(.L%d_c%d - .L%d_t) / 2" % (u, k, u) for k in range(n))))
    g.lines.append(".align 1")
    for k in range(n):
        g.lines.append(".L%d_c%d:" % (u, k))
        g.emit(t_dp_reg(g) if rng.random() < 0.5 else "mov %s, #%d" % (rname(g.reg(avoid=(r,))), k))
        g.close_it()
        g.emit("b .L%d_end" % u)
    g.lines.append(".L%d_end:" % u)


# ---------------------------------------------------------------- system, exceptions
def t_exception(g):
    """An exception from Thumb state, possibly inside an IT block: SVC,
    UDF, BKPT, an abort on an unmapped or unaligned access (B1.8.3: the LR
    offsets of Thumb state; SVC saves ITSTATE advanced)."""
    rng = g.rng
    gen._sys_setup(g)
    g.pool = [r for r in gen.SYS_POOL]
    in_it = rng.random() < 0.4
    # (flag setters before an IT-block exception would change its condition)
    for _ in range(0 if in_it else rng.randint(0, 3)):
        g.emit(t_cond_mix(g))
    kind = rng.choice(["svc", "und", "bkpt", "unmapped", "unaligned"])
    if kind == "bkpt":
        in_it = False      # BKPT is unconditional even in an IT block
    if in_it:
        # an IT block whose condition holds for the faulting instruction,
        # which may come after 0-2 others (then or else; MOV<c> sets no
        # flags in an IT block): ITSTATE in the middle of the block
        c = rng.choice([c for c in CONDS if gen.cond_passed(c, g.flags)])
        g.close_it()
        g.join_p = 1.0
        for _ in range(rng.randint(0, 2) if kind != "und" else 0):
            g.pending = rng.choice([c, INVERSE[c]])
            g.emit("mov%s %s, #%d" % (g.pending, rname(g.reg()), rng.getrandbits(8)))
        g.pending = c
    else:
        c = ""
        g.close_it()
    if kind == "svc":
        g.exc, line = "svc", "svc%s #%d" % (c, rng.getrandbits(8))
    elif kind == "und":
        g.pending = None
        g.exc, line = "und", rng.choice(["udf #%d" % rng.getrandbits(8),
                                         "udf.w #%d" % rng.getrandbits(16)])
    elif kind == "bkpt":
        g.exc, line = "bkpt", "bkpt #%d" % rng.getrandbits(8)
    elif kind == "unmapped":
        op = rng.choice(["ldr", "str", "ldrh", "strb"])
        g.exc, line = "dabort", "%s%s %s, [%s, #%d]" % (op, c, rname(g.reg()),
                                                        rname(gen.SYS_FAULT_BASE), 4 * rng.randint(0, 16))
    else:
        op, size = rng.choice([("ldr", 4), ("str", 4), ("ldrh", 2), ("strh", 2), ("ldrsh", 2)])
        off = size * rng.randint(0, 8) + rng.randint(1, size - 1)
        g.exc, line = "dabort", "%s%s %s, [%s, #%d]" % (op, c, rname(g.reg()),
                                                        rname(gen.SYS_DATA_BASE), off)
    g.emit(line)


_MODE_NAME = {v: k for k, v in gen.MODES.items()}


def s_banked(g):
    """MRS/MSR (banked register), B9.3.9/B9.3.12: another mode's r8-r14 or
    SPSR, where that is defined for the current mode (no Hyp/Monitor
    registers: neither emulator here has those modes)."""
    from frontend.a32_sys import BANKED_REGS, banked_access_ok
    mode = gen.MODES[g.mode]
    legal = [(key, owner, reg) for key, (owner, reg) in BANKED_REGS.items()
             if owner in _MODE_NAME and banked_access_ok(mode, key[0], key[1])]
    if not legal:
        return gen.s_mrs(g)
    key, owner, reg = g.rng.choice(legal)
    name = {13: "sp", 14: "lr", "spsr": "spsr"}.get(reg, "r%s" % reg) + "_" + _MODE_NAME[owner]
    if reg == "spsr":
        # a PSR value: reserved bits 23:20 clear.  (Set there, a later MSR
        # SPSR_fsxc would show that unicorn writes bit 20 -- ARMv8's IL --
        # where SPSRWriteByInstr (B1.3.3) leaves bits 23:20 alone.)
        if g.rng.random() < 0.5:
            return ["mrs %s, %s" % (rname(g.reg()), name)]
        return gen._load_imm(gen.SYS_PSR, gen.random_psr(g)) + [
            "msr %s, %s" % (name, rname(gen.SYS_PSR))]
    if g.rng.random() < 0.5:
        return ["mrs %s, %s" % (rname(g.reg()), name)]
    return ["msr %s, %s" % (name, rname(g.reg()))]


def t_system(g):
    """Mode changes, MRS/MSR (CPSR, SPSR), CPS, SETEND with accesses, in
    Thumb state (T32 encodings of the A32 system pieces that exist in T32)."""
    gen._sys_setup(g)
    for _ in range(g.rng.randint(1, 5)):
        piece = g.rng.choice([gen.s_cps, gen.s_msr_cpsr, gen.s_mrs, gen.s_msr_spsr,
                              gen.s_setend_access, t_exception_return, s_banked, None])
        if piece is None:
            g.emit(t_cond_mix(g))
            continue
        user = g.mode == "usr"
        for line in piece(g):
            if user and line.startswith("msr cpsr_"):
                # unicorn's MSR erratum (E in User mode, harness.ERRATA) has no
                # reliable reference in Thumb state: leave E alone there
                fields, _, reg = line[len("msr cpsr_"):].partition(", ")
                line = "msr cpsr_%s, %s" % (fields.replace("x", "") or "f", reg)
            g.pending = None
            g.emit(line)


SPECIAL_CLASSES = {"t32_excl": gen_excl_t, "t32_branch": gen_branch_t, "t32_tbb": gen_tbb,
                   "t32_exception": t_exception, "t32_system": t_system}
CLASSES = list(ALU_CLASSES) + list(MEM_CLASSES) + list(SPECIAL_CLASSES)


def generate(g, cls):
    if cls in ALU_CLASSES:
        for _ in range(g.rng.randint(1, 8)):
            g.emit(ALU_CLASSES[cls](g))
    elif cls in MEM_CLASSES:
        gen.gen_mem(g, MEM_CLASSES[cls], g.rng.randint(1, 3))
    else:
        SPECIAL_CLASSES[cls](g)


# ---------------------------------------------------------------- interworking
def _arm_filler(g):
    """An A32 data-processing line (conditions need no IT block in ARM state)."""
    rng = g.rng
    return "%s%s%s %s, %s, %s" % (rng.choice(gen.DP3), rng.choice(["", "s"]),
                                  rng.choice([""] + CONDS) if rng.random() < 0.3 else "",
                                  rname(g.reg()), rname(g.reg()), rname(g.reg()))


def gen_interwork(g):
    """Thumb -> ARM -> Thumb (ARM ARM A2.3.1, A8.8.25-27): in by BLX
    <label> (to ARM: Align(PC, 4) + imm), BX/BLX of an even address or
    POP {pc} of one (LoadWritePC); back by BX LR (after BLX), or with an
    odd ADR-made address through BX, BLX, MOV PC / ADD PC (ALUWritePC is
    BXWritePC in ARM state), POP {pc} or LDR pc (LoadWritePC)."""
    rng = g.rng
    u = g.uid
    g.regs[13] = DATA_BASE + DATA_SIZE // 2
    g.pool = [r for r in T_GPR if r != 14]     # LR: the return link
    for _ in range(rng.randint(0, 2)):
        g.emit(t_cond_mix(g))
    g.close_it()
    entry = rng.choice(["blx", "bx", "blxr", "pop"])
    r = g.reg()
    if entry == "blx":
        g.emit("blx .L%d_arm" % u)
    else:
        g.emit("adr %s, .L%d_arm" % (rname(r), u))
        if entry == "pop":
            g.emit("push {%s}" % rname(r))
            g.emit("pop {pc}")
        else:
            g.emit("%s %s" % ("bx" if entry == "bx" else "blx", rname(r)))
    g.emit(".L%d_back:" % u)
    g.emit(t_cond_mix(g))
    g.close_it()
    g.emit("b .L%d_end" % u)
    g.lines += [".arm", ".p2align 2", ".L%d_arm:" % u]
    for _ in range(rng.randint(0, 2)):
        g.lines.append(_arm_filler(g))
    kind = rng.choice(["bx", "blx", "movpc", "addpc", "pop", "ldrpc"] +
                      (["bxlr"] * 3 if entry in ("blx", "blxr") else []))
    if kind == "bxlr":
        g.lines.append("bx lr")
    else:
        g.lines += ["adr %s, .L%d_back" % (rname(r), u), "orr %s, %s, #1" % (rname(r), rname(r))]
        g.lines += {"bx": ["bx %s" % rname(r)], "blx": ["blx %s" % rname(r)],
                    "movpc": ["mov pc, %s" % rname(r)], "addpc": ["add pc, %s, #0" % rname(r)],
                    "pop": ["push {%s}" % rname(r), "pop {pc}"],
                    "ldrpc": ["push {%s}" % rname(r), "ldr pc, [sp], #4"]}[kind]
    g.lines += [".thumb", ".L%d_end:" % u]


# ---------------------------------------------------------------- exception return
def t_exception_return(g):
    """SUBS PC, LR, #imm / MOVS PC, LR (= SUBS #0) / RFE in Thumb state to
    a Thumb target (SPSR.T = 1, B9.1.2): the return restores T and IT
    (CPSRWriteByInstr with is_excpt_return); sometimes with an ITSTATE of
    one instruction (cond, mask 1000) that makes the target instruction,
    a 16-bit ADDS, conditional (and not flag-setting: it is in an IT
    block, A8.8.4)."""
    if g.mode not in gen.HAS_SPSR:
        return gen.s_cps(g)
    rng = g.rng
    target = gen._label(g)
    psr = gen.random_psr(g) | gen.CPSR_T
    if rng.random() < 0.4:
        it = (rng.randrange(14) << 4) | 0x8
        psr |= ((it & 3) << 25) | ((it >> 2) << 10)
        body = ["adds r0, r1, r2"]
    else:
        body = []
    out = gen._load_imm(gen.SYS_PSR, psr)
    kind = rng.choice(["subs", "movs", "rfe"])
    if kind == "rfe":
        out += ["adr %s, %s" % (rname(gen.SYS_TARGET), target)]
        mode = rng.choice(["ia", "db"])
        first = 0 if mode == "ia" else -8
        out += ["str %s, [%s, #%d]" % (rname(gen.SYS_TARGET), rname(gen.SYS_DATA_BASE), first),
                "str %s, [%s, #%d]" % (rname(gen.SYS_PSR), rname(gen.SYS_DATA_BASE), first + 4),
                "rfe%s %s" % (mode, rname(gen.SYS_DATA_BASE))]
    else:
        out += ["msr spsr_fsxc, %s" % rname(gen.SYS_PSR)]
        k = 4 * rng.randint(0, 3) if kind == "subs" else 0
        out += ["adr lr, %s" % target]
        if k:
            out += ["add lr, lr, #%d" % k]
        out += ["subs pc, lr, #%d" % k if kind == "subs" else "movs pc, lr"]
    g.mode = gen._mode_of(psr)
    return out + ["udf #%d" % rng.getrandbits(8), ".p2align 2", target + ":"] + body


SPECIAL_CLASSES["t32_interwork"] = gen_interwork
CLASSES.append("t32_interwork")
