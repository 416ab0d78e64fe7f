"""A32 loads and stores (frontend/a32_mem.py).

- decoding: the GNU assembler (independent of us) encodes one instruction of
  every form, and the decoder must pick the expected table line;
- UNPREDICTABLE cases of the ARM ARM must lift to UNDEF;
- precise exceptions, as a property of the IR: in every lifted load/store,
  all memory ops come before the first write of guest state;
- execution through tcg.emulator.Emulator, compared with unicorn (or with
  values written here from the ARM ARM) for the tricky cases.
"""

import os
import random
import shutil
import struct
import subprocess
import tempfile

import pytest

from frontend.decoder import Decoder
from frontend.a32_mem import ENCODINGS_MEM
from frontend.translate import translate_block
from tcg.ir_ops import OPS, OP_INDEX
from tcg.ir import EXCP_UDEF, NUM_GLOBALS
from mmu_util import flat_normal_memory, L1_SIZE

MEM_DECODER = Decoder(ENCODINGS_MEM)
AS = shutil.which("arm-none-eabi-as")
OBJCOPY = shutil.which("arm-none-eabi-objcopy")
MODE_USR, MODE_FIQ, MODE_SVC, MODE_ABT, MODE_HYP, MODE_UND, MODE_SYS = (
    0x10, 0x11, 0x13, 0x17, 0x1A, 0x1B, 0x1F)

_asm_cache = {}


