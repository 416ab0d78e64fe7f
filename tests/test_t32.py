"""T32 translation details the unicorn differential cannot reach: the
fetch of a 32-bit instruction across a page, SCTLR.TE, exception return
into Thumb state with ITSTATE, and the decoder tables themselves.
Each check cites the ARM ARM (DDI 0406C) rule it implements."""

import struct

import pytest

from frontend import t32
from frontend.translate import translate_block, FetchFault, it_advance

CODE = 0x10000
B_SELF = 0xEAFFFFFE


def _emu():
    from tcg.emulator import Emulator
    emu = Emulator(engine="interp")
    emu.map_ram(0, 0x1000)
    emu.mem_write(0, struct.pack("<I", B_SELF) * 0x400)     # vectors: `b .`
    emu.map_ram(CODE, 0x1000)
    return emu


def test_tables_have_no_ambiguous_encodings():
    assert t32.DECODER16.ambiguities() == []
    assert t32.DECODER32.ambiguities() == []


@pytest.mark.parametrize("imm12, value, carry", [
    (0x0AB, 0xAB, None), (0x1AB, 0x00AB00AB, None), (0x2AB, 0xAB00AB00, None),
    (0x3AB, 0xABABABAB, None), (0x4FF, 0x7F800000, 0), (0xFFF, 0x000001FE, 0),
    (0x400, 0x80000000, 1)])
def test_thumb_expand_imm(imm12, value, carry):
    """A6.3.2 ThumbExpandImm_C: replicated bytes keep C; a rotation of
    '1':imm12<6:0> by imm12<11:7> gives C = bit 31."""
    assert t32.thumb_expand_imm(imm12) == (value, carry)


def test_thumb_expand_imm_zero_replicated_is_unpredictable():
    assert t32.thumb_expand_imm(0x100) is None


def test_it_advance():
    """A2.5.2 ITAdvance: ITSTATE<4:0> shifts left until IT<2:0> is 0."""
    assert it_advance(0x08) == 0          # IT EQ: one instruction
    assert it_advance(0x1C) == 0x18       # ITT NE (cond 0001, mask 1100): NE again
    assert it_advance(0x14) == 0x08       # ITE NE (mask 0100): the else slot reads EQ
    assert it_advance(0x0C) == 0x08 | 0x10    # ITE EQ: the else slot reads NE


def test_page_crossing_fetch_fault():
    """A 32-bit T32 instruction whose second halfword is on an unmapped page:
    a Prefetch Abort on that instruction (B1.9.7: preferred return address
    = the instruction, LR = it + 4, and in Thumb state too), IFAR = the
    faulting address, the second halfword (B4.1.96)."""
    emu = _emu()
    start = CODE + 0xFFC
    emu.mem_write(start, struct.pack("<HH", 0x2001, 0xF04F))   # movs r0, #1; mov.w r?, ...
    emu.reg_write("cpsr", 0x1D3 | 1 << 5)
    emu.reg_write("pc", start)
    emu.run(count=3)
    assert emu.reg_read("r0") == 1
    assert emu.reg_read("pc") == 0x0C
    assert emu.reg_read("cpsr") & 0x1F == 0x17 and not emu.reg_read("cpsr") & 1 << 5
    assert emu.reg_read("lr") == start + 2 + 4
    assert emu.reg_read("spsr") & 1 << 5
    assert emu.reg_read("ifar") == CODE + 0x1000


def test_translate_reports_the_second_halfword_address():
    def fetch16(addr):
        if addr >= 0x2000:
            raise FetchFault(0x8, None)
        return 0xF04F
    with pytest.raises(FetchFault) as e:
        translate_block(None, 0x1FFE, 0x13 | 1 << 5, fetch16=fetch16)
    assert e.value.address == 0x2000


def test_sctlr_te_takes_exceptions_in_thumb_state():
    """B1.8.2/B4.1.130: SCTLR.TE = 1 enters exception handlers in Thumb
    state; an UDF from ARM state then runs the vector as T32 (a 16-bit
    `b .` there: 0xE7FE)."""
    emu = _emu()
    emu.mem_write(0x04, struct.pack("<HH", 0xE7FE, 0xE7FE))
    emu.mem_write(CODE, struct.pack("<I", 0xE7F000F0))      # udf #0 (A32)
    emu.reg_write("sctlr", emu.reg_read("sctlr") | 1 << 30)
    emu.reg_write("cpsr", 0x1D3)
    emu.reg_write("pc", CODE)
    emu.run(count=3)
    assert emu.reg_read("pc") == 0x04
    assert emu.reg_read("cpsr") & 1 << 5 and emu.reg_read("cpsr") & 0x1F == 0x1B
    assert emu.reg_read("lr") == CODE + 4


