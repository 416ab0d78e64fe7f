"""The IR, defined once.

Every op is one row: its name, the IROp fields it uses (in the order the
builder takes them), its kind, and its meaning.  The interpreter's dispatch
(tcg/interp.pyx), the printer (`-d op`), the builder (tcg/ir.py) and the JIT
lowering (backend/) are all checked against this table by tests, so an op
cannot exist in one engine and be missing in another.

Operands: `d`, `a`, `b`, `c` are indices into the value file env->v[]
(runtime/include/cpu.h): guest globals r0..r15, NF, ZF, CF, VF, QF, GE,
the exclusive monitor, then temporaries.  `imm` is a 32-bit immediate,
`aux` a 16-bit small immediate.  All arithmetic is modulo 2**32.

Flags are split, QEMU style: N = NF bit 31, Z = (ZF == 0), C = CF (0/1),
V = VF bit 31.  Condition codes are ARM's (0 EQ .. 14 AL).

Kinds:
  pure    writes only its destination values
  flags   also writes some of NF/ZF/CF/VF (and reads CF where stated)
  mem     guest memory access; may raise a data abort (leaves the block)
  sys     touches CPU state outside the value file; may raise
  branch  moves within the block (imm = target op index, set by labels)
  term    ends the block; nothing after it in program order runs
"""

from collections import namedtuple

Op = namedtuple("Op", "name fields kind doc")