def assemble(lines):
    """Words of the A32 instructions in lines, by the GNU assembler."""
    if AS is None or OBJCOPY is None:
        pytest.skip("arm-none-eabi binutils not installed")
    key = tuple(lines)
    if key not in _asm_cache:
        with tempfile.TemporaryDirectory() as d:
            src, obj, out = (os.path.join(d, n) for n in ("a.s", "a.o", "a.bin"))
            with open(src, "w") as f:
                f.write(".syntax unified\n.arm\n" + "\n".join(lines) + "\n")
            subprocess.run([AS, "-mcpu=cortex-a15", "-o", obj, src], check=True,
                           capture_output=True)
            subprocess.run([OBJCOPY, "-O", "binary", obj, out], check=True)
            data = open(out, "rb").read()
        _asm_cache[key] = list(struct.unpack("<%dI" % (len(data) // 4), data))
    return _asm_cache[key]


# ---------------------------------------------------------------------------
# decoding: (assembly, table line)

DECODE_CASES = [
    ("ldr r0, [r1, #4]", "LDR_imm"), ("ldr r0, [r1, #-4]!", "LDR_imm"),
    ("ldr r0, [r1], #4", "LDR_imm"), ("ldr pc, [sp], #4", "LDR_imm"),
    ("str r0, [r1, #4]", "STR_imm"), ("str r0, [r1], #-4", "STR_imm"),
    ("push {r4}", "STR_imm"), ("pop {r4}", "LDR_imm"),
    ("ldrb r0, [r1, #1]!", "LDRB_imm"), ("strb r0, [r1], #1", "STRB_imm"),
    ("ldr r0, [pc, #-16]", "LDR_lit"), ("ldrb r0, [pc, #16]", "LDRB_lit"),
    ("ldr r0, [r1, r2, lsl #2]", "LDR_reg"), ("ldr r0, [r1, -r2, asr #32]!", "LDR_reg"),
    ("ldr r0, [r1], r2, rrx", "LDR_reg"), ("str r0, [r1, r2, ror #3]", "STR_reg"),
    ("ldrb r0, [r1, -r2]", "LDRB_reg"), ("strb r0, [r1], r2, lsr #1", "STRB_reg"),
    ("ldrt r0, [r1], #4", "LDRT_imm"), ("strt r0, [r1], #-4", "STRT_imm"),
    ("ldrbt r0, [r1], #1", "LDRBT_imm"), ("strbt r0, [r1]", "STRBT_imm"),
    ("ldrt r0, [r1], r2, lsl #2", "LDRT_reg"), ("strt r0, [r1], -r2", "STRT_reg"),
    ("ldrbt r0, [r1], r2", "LDRBT_reg"), ("strbt r0, [r1], r2", "STRBT_reg"),
    ("ldrh r0, [r1, #2]", "LDRH_imm"), ("ldrh r0, [r1], #-2", "LDRH_imm"),
    ("strh r0, [r1, #-2]!", "STRH_imm"), ("ldrsb r0, [r1, #255]", "LDRSB_imm"),
    ("ldrsh r0, [r1, #-6]", "LDRSH_imm"), ("ldrh r0, [pc, #-4]", "LDRH_lit"),
    ("ldrsb r0, [pc, #4]", "LDRSB_lit"), ("ldrsh r0, [pc, #4]", "LDRSH_lit"),
    ("ldrh r0, [r1, r2]", "LDRH_reg"), ("strh r0, [r1, -r2]!", "STRH_reg"),
    ("ldrsb r0, [r1], r2", "LDRSB_reg"), ("ldrsh r0, [r1, r2]", "LDRSH_reg"),
    ("ldrd r0, r1, [r2, #8]", "LDRD_imm"), ("ldrd r2, r3, [r4], #-8", "LDRD_imm"),
    ("strd r0, r1, [r2, #-8]!", "STRD_imm"), ("ldrd r0, r1, [pc, #-8]", "LDRD_lit"),
    ("ldrd r0, r1, [r2, r3]", "LDRD_reg"), ("strd r0, r1, [r2], -r3", "STRD_reg"),
    ("ldrht r0, [r1], #2", "LDRHT_imm"), ("strht r0, [r1], #-2", "STRHT_imm"),
    ("ldrsbt r0, [r1], #1", "LDRSBT_imm"), ("ldrsht r0, [r1], #2", "LDRSHT_imm"),
    ("ldrht r0, [r1], r2", "LDRHT_reg"), ("strht r0, [r1], -r2", "STRHT_reg"),
    ("ldrsbt r0, [r1], r2", "LDRSBT_reg"), ("ldrsht r0, [r1], r2", "LDRSHT_reg"),
    ("ldmda r0, {r1, r2}", "LDMDA"), ("ldm r0!, {r1-r3}", "LDM"),
    ("ldmdb r0, {r1, pc}", "LDMDB"), ("ldmib r0!, {r1}", "LDMIB"),
    ("pop {r4-r6, pc}", "LDM"), ("push {r4-r6, lr}", "STMDB"),
    ("stmda r0!, {r1, r2}", "STMDA"), ("stm r0, {r1-r3}", "STM"),
    ("stmib r0, {r1, pc}", "STMIB"),
    ("stmdb r0, {r1, lr}^", "STM_usr"), ("ldm r0, {r1, sp, lr}^", "LDM_usr"),
    ("ldmfd sp!, {r0, pc}^", "LDM_eret"), ("ldmib r0, {pc}^", "LDM_eret"),
    ("ldrex r0, [r1]", "LDREX"), ("strex r0, r2, [r1]", "STREX"),
    ("ldrexb r0, [r1]", "LDREXB"), ("strexb r0, r2, [r1]", "STREXB"),
    ("ldrexh r0, [r1]", "LDREXH"), ("strexh r0, r2, [r1]", "STREXH"),
    ("ldrexd r0, r1, [r2]", "LDREXD"), ("strexd r4, r0, r1, [r2]", "STREXD"),
    ("pld [r1, #4]", "PLD_imm"), ("pld [pc, #-4]", "PLD_imm"),
    ("pldw [r1, #-4]", "PLDW_imm"), ("pli [r1, #4]", "PLI_imm"),
    ("pld [r1, r2, lsl #2]", "PLD_reg"), ("pldw [r1, -r2]", "PLDW_reg"),
    ("pli [r1, r2]", "PLI_reg"),
    ("ldrne r0, [r1, #4]", "LDR_imm"), ("stmiacs r0!, {r1}", "STM"),
]


def test_decoding_every_form():
    words = assemble([asm for asm, _ in DECODE_CASES])
    for (asm, name), word in zip(DECODE_CASES, words):
        hit = MEM_DECODER.decode(word)
        assert hit is not None, "%s (%08x) not decoded" % (asm, word)
        assert hit[0].name == name, "%s (%08x): %s" % (asm, word, hit[0].name)


def test_every_table_line_is_tested():
    tested = {name for _, name in DECODE_CASES}
    untested = {e.name for e in ENCODINGS_MEM} - tested - {"SWP", "HINT_mem", "HINT_mem_reg"}
    assert not untested


def test_decoded_fields():
    (word,) = assemble(["ldrd r2, r3, [r4, #-0x48]!"])
    pat, f = MEM_DECODER.decode(word)
    assert (pat.name, f["p"], f["u"], f["w"], f["n"], f["t"], f["i"]) == ("LDRD_imm", 1, 0, 1, 4, 2, 0x48)
    (word,) = assemble(["ldr r0, [r1, -r2, asr #7]"])
    pat, f = MEM_DECODER.decode(word)
    assert (f["u"], f["m"], f["y"], f["s"]) == (0, 2, 2, 7)


# hand-written words: SWP, unallocated hints, and encodings we must NOT claim
@pytest.mark.parametrize("word,name", [
    (0xE1010092, "SWP"), (0xE1410092, "SWP"),
    (0xF411F000, "HINT_mem"), (0xF6110000, "HINT_mem_reg"),
])
def test_decode_hand_written(word, name):
    assert MEM_DECODER.decode(word)[0].name == name


@pytest.mark.parametrize("word", [
    0xE0810002,  # add r0, r1, r2 (data-processing register)
    0xE0010392,  # mul r1, r2, r3 (multiply: bits 7:4 1001, 6:5 = 00)
    0xE1A00000,  # mov r0, r0
    0xE12FFF1E,  # bx lr
    0xE7F000F0,  # udf (media space, bit 4 set)
    0xE6EF1071,  # uxtb r1, r1 (media)
    0xEA000000,  # b
    0xEE110F10,  # mrc p15
    0xF57FF01F,  # clrex (system)
    0xF57FF05F,  # dmb (system)
    0xF1010200,  # setend be
    0xF8BD0A00,  # rfeia sp!
    0xF96D0513,  # srsdb sp!, #19
    0xE19101B2,  # ldrh with nonzero (0) bits 11:8: not ours, decodes to UNDEF
    0xE1910E9F,  # ldrex with bits 11:8 != 1111 (LDA/STL space of ARMv8)
    0xF5D10000,  # pld with bits 15:12 != 1111
])
def test_not_claimed(word):
    assert MEM_DECODER.decode(word) is None


def test_no_ambiguity_in_merged_tables():
    from frontend.a32 import ENCODINGS
    assert Decoder(ENCODINGS).ambiguities() == []


def test_merged_decoder_keeps_our_lines():
    """Lines of other families must not shadow ours (more specific overlap)."""
    from frontend.a32 import DECODER
    words = assemble([asm for asm, _ in DECODE_CASES])
    for (asm, name), word in zip(DECODE_CASES, words):
        assert DECODER.decode(word)[0].name == name, asm


# ---------------------------------------------------------------------------
# lifting: UNDEF for the UNPREDICTABLE cases, and the precise-exception order

def lift(word, mode=MODE_SVC):
    block = translate_block(lambda a: word, 0x1000, mode, max_insns=1)
    return block.builder.ops


def is_undef(ops):
    return any(op[0] == OP_INDEX["raise_exc"] and op[5] == EXCP_UDEF for op in ops)


@pytest.mark.parametrize("word", [
    0xE5B11004,            # ldr r1, [r1, #4]!      wback && n == t
    0xE4911004,            # ldr r1, [r1], #4       post-index: wback && n == t
    0xE5BF0004,            # ldr r0, [pc, #4]!      LDR (literal) has P=(1) W=(0)
    0xE5AF0004,            # str r0, [pc, #4]!      wback && n == 15
    0xE791000F,            # ldr r0, [r1, pc]       m == 15
    0xE5D1F000,            # ldrb pc, [r1]          t == 15
    0xE5C1F000,            # strb pc, [r1]          t == 15
    0xE1D1F0B0,            # ldrh pc, [r1]          t == 15
    0xE4B1F004,            # ldrt pc, [r1], #4      t == 15
    0xE4B11004,            # ldrt r1, [r1], #4      n == t
    0xE4BF0004,            # ldrt r0, [pc], #4      n == 15
    0xE1C110D0,            # ldrd r1, r2, [r1]      Rt<0> == 1
    0xE1C1E0D0,            # ldrd lr, pc, [r1]      t2 == 15
    0xE0E100D0,            # ldrd P=0 W=1
    0xE1E000D8,            # ldrd r0, r1, [r0, #8]! wback && n == t
    0xE18100D1,            # ldrd r0, r1, [r1, r1]  m == t2
    0xE08120FF,            # strd r2, r3, [r1], pc  m == 15
    0xE8B10003,            # ldm r1!, {r0, r1}      wback && registers<n>
    0xE89F0003,            # ldm pc, {r0, r1}       n == 15
    0xE8910000,            # ldm r1, {}             BitCount < 1
    0xE8810000,            # stm r1, {}
    0xE8E10003,            # stm r1!, {r0, r1}^     W is (0)
    0xE1910F9F | 0xF000,   # ldrex pc, [r1]         t == 15
    0xE1811F90,            # strex r1, r0, [r1]     d == n
    0xE1810F90,            # strex r0, r0, [r1]     d == t
    0xE1B10F9F | 0x1000,   # ldrexd r1, r2, [r1]    Rt<0> == 1
    0xE1A14F9E,            # strexd r4, lr, pc, [r1] Rt == 1110
    0xE1A12F92,            # strexd r2, r2, r3, [r1] d == t
    0xE1010092,            # swp r0, r2, [r1]       UNDEFINED with the Virtualization Extensions
    0xE1410092,            # swpb
    0xF51FF004,            # pldw [pc, #-4]         no PLDW (literal)
    0xF7D1F00F,            # pld [r1, pc]           m == 15
])
def test_unpredictable_lifts_to_undef(word):
    assert is_undef(lift(word)), "%08x" % word


@pytest.mark.parametrize("word,mode,undef", [
    (0xE8D10006, MODE_SVC, False),   # ldm r1, {r1, r2}^   LDM (User registers)
    (0xE8D10006, MODE_USR, True),    # UNPREDICTABLE in User mode
    (0xE8D10006, MODE_SYS, True),    # ... and System mode
    (0xE8D10006, MODE_HYP, True),    # UNDEFINED in Hyp mode
    (0xE8C16000, MODE_FIQ, False),   # stm r1, {sp, lr}^
    (0xE8C16000, MODE_USR, True),
    (0xE8FD8001, MODE_SVC, False),   # ldm sp!, {r0, pc}^  exception return
    (0xE8FD8001, MODE_SYS, True),
    (0xE8FD8001, MODE_HYP, True),
    (0xE4B10004, MODE_HYP, True),    # ldrt: UNPREDICTABLE in Hyp mode
    (0xE4B10004, MODE_USR, False),
])
def test_mode_dependent_undef(word, mode, undef):
    assert is_undef(lift(word, mode)) == undef


def test_user_bank_ops():
    """STM^ reads r13/r14 (and r8-r12 in FIQ mode) through user_read; LDM^
    writes them through user_write; other registers are the same in every bank."""
    ops = lift(0xE8C17F01, MODE_FIQ)  # stm r1, {r0, r8-r14}^
    read = sorted(op[6] for op in ops if op[0] == OP_INDEX["user_read"])
    assert read == [8, 9, 10, 11, 12, 13, 14]
    ops = lift(0xE8C17F01, 0x12)
    read = sorted(op[6] for op in ops if op[0] == OP_INDEX["user_read"])
    assert read == [13, 14]
    ops = lift(0xE8D16001, MODE_SVC)  # ldm r1, {r0, sp, lr}^
    written = sorted(op[6] for op in ops if op[0] == OP_INDEX["user_write"])
    assert written == [13, 14]


def test_exception_return_ir():
    ops = lift(0xE8FD8003, MODE_SVC)  # ldmfd sp!, {r0, r1, pc}^
    names = [OPS[op[0]].name for op in ops]
    assert names.count("ld") == 3
    assert names[-2:] == ["spsr_read", "exc_return"]


def test_immediate_offset_is_folded():
    """Few ops: an immediate offset goes into the memory op's displacement."""
    ops = lift(0xE5910010)  # ldr r0, [r1, #16]
    assert [OPS[op[0]].name for op in ops] == ["ld", "goto_tb"]
    assert ops[0][1] == 0 and ops[0][2] == 1 and ops[0][6] == 16
    ops = lift(0xE5110010)  # ldr r0, [r1, #-16]
    assert ops[0][6] == (-16) & 0xFFFFFFFF


def _writes_guest(op):
    o = OPS[op[0]]
    if o.name in ("user_write", "spsr_write", "cpsr_write", "bx", "exc_return"):
        return True
    return "d" in o.fields.split() and o.kind not in ("mem",) and op[1] < NUM_GLOBALS


def test_precise_exception_order_property():
    """For random words of every table line: all memory ops of an
    instruction come before the first write of guest state."""
    rng = random.Random(1234)
    from frontend.decoder import Pattern
    pats = [Pattern(e) for e in ENCODINGS_MEM]
    checked = 0
    for p in pats:
        for _ in range(300):
            word = (rng.getrandbits(32) & ~p.mask) | p.value
            if p.conditional:
                word = (word & 0x0FFFFFFF) | 0xE0000000
            hit = MEM_DECODER.decode(word)
            if hit is None or hit[0].name != p.name:
                continue
            for mode in (MODE_SVC, MODE_FIQ):
                ops = lift(word, mode)
                kinds = [OPS[op[0]].kind for op in ops]
                mems = [i for i, k in enumerate(kinds) if k == "mem"]
                writes = [i for i, op in enumerate(ops) if _writes_guest(op)]
                if mems and writes:
                    assert max(mems) < min(writes), "%s %08x" % (p.name, word)
                # a mem op may load straight into a guest register only if
                # it is the instruction's last memory access (an ld writes its
                # destination only after the access succeeded)
                for i in mems[:-1]:
                    op = ops[i]
                    if "d" in OPS[op[0]].fields.split():
                        assert op[1] >= NUM_GLOBALS, "%s %08x" % (p.name, word)
                checked += 1
    assert checked > 5000


def test_alignment_flags():
    from tcg.ir import MO_ALIGN
    def aux_of(word, name="ld"):
        return [op[5] for op in lift(word) if OPS[op[0]].name == name]
    assert all(not a & MO_ALIGN for a in aux_of(0xE5910000))          # ldr
    assert all(a & MO_ALIGN for a in aux_of(0xE1C100D0))              # ldrd
    assert all(a & MO_ALIGN and a & 3 == 2 for a in aux_of(0xE8910006))  # ldm
    assert all(a & MO_ALIGN for a in aux_of(0xE8810006, "st"))        # stm
    assert all(a & MO_ALIGN for a in aux_of(0xE1910F9F, "ldex"))      # ldrex


# ---------------------------------------------------------------------------
# execution: our emulator against unicorn / the ARM ARM

try:
    from tcg.emulator import Emulator
except Exception:  # the runtime is not built yet
    Emulator = None

needs_emu = pytest.mark.skipif(Emulator is None, reason="tcg.emulator does not import")

CODE = 0x10000
DATA = 0x20000
PAGE_TABLE = 0x80000
RAM_SIZE = 0x10000
VECTORS = 0x0
REG_NAMES = ["r%d" % i for i in range(13)] + ["sp", "lr", "pc"]


def _data_image(seed=7):
    rng = random.Random(seed)
    return bytes(rng.getrandbits(8) for _ in range(RAM_SIZE))


def run_ours(words, regs, cpsr, data, count, spsr=None, extra=None):
    emu = Emulator()
    emu.map_ram(VECTORS, 0x1000)
    emu.map_ram(CODE, RAM_SIZE)
    emu.map_ram(DATA, RAM_SIZE)
    # Normal memory, as unicorn assumes (with the MMU off, data memory is
    # Strongly-ordered and unaligned accesses would fault)
    emu.map_ram(PAGE_TABLE, L1_SIZE)
    flat_normal_memory(emu, PAGE_TABLE)
    # vectors: b . everywhere, so a taken exception stays put
    emu.mem_write(VECTORS, struct.pack("<I", 0xEAFFFFFE) * 8)
    emu.mem_write(CODE, struct.pack("<%dI" % len(words), *words))
    emu.mem_write(DATA, data)
    emu.reg_write("cpsr", cpsr)
    if spsr is not None:
        emu.reg_write("spsr", spsr)
    if extra:
        extra(emu)
    for name, v in regs.items():
        emu.reg_write(name, v)
    emu.reg_write("pc", CODE)
    emu.run(count=count)
    out = {n: emu.reg_read(n) for n in REG_NAMES}
    out["cpsr"] = emu.reg_read("cpsr")
    return out, emu.mem_read(DATA, RAM_SIZE), emu


def run_unicorn(words, regs, cpsr, data, count, spsr=None):
    from unicorn import Uc, UC_ARCH_ARM, UC_MODE_ARM
    from unicorn import arm_const as A
    uc = Uc(UC_ARCH_ARM, UC_MODE_ARM)
    uc.ctl_set_cpu_model(A.UC_CPU_ARM_CORTEX_A15)
    uc.mem_map(CODE, RAM_SIZE)
    uc.mem_map(DATA, RAM_SIZE)
    uc.mem_write(CODE, struct.pack("<%dI" % len(words), *words))
    uc.mem_write(DATA, data)
    uc.reg_write(A.UC_ARM_REG_CPSR, cpsr)
    if spsr is not None:
        uc.reg_write(A.UC_ARM_REG_SPSR, spsr)
    ids = [getattr(A, "UC_ARM_REG_R%d" % i) for i in range(13)] + [
        A.UC_ARM_REG_SP, A.UC_ARM_REG_LR, A.UC_ARM_REG_PC]
    by_name = dict(zip(REG_NAMES, ids))
    for name, v in regs.items():
        uc.reg_write(by_name[name], v)
    uc.emu_start(CODE, CODE + 4 * 4096, count=count)
    out = {n: uc.reg_read(by_name[n]) for n in REG_NAMES}
    out["cpsr"] = uc.reg_read(A.UC_ARM_REG_CPSR)
    return out, bytes(uc.mem_read(DATA, RAM_SIZE))


def _regs(**kw):
    base = {"r%d" % i: DATA + 0x800 + 0x40 * i for i in range(13)}
    base.update(sp=DATA + 0x1000, lr=DATA + 0x1100)
    base.update(kw)
    return base


def same_as_unicorn(lines, regs=None, cpsr=0x600001D3, count=None, spsr=None, patch=None):
    words = assemble(lines)
    regs = regs or _regs()
    data = bytearray(_data_image())
    for off, blob in (patch or {}).items():
        data[off:off + len(blob)] = blob
    data = bytes(data)
    count = count or len(words)
    ours, our_mem, _ = run_ours(words, regs, cpsr, data, count, spsr)
    ref, ref_mem = run_unicorn(words, regs, cpsr, data, count, spsr)
    assert ours == ref, "\n".join("%s: ours %08x ref %08x" % (n, ours[n], ref[n])
                                  for n in ours if ours[n] != ref[n])
    assert our_mem == ref_mem
    return ours


SEQUENCES = {
    "word_imm": ["ldr r0, [r1, #4]", "ldr r2, [r3, #-4]!", "ldr r4, [r5], #12",
                 "str r6, [r7, #-8]", "str r8, [r9, #8]!", "str r10, [r11], #-4",
                 "ldr r12, [r1, #0]!", "str r0, [r1], #0"],
    "word_reg": ["mov r2, #8", "ldr r0, [r1, r2]", "ldr r3, [r4, -r2, lsl #2]!",
                 "ldr r5, [r6], r2, lsr #1", "ldr r7, [r8, r2, lsr #32]",
                 "ldr r9, [r10, r2, asr #32]", "msr cpsr_f, #0x20000000",
                 "ldr r11, [r12, r2, rrx]",     # r12 + 0x80000004 (C = 1)
                 "str r1, [r8, -r2, ror #1]",   # r8 - 4
                 "str r6, [r4], -r2", "ldr r10, [r6, r2]!"],
    "unaligned": ["ldr r0, [r1, #1]", "ldr r2, [r3, #3]!", "str r4, [r5, #2]",
                  "ldrh r6, [r7, #1]", "strh r8, [r9, #3]"],
    "byte_half": ["ldrb r0, [r1, #3]", "strb r2, [r3], #-1", "ldrh r4, [r5, #2]!",
                  "strh r6, [r7, #-6]", "ldrsb r8, [r9, #255]", "ldrsh r10, [r11], #-2",
                  "mov r12, #6", "ldrsh r0, [r1, -r12]!", "ldrh r2, [r3], r12",
                  "strb r4, [r5, r12, lsl #3]"],
    "literal": ["ldr r0, [pc, #4]", "ldrb r1, [pc, #-1]", "ldrh r2, [pc, #-8]",
                "ldrsb r3, [pc]", "ldrd r4, r5, [pc, #-12]", "nop", "nop"],
    "store_pc": ["str pc, [r1]", "str pc, [r2, #-4]!", "stmia r3, {r0, pc}",
                 "strt pc, [r4], #4"],
    "dual": ["ldrd r0, r1, [r2, #8]", "ldrd r4, r5, [r6, #-8]!", "ldrd r8, r9, [r10], #16",
             "strd r0, r1, [r3, #4]", "mov r12, #12", "strd r4, r5, [r11, -r12]!",
             "ldrd r6, r7, [r3, r12]", "strd r8, r9, [r2], r12"],
    "block": ["ldmia r0!, {r1, r2}", "ldmib r3!, {r4, r5, r6}", "ldmda r7!, {r8, r9}",
              "ldmdb r10!, {r11, r12}", "stmia r0!, {r1, r2}", "stmib r3, {r4-r6}",
              "stmda r7!, {r8, r9}", "stmdb r10, {r11, r12}",
              "push {r0-r12, lr}", "pop {r0-r3}"],
    "base_in_list": ["ldm r1, {r0, r1, r2}", "stmia r3!, {r3, r4}",
                     "ldmdb r5, {r4, r5}", "stmdb sp!, {r0, sp}"],
    "unprivileged": ["ldrt r0, [r1], #4", "strt r2, [r3], #-4", "ldrbt r4, [r5], #1",
                     "strbt r6, [r7], #-1", "ldrht r8, [r9], #2", "strht r10, [r11], #-2",
                     "ldrsbt r12, [r1], #1", "ldrsht r0, [r1], #2", "mov r2, #4",
                     "ldrt r3, [r7], -r2, lsl #1", "ldrsht r5, [r9], r2"],
    "exclusive": ["ldrex r0, [r1]", "add r0, r0, #1", "strex r2, r0, [r1]",
                  "strex r3, r0, [r1]",               # monitor closed: fails
                  "ldrexb r4, [r5]", "strexb r6, r4, [r5]",
                  "ldrexh r7, [r8]", "strexh r9, r7, [r8]",
                  "ldrexd r10, r11, [r12]", "strexd r0, r10, r11, [r12]",
                  "strexd r1, r10, r11, [r12]"],
    "conditional": ["msr cpsr_f, #0x40000000", "ldrne r1, [r2]", "ldreq r3, [r4, #4]!",
                    "stmne r5!, {r6}", "popeq {r7}"],
    "hints": ["pld [r1, #4]", "pldw [r2, -r3]", "pli [pc, #8]", "pld [pc, #-4]"],
}


SEQUENCE_REGS = {"word_reg": dict(r12=(DATA + 0x100 - 0x80000004) & 0xFFFFFFFF)}


@needs_emu
@pytest.mark.parametrize("name", sorted(SEQUENCES))
def test_against_unicorn(name):
    same_as_unicorn(SEQUENCES[name], regs=_regs(**SEQUENCE_REGS.get(name, {})))


@needs_emu
def test_big_endian_data():
    # CPSR.E set: data accesses are big-endian (instructions stay little).
    same_as_unicorn(["ldr r0, [r1]", "ldrh r2, [r3, #2]", "ldrsh r4, [r5]",
                     "strh r6, [r7]", "str r8, [r9]", "ldrd r10, r11, [r12]",
                     "ldm r1, {r0, r2}"], cpsr=0x600003D3)


@needs_emu
def test_pop_pc_interworks():
    """LDR/LDM into PC is LoadWritePC: bit 0 selects Thumb (ARM ARM A2.3.2)."""
    words = assemble(["pop {r0, pc}"])
    regs = _regs(sp=DATA + 0x100)
    data = bytearray(_data_image())
    struct.pack_into("<II", data, 0x100, 0x1234, CODE + 0x41)
    ours, _, _ = run_ours(words, regs, 0x600001D3, bytes(data), 1)
    assert ours["r0"] == 0x1234 and ours["sp"] == DATA + 0x108
    assert ours["pc"] == CODE + 0x40 and ours["cpsr"] & 0x20


@needs_emu
def test_user_bank_forms():
    """STM^/LDM^ from IRQ mode move the User r13/r14 (ARM ARM B9.3.5/B9.3.6).
    Expected values written here: user sp/lr come from System mode."""
    words = assemble(["stmia r0, {r1, sp, lr}^", "ldmia r2, {r3, sp, lr}^"])

    def setup(emu):
        emu.reg_write("cpsr", 0x600001DF)            # System: set User sp/lr
        emu.reg_write("sp", 0x11111111)
        emu.reg_write("lr", 0x22222222)
        emu.reg_write("cpsr", 0x600001D2)            # back to IRQ
    regs = dict(r0=DATA, r1=0x5, r2=DATA + 0x20, sp=0x33333333, lr=0x44444444)
    data = bytearray(RAM_SIZE)
    struct.pack_into("<III", data, 0x20, 0xAAAA, 0xBBBB, 0xCCCC)
    ours, mem, emu = run_ours(words, regs, 0x600001D2, bytes(data), 2, extra=setup)
    assert struct.unpack_from("<III", mem, 0) == (0x5, 0x11111111, 0x22222222)
    assert ours["r3"] == 0xAAAA
    assert ours["sp"] == 0x33333333 and ours["lr"] == 0x44444444  # IRQ bank untouched
    emu.reg_write("cpsr", 0x600001DF)
    assert (emu.reg_read("sp"), emu.reg_read("lr")) == (0xBBBB, 0xCCCC)


@needs_emu
def test_user_bank_against_unicorn():
    same_as_unicorn(["stmdb r0, {r1, r8, sp, lr}^", "ldmib r2, {r3, r9, sp, lr}^"],
                    cpsr=0x600001D1)  # FIQ: r8-r12 banked too


@needs_emu
def test_exception_return_against_unicorn():
    same_as_unicorn(["ldmfd sp!, {r0, r1, pc}^"], spsr=0x800001D0,
                    regs=_regs(sp=DATA + 0x200), count=1,
                    patch={0x200: struct.pack("<III", 1, 2, CODE + 0x40)})


@needs_emu
def test_exception_return_values():
    """LDM (exception return): CPSR = SPSR, registers loaded in the old mode."""
    words = assemble(["ldmfd sp!, {r0, pc}^"])
    data = bytearray(RAM_SIZE)
    struct.pack_into("<II", data, 0x200, 0x77, CODE + 0x80)
    ours, _, emu = run_ours(words, _regs(sp=DATA + 0x200), 0x600001D3, bytes(data), 1,
                            spsr=0x800001D0)
    assert ours["r0"] == 0x77 and ours["pc"] == CODE + 0x80
    assert ours["cpsr"] & 0xF00001FF == 0x800001D0
    emu.reg_write("cpsr", 0x600001D3)  # back to SVC: its sp was written back
    assert emu.reg_read("sp") == DATA + 0x208


def _abort_case(lines, regs, count=1):
    """Run into a data abort: return (registers before, registers after)."""
    words = assemble(lines)
    ours, _, _ = run_ours(words, regs, 0x600001D3, _data_image(), count)
    return ours


END = DATA + RAM_SIZE  # nothing is mapped from here


@needs_emu
@pytest.mark.parametrize("line,base", [
    ("ldmia r0!, {r1-r12}", END - 8),    # two words load, the third aborts
    ("ldmdb r0, {r1, r2, r0}", END + 4),  # the first word aborts, the rest would not
    ("ldmib r0!, {r1, r2, pc}", END - 12),
    ("ldr r1, [r0, #0x10]!", END - 8),
    ("ldrd r2, r3, [r0, #-4]!", END),     # first word mapped, second not
    ("ldrd r2, r3, [r0], #8", END - 4),
    ("pop {r1-r4, pc}", END - 8),
    ("ldm r0, {r1, sp, lr}^", END - 8),
    ("ldmfd r0!, {r1, r2, pc}^", END - 8),
])
def test_abort_leaves_registers(line, base):
    """A data abort in the middle of an instruction leaves every register
    (base included) as it was: ARM ARM B1.9.8 (precise aborts)."""
    regs = _regs(r0=base, sp=base)
    ours = _abort_case([line], regs)
    assert ours["cpsr"] & 0x1F == MODE_ABT
    for i in range(13):
        assert ours["r%d" % i] == regs["r%d" % i], "r%d" % i
    # LR_abt = address of the aborted instruction + 8; pc at the abort vector
    assert ours["lr"] == CODE + 8 and ours["pc"] == 0x10


@needs_emu
@pytest.mark.parametrize("line", ["ldrd r0, r1, [r2, #2]", "ldm r3, {r0}",
                                  "strd r0, r1, [r2, #1]", "ldrex r0, [r3]"])
def test_alignment_required(line):
    """LDRD/STRD/LDM/LDREX use MemA: misaligned -> alignment fault even with
    SCTLR.A == 0 (ARM ARM A3.2.1)."""
    regs = _regs(r2=DATA + 0x100, r3=DATA + 0x102)
    ours = _abort_case([line], regs)
    assert ours["cpsr"] & 0x1F == MODE_ABT and ours["pc"] == 0x10


@needs_emu
@pytest.mark.parametrize("line", ["swp r0, r1, [r2]", "swpb r0, r1, [r2]"])
def test_swp_undefined(line):
    ours = _abort_case([line], _regs())
    assert ours["cpsr"] & 0x1F == MODE_UND and ours["pc"] == 0x4
    assert ours["lr"] == CODE + 4


@needs_emu
def test_load_literal_into_pc():
    """ldr pc, [pc, #0] (vector tables): the literal two words on, then
    LoadWritePC."""
    same_as_unicorn(["ldr pc, [pc, #0]", "nop", ".word 0x%x" % (CODE + 0x40)], count=1)


@needs_emu
@pytest.mark.parametrize("line", ["ldrexd r0, r1, [r2]", "strexd r4, r0, r1, [r2]",
                                  "strex r4, r0, [r3]"])
def test_exclusive_alignment(line):
    """LDREXD/STREXD: MemA[address, 8] needs doubleword alignment (A8.8.77);
    STREX* check alignment in ExclusiveMonitorsPass even when the monitor
    is closed (A3.4.5)."""
    ours = _abort_case([line], _regs(r2=DATA + 0x104, r3=DATA + 0x102))
    assert ours["cpsr"] & 0x1F == MODE_ABT and ours["pc"] == 0x10