def test_exception_return_restores_thumb_and_itstate():
    """B9.3.19 MOVS PC, LR / B1.9.10: CPSR = SPSR, T and IT included; the
    Thumb code then runs inside the IT block the SPSR describes: IT EQ
    (ITSTATE 0x08) with Z clear skips `mov r0, #1` (16-bit, in IT: no
    flags), then `movs r1, #2` runs outside it."""
    emu = _emu()
    emu.mem_write(CODE, struct.pack("<I", 0xE1B0F00E))      # movs pc, lr
    thumb = CODE + 0x100
    emu.mem_write(thumb, struct.pack("<HHH", 0x2001, 0x2102, 0xE7FE))
    emu.reg_write("cpsr", 0x1D3)
    emu.reg_write("spsr", 0x1D3 | 1 << 5 | (0x08 >> 2) << 10)
    emu.reg_write("lr", thumb)
    emu.reg_write("r0", 0)
    emu.reg_write("pc", CODE)
    emu.run(count=4)
    assert emu.reg_read("r0") == 0 and emu.reg_read("r1") == 2
    assert emu.reg_read("pc") == thumb + 4
    cpsr = emu.reg_read("cpsr")
    assert cpsr & 1 << 5 and cpsr & 0x0600FC00 == 0


def test_vfp_space_goes_through_the_one_hook(monkeypatch):
    """cp10/cp11 and Advanced SIMD T32 encodings are looked up in the A32
    tables as their A32 words (A7.4): vadd.f32 s0, s0, s0 is
    EE30 0A00 in T32 and E E30 0A00 (cond AL) in A32."""
    assert t32.a32_equivalent(0xEE300A00) == 0xEE300A00
    assert t32.a32_equivalent(0xEF000D40) == 0xF2000D40     # vadd.f32 q0 (U=0)
    assert t32.a32_equivalent(0xFF000D40) == 0xF3000D40     # U=1
    assert t32.a32_equivalent(0xF920070F) == 0xF420070F     # vld1
    pat, _ = t32.DECODER32.decode(0xEE300A00)
    assert pat.name == "FP_dp_w"


@pytest.mark.parametrize("a32, t32_words", [
    (0xEE110F10, (0xEE11, 0x0F10)),   # mrc p15, 0, r0, c1, c0, 0 (SCTLR)
    (0xEE010F10, (0xEE01, 0x0F10)),   # mcr p15, 0, r0, c1, c0, 0
    (0xEE1D0F70, (0xEE1D, 0x0F70)),   # mrc p15, 0, r0, c13, c0, 3 (TPIDRURO)
    (0xEE1F0F10, (0xEE1F, 0x0F10)),   # an unknown register: UNDEF in both
    (0xF96D0513, (0xE82D, 0xC013)),   # srsdb sp!, #0x13 (B9.3.16)
    (0xF8900A00, (0xE990, 0xC000)),   # rfeia r0 (B9.3.13)
    (0xE125F200, (0xF380, 0x8520)),   # msr sp_usr, r0 (B9.3.12)
])
@pytest.mark.parametrize("mode", [0x10, 0x13])
def test_system_encodings_lift_as_in_a32(a32, t32_words, mode):
    """A8.8.98-A8.8.100 (T1 = A1 with cond AL): MRC/MCR in T32 go through the
    same translate-time cp15 checks (frontend/cp15_emit.py), so User-mode
    SCTLR accesses UNDEF there too and the emitted IR is the same; so do
    SRS, RFE and MSR (banked), UNDEF in User mode (UNPREDICTABLE there)."""
    from runtime import cp15
    hw1, hw2 = t32_words

    def ops(block):
        return [list(rec) for rec in block.builder.ops]

    arm = translate_block(lambda a: a32, 0x1000, mode, cp15=cp15, max_insns=1)
    thumb = translate_block(None, 0x1000, mode | 1 << 5, cp15=cp15, max_insns=1,
                            fetch16=lambda a: hw1 if a == 0x1000 else hw2)
    assert ops(arm) == ops(thumb)      # both 4 bytes: the same next pc too
    from tcg.ir_ops import OP_INDEX
    undef = ops(thumb)[-1][0] == OP_INDEX["raise_exc"]
    assert undef == (a32 == 0xEE1F0F10 or (mode == 0x10 and a32 != 0xEE1D0F70))
    assert len(ops(thumb)) > 1 or undef


@pytest.mark.parametrize("hw, name", [
    (0xD001, "B<c> T1"), (0xB108, "CBZ"), (0xBF08, "IT"), (0xB662, "CPSIE i"),
    (0xB658, "SETEND BE")])