# fmt: off
OPS = [
    Op("nop",      "",          "pure",   "nothing"),
    Op("movi",     "d imm",     "pure",   "d = imm"),
    Op("mov",      "d a",       "pure",   "d = a"),

    Op("add",      "d a b",     "pure",   "d = a + b"),
    Op("addi",     "d a imm",   "pure",   "d = a + imm"),
    Op("sub",      "d a b",     "pure",   "d = a - b"),
    Op("rsbi",     "d a imm",   "pure",   "d = imm - a"),
    Op("and_",     "d a b",     "pure",   "d = a & b"),
    Op("andi",     "d a imm",   "pure",   "d = a & imm"),
    Op("or_",      "d a b",     "pure",   "d = a | b"),
    Op("ori",      "d a imm",   "pure",   "d = a | imm"),
    Op("xor",      "d a b",     "pure",   "d = a ^ b"),
    Op("xori",     "d a imm",   "pure",   "d = a ^ imm"),
    Op("andn",     "d a b",     "pure",   "d = a & ~b"),
    Op("not_",     "d a",       "pure",   "d = ~a"),
    Op("mul",      "d a b",     "pure",   "d = a * b (low 32 bits)"),
    Op("adc",      "d a b",     "pure",   "d = a + b + C"),
    Op("sbc",      "d a b",     "pure",   "d = a - b - (1 - C)"),

    Op("shli",     "d a imm",   "pure",   "d = a << imm, imm in 0..31"),
    Op("shri",     "d a imm",   "pure",   "d = a >> imm (logical), imm in 0..31"),
    Op("sari",     "d a imm",   "pure",   "d = a >> imm (arithmetic), imm in 0..31"),
    Op("rori",     "d a imm",   "pure",   "d = a rotated right by imm, imm in 0..31"),
    Op("shl",      "d a b",     "pure",   "LSL by register: n = b & 0xff; d = n < 32 ? a << n : 0"),
    Op("shr",      "d a b",     "pure",   "LSR by register: n = b & 0xff; d = n < 32 ? a >> n : 0"),
    Op("sar",      "d a b",     "pure",   "ASR by register: n = b & 0xff; d = a >> min(n, 31) arithmetic"),
    Op("ror",      "d a b",     "pure",   "ROR by register: d = a rotated right by (b & 31)"),
    Op("rrx",      "d a",       "pure",   "d = (C << 31) | (a >> 1)"),

    # Shifter with carry-out (ARM ARM Shift_C); they write CF only.
    Op("lsl_ci",   "d a imm",   "flags",  "imm 1..31: d = a << imm; C = bit (32-imm) of a"),
    Op("lsr_ci",   "d a imm",   "flags",  "imm 1..32: d = a >> imm (0 if 32); C = bit (imm-1) of a"),
    Op("asr_ci",   "d a imm",   "flags",  "imm 1..32: d = a >> imm arithmetic; C = bit (min(imm,32)-1) of a"),
    Op("ror_ci",   "d a imm",   "flags",  "imm 1..31: d = ror(a, imm); C = bit 31 of d"),
    Op("rrx_c",    "d a",       "flags",  "d = (C << 31) | (a >> 1); C = a & 1"),
    Op("lsl_c",    "d a b",     "flags",  "LSL by register with carry (n = b & 0xff; n == 0 keeps a and C)"),
    Op("lsr_c",    "d a b",     "flags",  "LSR by register with carry"),
    Op("asr_c",    "d a b",     "flags",  "ASR by register with carry"),
    Op("ror_c",    "d a b",     "flags",  "ROR by register with carry (n == 0 keeps C; n&31 == 0 sets C = a>>31)"),

    # Flag-setting arithmetic: NZCV from the result (ARM ARM AddWithCarry).
    Op("adds",     "d a b",     "flags",  "d = a + b; NZCV"),
    Op("addsi",    "d a imm",   "flags",  "d = a + imm; NZCV"),
    Op("adcs",     "d a b",     "flags",  "d = a + b + C; NZCV"),
    Op("subs",     "d a b",     "flags",  "d = a - b; NZCV (C = no borrow)"),
    Op("subsi",    "d a imm",   "flags",  "d = a - imm; NZCV"),
    Op("sbcs",     "d a b",     "flags",  "d = a - b - (1 - C); NZCV"),
    Op("set_nz",   "a",         "flags",  "NF = ZF = a"),

    Op("mulu64",   "d c a b",   "pure",   "c:d = (u64)a * (u64)b"),
    Op("muls64",   "d c a b",   "pure",   "c:d = (s64)a * (s64)b"),
    Op("add64",    "d c a b",   "pure",   "c:d = c:d + b:a (reads d and c too)"),
    Op("udiv",     "d a b",     "pure",   "d = b ? a / b : 0 (unsigned)"),
    Op("sdiv",     "d a b",     "pure",   "d = b ? a / b : 0 (signed; INT_MIN / -1 = INT_MIN)"),
    Op("clz",      "d a",       "pure",   "d = count of leading zero bits of a (32 for 0)"),
    Op("rev",      "d a",       "pure",   "d = byte-reversed a"),
    Op("rev16",    "d a",       "pure",   "d = bytes swapped within each halfword"),
    Op("revsh",    "d a",       "pure",   "d = sign-extend(bytes 0,1 of a swapped)"),
    Op("rbit",     "d a",       "pure",   "d = bit-reversed a"),
    Op("sext8",    "d a",       "pure",   "d = (s8)a"),
    Op("sext16",   "d a",       "pure",   "d = (s16)a"),
    Op("zext8",    "d a",       "pure",   "d = (u8)a"),
    Op("zext16",   "d a",       "pure",   "d = (u16)a"),
    Op("helper",   "d a b c imm", "sys",  "d = helper[imm](env, a, b, c); helpers may set QF/GE"),
    # VFP arithmetic on the register file in the CPU struct (moves are
    # ld_env/st_env): operation aux of runtime/helpers_vfp.pxi, imm = its
    # register numbers d | n << 8 | m << 16 | extra << 24; reads and writes
    # env->vfp_d and env->fpscr only, never the value file
    Op("vfp",      "aux imm",   "sys",    "vfp_op[aux](env, imm)"),

    Op("br",       "imm",       "branch", "jump to op imm"),
    Op("brcond",   "aux imm",   "branch", "jump to op imm if ARM condition aux holds"),
    Op("brz",      "a imm",     "branch", "jump to op imm if a == 0"),
    Op("brnz",     "a imm",     "branch", "jump to op imm if a != 0"),

    Op("ld",       "d a imm aux", "mem",  "d = load(a + imm) per MO_* bits in aux"),
    Op("st",       "a b imm aux", "mem",  "store(a + imm, b) per MO_* bits in aux"),
    Op("ldex",     "d a aux",   "mem",    "d = load(a); open the exclusive monitor on a"),
    Op("ldexd",    "d c a aux", "mem",    "d = load32(a), c = load32(a + 4); open the monitor on a"),
    Op("stex",     "d a b aux", "mem",    "if the monitor holds a: store(a, b), d = 0; else d = 1; close the monitor"),
    Op("stexd",    "d a b c aux", "mem",  "as stex, storing b at a and c at a + 4"),
    Op("clrex",    "",          "sys",    "close the exclusive monitor"),

    Op("cpsr_read",  "d",       "sys",    "d = CPSR"),
    Op("cpsr_write", "a imm",   "sys",    "CPSR bits in mask imm = a (mode switch banks registers)"),
    Op("spsr_read",  "d",       "sys",    "d = SPSR of the current mode (UNDEF-free: caller checked mode)"),
    Op("spsr_write", "a imm",   "sys",    "SPSR bits in mask imm = a"),
    Op("user_read",  "d imm",   "sys",    "d = User-mode r<imm> (LDM/STM ^ forms)"),
    Op("user_write", "a imm",   "sys",    "User-mode r<imm> = a"),
    Op("banked_read",  "d imm", "sys",    "d = banked register, imm = (R << 5) | SYSm of MRS (banked)"),
    Op("banked_write", "a imm", "sys",    "banked register (encoding as banked_read) = a"),
    Op("cp_read",    "d imm",   "sys",    "d = cp15 register with table index imm (via its readfn)"),
    Op("cp_write",   "a imm",   "sys",    "cp15 register with table index imm = a (via its writefn)"),
    Op("cp_read64",  "d c imm", "sys",    "c:d = 64-bit cp15 register imm"),
    Op("cp_write64", "a b imm", "sys",    "64-bit cp15 register imm = b:a"),
    Op("ld_env",     "d imm",   "sys",    "d = 32-bit field at byte offset imm of the CPU struct"),
    Op("st_env",     "a imm",   "sys",    "32-bit field at byte offset imm of the CPU struct = a"),

    Op("goto_tb",  "imm aux",   "term",   "pc = imm; continue at that block (chain slot aux)"),
    Op("exit_jc",  "",          "term",   "continue at the pc in r15, looked up in the jump cache"),
    Op("exit_tb",  "imm",       "term",   "pc = imm; back to the exec loop (state that keys TBs may have changed)"),
    Op("bx",       "a",         "term",   "BXWritePC: T = a & 1, pc = a & ~1 (or & ~3 in ARM state)"),
    Op("exc_return", "a b",     "term",   "CPSR = b (with bank switch), pc = a aligned for the new state"),
    Op("raise_exc",  "aux imm", "term",   "take exception aux (EXCP_*) at this op's pc; imm = syndrome/immediate"),
    Op("wfi",      "imm",       "term",   "pc = imm; halt until an interrupt is pending"),
]
# fmt: on

OP_INDEX = {op.name: i for i, op in enumerate(OPS)}
FIELDS = ("d", "a", "b", "c", "aux", "imm")


def check_table():
    """Raise if the table is malformed (unknown fields, duplicate names)."""
    seen = set()
    for op in OPS:
        if op.name in seen:
            raise ValueError("duplicate IR op %s" % op.name)
        seen.add(op.name)
        for f in op.fields.split():
            if f not in FIELDS:
                raise ValueError("op %s: unknown field %s" % (op.name, f))
        if op.kind not in ("pure", "flags", "mem", "sys", "branch", "term"):
            raise ValueError("op %s: unknown kind %s" % (op.name, op.kind))


def cython_constants():
    """Text of tcg/opcodes.pxi: one compile-time constant per op."""
    lines = ["# Generated from tcg/ir_ops.py by setup.py; do not edit.", "cdef enum:"]
    for i, op in enumerate(OPS):
        lines.append("    OP_%s = %d" % (op.name.rstrip("_").upper(), i))
    lines.append("    NUM_OPS = %d" % len(OPS))
    return "\n".join(lines) + "\n"


check_table()