def test_unpredictable_inside_an_it_block_is_undef(hw, name):
    """A8.8.18 (B T1/T3), A8.8.29 (CBZ), A8.8.54 (IT), B9.3.1 (CPS),
    A8.8.138 (SETEND): "if InITBlock() then UNPREDICTABLE" -- UNDEF here,
    as QEMU does for B<c> (trans_B_cond_thumb) and IT.  Outside an IT
    block the same halfword is no UNDEF."""
    from runtime.abi import TBF_IT_SHIFT
    from tcg.ir_ops import OP_INDEX

    def last_op(it):
        flags = 0x13 | 1 << 5 | it << TBF_IT_SHIFT
        b = translate_block(None, 0x1000, flags, max_insns=1, fetch16=lambda a: hw)
        return b.builder.ops

    # ITSTATE 0xE8: AL, one instruction -- no condition skips the UNDEF
    inside = last_op(0xE8)
    assert [r[0] for r in inside].count(OP_INDEX["raise_exc"]) == 1, name
    outside = last_op(0)
    assert OP_INDEX["raise_exc"] not in [r[0] for r in outside], name


@pytest.mark.parametrize("hw1, hw2", [(0xBF10, None), (0xBF20, None), (0xBF00, None),
                                      (0xF3AF, 0x8001), (0xF3AF, 0x8002), (0xBF70, None)])
def test_hints_are_nops(hw1, hw2):
    """YIELD, WFE, NOP (A8.8.430, A8.8.424, A8.8.119) and an unallocated
    hint (0xBF70, A6.2.5: "treat as NOP") emit nothing but the block end
    (the differential cannot check YIELD/WFE: unicorn stops on them)."""
    from tcg.ir_ops import OP_INDEX

    def fetch16(a):
        return hw1 if a == 0x1000 else hw2
    b = translate_block(None, 0x1000, 0x13 | 1 << 5, max_insns=1, fetch16=fetch16)
    size = 2 if hw2 is None else 4
    assert [r[0] for r in b.builder.ops] == [OP_INDEX["goto_tb"]]
    assert b.builder.ops[0][6] == 0x1000 + size


def test_no_halfword_crashes_the_translator():
    """Bad input never crashes the host: every 16-bit encoding and a sample
    of 32-bit ones translate (UNDEF or not) in several modes and IT states
    without a Python exception."""
    import random
    from runtime import cp15
    from runtime.abi import TBF_IT_SHIFT
    from frontend.translate import is_t32_wide
    rng = random.Random(8)
    modes = [0x10, 0x11, 0x13, 0x16, 0x1A, 0x1F]

    def translate(hw1, hw2):
        flags = rng.choice(modes) | 1 << 5 | rng.choice([0, 0x08, 0x18, 0xE8, 0x04]) << TBF_IT_SHIFT
        translate_block(None, 0x1000, flags, cp15=cp15, max_insns=1, semihosting=True,
                        fetch16=lambda a: hw1 if a == 0x1000 else hw2)

    for hw in range(0x10000):
        if not is_t32_wide(hw):
            translate(hw, 0)
    for _ in range(20000):
        translate(rng.choice([0xE800, 0xF000, 0xF800]) | rng.getrandbits(11), rng.getrandbits(16))


THUMB_SEMIHOST_GUEST = """
    ldr r0, =thumb_part + 1
    bx r0
.thumb
.thumb_func
thumb_part:
    movs r0, #0x04               @ SYS_WRITE0
    ldr r1, =msg1
    svc 0xab                     @ T32 semihosting call (16-bit): back at the next halfword
    movs r0, #0x03               @ SYS_WRITEC
    ldr r1, =chr
    svc 0xab
    movs r0, #0x18               @ SYS_EXIT, ADP_Stopped_ApplicationExit
    ldr r1, =0x20026
    svc 0xab
    b .
.data
msg1: .asciz "thumb "
chr: .byte 0x4b
"""


def _thumb_semihost_guest(tmp_path):
    from tests import test_board
    if not test_board.emulator_available() or test_board.GCC is None:
        pytest.skip("emulator not built or no arm-none-eabi-gcc")
    return test_board, test_board.build_guest(tmp_path, THUMB_SEMIHOST_GUEST)


def test_thumb_semihosting_call(tmp_path):
    """SVC 0xAB is the semihosting call in Thumb state (ARM semihosting
    spec, 'The semihosting interface'); it returns to the next (16-bit)
    instruction."""
    test_board, path = _thumb_semihost_guest(tmp_path)
    reason, _, _, err, _ = test_board.run_ours(path)
    assert reason.kind == "shutdown" and reason.exit_code == 0, reason
    assert err == b"thumb K"


def test_thumb_semihosting_matches_qemu(tmp_path):
    test_board, path = _thumb_semihost_guest(tmp_path)
    if test_board.QEMU is None:
        pytest.skip("qemu-system-arm not installed")
    rc, _, qemu_err = test_board.run_qemu(path, with_stderr=True)
    _, _, _, err, _ = test_board.run_ours(path)
    assert rc == 0 and err == qemu_err
